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

#[panic_handler]
fn panic(p: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    let _ = writeln!(print::Console, "component panic: {}", p);
    sys::exit_thread()
}
