//! Polled UART output for kernel messages and user prints (`hw_op::PRINT`).
//!
//! The log goes to COM2 when the machine has one, so that COM1, the Linux
//! console tty the LKL server drives, carries only what programs write
//! there; with COM1 alone the two share it. (microvm makes only COM1; a
//! second port is `-device isa-serial,iobase=0x2f8,irq=3,chardev=...`.)

use crate::arch::cpu::{inb, outb};
use core::sync::atomic::{AtomicU16, Ordering};

const COM1: u16 = 0x3f8;
const COM2: u16 = 0x2f8;

static LOG_PORT: AtomicU16 = AtomicU16::new(COM1);

fn setup(base: u16) {
    outb(base + 1, 0x00); // no interrupts
    outb(base + 3, 0x80); // DLAB
    outb(base, 0x01); // 115200 baud
    outb(base + 1, 0x00);
    outb(base + 3, 0x03); // 8N1
    outb(base + 2, 0xc7); // FIFO on
    outb(base + 4, 0x03);
}

/// A UART answers on its scratch register; an absent port reads 0xff.
fn present(base: u16) -> bool {
    [0x5a, 0xa5].iter().all(|&v| {
        outb(base + 7, v);
        inb(base + 7) == v
    })
}

pub fn init() {
    setup(COM1);
    if present(COM2) {
        setup(COM2);
        LOG_PORT.store(COM2, Ordering::Relaxed);
    }
}

pub fn put(b: u8) {
    let port = LOG_PORT.load(Ordering::Relaxed);
    // Bounded wait: a missing UART must not hang the kernel.
    for _ in 0..100_000 {
        if inb(port + 5) & 0x20 != 0 {
            break;
        }
    }
    outb(port, b);
}
