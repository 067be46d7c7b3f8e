//! The server's record of each process thread, found by its kernel thread
//! id: its handle on its process (`Proc::thread_view`: registers, signal
//! frames and user copies through the shared page table), its Linux task
//! until its first trap adopts it, and what that first trap still has to
//! tell Linux. A record is touched by its own thread, which holds its lock
//! for the whole of each trapped call (blocking ones included), and
//! otherwise only before the thread first runs (its creator) or once it
//! has ended (the reaper): no thread waits for a sibling's call.

use cellux_process::Proc;
use cellux_rt::abi::layout::MAX_THREADS;
use crate::process::record::{Record, ENDED, FREE, LIVE};
use lkl::task::Task;

pub struct Thread {
    /// The process's slot in the process table.
    pub slot: usize,
    /// The slot whose component the thread runs in (and whose gate it
    /// traps through): its own process's, or, for a vfork child before
    /// it execs, the parent's, whose address space it borrows.
    pub host: usize,
    pub view: Proc,
    /// Its Linux task, until the thread adopts it.
    pub task: Option<Task>,
    /// A process's first thread not made by fork: its task's fds and
    /// session are still its creator's, to be made the process's own.
    pub fresh: bool,
    /// CLONE_CHILD_CLEARTID's address, for Linux's task (set_tid_address)
    /// on adoption: Linux's exit path clears and futex-wakes it.
    pub clear_tid: u64,
    /// Linux has ended its task (exit or exit_group asked for it).
    pub linux_ended: bool,
}

/// ENDED: the thread has ended; reaped once the kernel says it is dead.
static RECS: [Record<Thread>; MAX_THREADS] = [const { Record::new() }; MAX_THREADS];

/// Runs `f` on the record of kernel thread `kid`.
pub fn with<R>(kid: usize, f: impl FnOnce(&mut Option<Thread>) -> R) -> R {
    RECS[kid % MAX_THREADS].with(f)
}

/// Records thread `kid`, just made (it has not run yet).
pub fn record(kid: usize, t: Thread) {
    with(kid, |r| *r = Some(t));
    RECS[kid % MAX_THREADS].set_state(LIVE);
}

/// The calling thread `kid` has made its last call.
pub fn ended(kid: usize) {
    RECS[kid % MAX_THREADS].set_state(ENDED);
}

/// Gives back the records (and thread capabilities) of ended threads the
/// kernel has seen die; `gone(slot, host)` for each, so their process
/// (and the one whose component they ran in) can go once its last is reaped.
pub fn reap(mut gone: impl FnMut(usize, usize)) {
    for (kid, r) in RECS.iter().enumerate() {
        if r.state() != ENDED {
            continue;
        }
        let dead = with(kid, |t| if t.as_ref().is_some_and(|t| t.view.thread_dead()) { t.take() } else { None });
        let Some(mut t) = dead else { continue };
        r.set_state(FREE);
        // The capability belongs to its id's record, which gives it back
        // with the id's other one.
        if let (Some(thd), Some(id)) = (t.view.thd.take(), t.view.tid) {
            crate::host::thread::release_id(id as usize, thd);
        }
        if let Some(task) = t.task.take() {
            task.put();
        }
        let (slot, host) = (t.slot, t.host);
        t.view.drop_view();
        gone(slot, host);
    }
}
