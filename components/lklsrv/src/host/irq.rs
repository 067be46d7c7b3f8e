//! Device interrupts: the kernel delivers an IOAPIC line as a send to one
//! of our threads, which raises the Linux interrupt for it
//! (`lkl_trigger_irq` runs the handler at once if Linux's CPU is free,
//! else its owner runs it on leaving). Lines are edge-triggered: virtio's
//! interrupt-status read-and-acknowledge makes a missed level impossible,
//! as long as no edge's send is lost: raising the interrupt may wait on
//! the server's semaphores, whose waits consume the thread's sends, so
//! those (its `strays`) raise the interrupt once more. An extra raise
//! costs a handler that finds no status bit set.

use crate::host::tcb;
use crate::host::thread;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::abi::ops::{irq_gsi, IRQ_GSIS};
use cellux_rt::cap::Hw;
use cellux_rt::{println, sys};
use core::ffi::c_void;
use core::sync::atomic::Ordering;

unsafe extern "C" fn irq_main(arg: *mut c_void) {
    let irq = arg as usize as core::ffi::c_int;
    let me = tcb::me();
    loop {
        let owed = me.strays.swap(0, Ordering::AcqRel) != 0;
        if owed || sys::rcv(false, 0).is_ok() {
            // SAFETY: `irq` came from lkl_get_free_irq for this line.
            unsafe { lkl::ffi::lkl_trigger_irq(irq) };
        }
    }
}

/// Routes IOAPIC input `gsi` to a fresh Linux interrupt; returns it.
pub fn route(gsi: u64) -> Option<i32> {
    if gsi >= IRQ_GSIS {
        return None;
    }
    // SAFETY: a NUL-terminated name that lives forever.
    let irq = unsafe { lkl::ffi::lkl_get_free_irq(c"virtio-mmio".as_ptr()) };
    if irq < 0 {
        println!("lkl server: no free Linux irq for GSI {}", gsi);
        return None;
    }
    let h = thread::spawn(irq_main, irq as usize as *mut c_void).ok()?;
    let asnd = tcb::of((h & 0xff) as usize).asnd.load(Ordering::Acquire);
    match Hw(boot_slot::HW).attach(irq_gsi(gsi), asnd, 0) {
        Ok(_) => Some(irq),
        Err(e) => {
            println!("lkl server: GSI {} not attachable: {:?}", gsi, e);
            None
        }
    }
}
