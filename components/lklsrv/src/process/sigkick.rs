//! Asynchronous signals: Linux hands us (`signal_kick`, from the arch
//! port's sigkick.c, with its CPU owned) the host thread of a task that
//! got a signal while its thread was out of Linux. For a process thread
//! that means running its process in user mode, or being in our own code
//! between two Linux calls; the kernel's `thd_op::INTERRUPT` makes it trap
//! to us either way (at once, or instead of its next resume), and the trap
//! path (`cellux_process::trap`, vector `VEC_INTERRUPT`) delivers the
//! signal as it would after a syscall; a thread waiting for its vfork
//! child is woken to look whether the signal ends the wait (`table::vfork_wait`).
//! Kicks of threads that are no
//! process's (a server thread with a task of its own) are refused by the
//! kernel and cost nothing else.

use crate::host::tcb;
use cellux_rt::abi::layout::MAX_THREADS;
use cellux_rt::sync::SpinLock;
use core::sync::atomic::Ordering;
use lkl::ffi::lkl_thread_t;

/// Held while a thread id's capability slots change (`thread::claim_id`,
/// `thread::release_id`): a kick never invokes a slot that has just been
/// given back and reused for some other capability.
pub static CAPS: SpinLock = SpinLock::new();

/// The `signal_kick` host op. Safe: it takes a handle by value and checks
/// it before use.
pub extern "C" fn signal_kick(h: lkl_thread_t) {
    let id = (h & 0xff) as usize;
    if id >= MAX_THREADS {
        return;
    }
    let t = tcb::of(id);
    let _g = CAPS.lock();
    // A stale handle: that thread has ended and its id is another's.
    if t.handle.load(Ordering::Acquire) != h {
        return;
    }
    let thd = t.thd_slot.load(Ordering::Acquire);
    if thd != 0 {
        // Refusals (not a process thread, dead) need nothing done.
        let _ = cellux_rt::cap::Thd(thd).interrupt();
    }
    // A thread waiting in the server for its vfork child runs no user
    // code the interrupt could stop: its wait wakes up to look.
    crate::process::table::vfork_kick(id);
}
