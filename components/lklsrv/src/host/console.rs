//! COM1, the console: Linux's ttyS0 (/dev/console) writes through
//! `console_write` here, and a thread attached to the UART's interrupt
//! (ISA IRQ 4, IOAPIC input 4 on microvm) feeds received bytes to Linux's
//! line discipline with `lkl_console_input`. Port I/O is the kernel's
//! `hw_op::IO_IN/IO_OUT`. The kernel's own log moves to COM2 when the
//! machine has one (kernel/src/serial.rs), so COM1 carries only the tty.

use crate::host::tcb;
use crate::host::thread;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::abi::ops::{irq_gsi, IRQ_LEVEL};
use cellux_rt::cap::Hw;
use cellux_rt::{println, sys};
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::Ordering;

const COM1: u64 = 0x3f8;
const GSI: u64 = 4;
const RBR: u64 = 0; // receive buffer / transmit holding
const IER: u64 = 1;
const MCR: u64 = 4;
const LSR: u64 = 5;
const LSR_DATA: u64 = 0x01;
const LSR_THR_EMPTY: u64 = 0x20;

fn inb(reg: u64) -> u64 {
    Hw(boot_slot::HW).io_in(COM1 + reg, 1).unwrap_or(0xff)
}

fn outb(reg: u64, v: u64) {
    let _ = Hw(boot_slot::HW).io_out(COM1 + reg, 1, v);
}

fn put(b: u8) {
    // Bounded, as the kernel's: a stuck UART must not hold Linux's CPU.
    for _ in 0..10_000 {
        if inb(LSR) & LSR_THR_EMPTY != 0 {
            break;
        }
    }
    outb(RBR, b as u64);
}

/// The `console_write` host op. n_tty has already applied termios output
/// processing (ONLCR), so the bytes go out as they are.
pub unsafe extern "C" fn console_write(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: Linux passes `len` readable bytes.
    for &b in unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) } {
        put(b);
    }
}

unsafe extern "C" fn rx_main(_: *mut c_void) {
    let line = irq_gsi(GSI);
    loop {
        if sys::rcv(false, 0).is_err() {
            continue;
        }
        // Drain the FIFO: the level line drops once it is empty.
        let mut buf = [0u8; 64];
        let mut n = 0;
        while n < buf.len() && inb(LSR) & LSR_DATA != 0 {
            buf[n] = inb(RBR) as u8;
            n += 1;
        }
        // A full Linux queue (4 KiB unread) drops the rest, as a UART
        // overrun would.
        let _ = lkl::console::input(&buf[..n]);
        let _ = Hw(boot_slot::HW).irq_ack(line);
    }
}

/// Turns on COM1's receive interrupt and starts the thread serving it.
/// Call once Linux runs (input before its tty exists would be lost).
pub fn start_input() {
    let h = match thread::spawn(rx_main, core::ptr::null_mut()) {
        Ok(h) => h,
        Err(e) => {
            println!("lkl server: no console input thread: {:?}", e);
            return;
        }
    };
    let asnd = tcb::of((h & 0xff) as usize).asnd.load(Ordering::Acquire);
    // Level-triggered: the kernel masks the line until IRQ_ACK, after the
    // FIFO is drained, so no byte arriving meanwhile is missed.
    if let Err(e) = Hw(boot_slot::HW).attach(irq_gsi(GSI), asnd, IRQ_LEVEL) {
        println!("lkl server: COM1 interrupt not attachable: {:?}", e);
        return;
    }
    // OUT2 gates the UART's interrupt onto the ISA line on a PC; DTR|RTS.
    outb(MCR, 0x0b);
    outb(IER, 0x01);
    // Bytes that arrived before the interrupt was on.
    if inb(LSR) & LSR_DATA != 0 {
        let _ = sys::asnd(asnd as u32, false);
    }
}
