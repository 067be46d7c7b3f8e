//! The runtime every cellux component links: the entry point (thread
//! start, invocation and exception upcalls on a per-thread stack), typed
//! kernel-call stubs (`cap`), console output, memory and capability-slot
//! allocation, an ELF loader for building components, spin-locked state
//! and blocking synchronization, the CPU's random numbers, and the
//! PASS/FAIL reporting of test components.
#![no_std]

pub mod cap;
pub mod cpu;
pub mod entry;
pub mod loader;
pub mod mem;
pub mod print;
pub mod report;
pub mod slots;
pub mod sync;
pub mod sys;
pub mod thread;

pub use cellux_abi as abi;

/// Whether a panic here faults once printed (`fault_on_panic`).
static PANIC_FAULTS: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// From now on a panic in this component, once printed, faults, so the
/// component's exception handler learns of it with the registers: for a
/// component the system cannot go on without (the LKL server), whose
/// handler reports it and powers off. Otherwise a panic ends only the
/// panicking thread.
pub fn fault_on_panic() {
    PANIC_FAULTS.store(true, core::sync::atomic::Ordering::Relaxed);
}

/// Faults on purpose (an invalid-opcode exception), for this component's
/// exception handler to deal with; never returns.
pub fn fault_here() -> ! {
    // SAFETY: ud2 only raises #UD; the handler never resumes past it
    // (exit_thread below is for a handler that resumes anyway).
    unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    sys::exit_thread()
}

#[panic_handler]
fn panic(p: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    let _ = writeln!(print::Console, "component panic: {}", p);
    if PANIC_FAULTS.load(core::sync::atomic::Ordering::Relaxed) {
        fault_here()
    }
    sys::exit_thread()
}
