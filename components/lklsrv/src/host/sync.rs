//! Linux's host semaphores and mutexes on the kernel's asynchronous
//! end-points. A waiter queues its id and blocks in `rcv` on its own
//! end-point (the scheduler component runs someone else); `up` hands the
//! unit to the first waiter (`granted`) and sends to it. A send that
//! arrives early stays pending, and a waiter only leaves once granted, so
//! neither lost nor stray wake-ups matter to the semaphore. They matter to
//! the thread's own loop when its sends mean something else (an interrupt
//! thread's are interrupts): every send a wait here consumes that was not
//! its unit's is counted in the thread's `strays` for that loop to take.
//!
//! The queue's lock is never spun on for long: an interrupt thread runs
//! when the interrupt comes, preempting whoever ran, and may find the
//! lock held by the very thread it preempted, which runs again only when
//! the scheduler component runs; so after a short spin the waiter blocks
//! for a moment (`yield_now`) and the scheduler gets the CPU.
//!
//! Why this is not the runtime's `cellux_rt::sync::Sem` (both keep their
//! queue in a `SpinLocked`, so neither has `unsafe` of its own):
//! - who waits: the runtime names a waiter by `thread::current()`, which
//!   reads the runtime's per-thread stacks; server threads run on the
//!   large stacks of their Linux host threads (`tcb`), so only `tcb::tid()`
//!   names them, and only `tcb`'s send capability wakes them.
//! - stray wake-ups: a server thread's end-point also gets sends that are
//!   not its semaphore's (`timer` wakes a sleeping host thread with
//!   `wake`), so a waiter here leaves only once `granted`; the runtime's
//!   waiter takes any send as its unit, which is right only because its
//!   threads get no other sends.
//! - deadlines: the runtime's `down_until` gives up at a deadline and
//!   must then undo its queueing; Linux's host semaphores never time out.
//! Making one generic over these three would put the granted flag and the
//! thread naming behind a trait for two small users; it stays two.

use crate::host::tcb;
use cellux_rt::sync::SpinLocked;
use cellux_rt::sys;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const QUEUE: usize = cellux_rt::abi::layout::MAX_THREADS;

struct Inner {
    count: i64,
    /// Waiting thread ids, FIFO, in a ring.
    q: [u8; QUEUE],
    head: usize,
    len: usize,
}

pub struct Sem {
    inner: SpinLocked<Inner>,
}

impl Sem {
    pub const fn new(count: i64) -> Sem {
        Sem { inner: SpinLocked::new(Inner { count, q: [0; QUEUE], head: 0, len: 0 }) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        self.inner.with_yielding(yield_now, f)
    }

    pub fn down(&self) {
        let id = tcb::tid();
        if self.take_or_queue(id) {
            wait_granted(tcb::of(id), 0);
        }
    }

    pub fn up(&self) {
        if let Some(id) = self.grant() {
            wake(id);
        }
    }

    /// Takes a unit, or queues thread `id` (the caller) for one: true
    /// when queued.
    fn take_or_queue(&self, id: usize) -> bool {
        self.with(|s| {
            if s.count > 0 {
                s.count -= 1;
                return false;
            }
            // A thread waits on one semaphore at a time, so the ring (one
            // entry per id) never overflows.
            tcb::of(id).granted.store(false, Ordering::Relaxed);
            s.q[(s.head + s.len) % QUEUE] = id as u8;
            s.len += 1;
            true
        })
    }

    /// Hands a unit to the first waiter, whose id it returns (to be woken),
    /// or keeps it.
    fn grant(&self) -> Option<usize> {
        self.with(|s| {
            if s.len == 0 {
                s.count += 1;
                return None;
            }
            let id = s.q[s.head] as usize;
            s.head = (s.head + 1) % QUEUE;
            s.len -= 1;
            tcb::of(id).granted.store(true, Ordering::Release);
            Some(id)
        })
    }
}

/// `up.up()` then `down.down()`: Linux's hand-offs (wake the thread of the
/// task switched to, wait to be switched back). When the first wakes a
/// thread and the second must wait, one kernel call sends and receives.
pub fn up_down(up: &Sem, down: &Sem) {
    let woken = up.grant();
    let id = tcb::tid();
    if !down.take_or_queue(id) {
        if let Some(w) = woken {
            wake(w);
        }
        return;
    }
    let cap = woken.map_or(0, |w| tcb::of(w).asnd.load(Ordering::Acquire));
    let consumed = match cap {
        0 => 0,
        cap => sys::asnd_then_rcv(cap).map_or(0, |(n, _)| n),
    };
    wait_granted(tcb::of(id), consumed);
}

/// Receives until the thread `me`, queued on a semaphore, is granted its
/// unit; `consumed` sends were taken already.
fn wait_granted(me: &tcb::Tcb, mut consumed: u64) {
    while !me.granted.load(Ordering::Acquire) {
        if let Ok((n, _)) = sys::rcv(false, 0) {
            consumed += n;
        }
    }
    // All but one were strays: the unit's own send is either among
    // them or still to come, and then it wakes the thread's loop in
    // the place of the one not counted.
    me.strays.fetch_add(consumed.saturating_sub(1), Ordering::Relaxed);
}

/// Lets the scheduler component run the other threads: a wait on our
/// end-point whose timeout has already passed, which it ends at its next
/// look. Sends it consumes instead are the thread's strays.
fn yield_now() {
    if let Ok((n, _)) = sys::rcv(false, sys::rdtsc()) {
        tcb::me().strays.fetch_add(n, Ordering::Relaxed);
    }
}

/// Sends to thread `id`'s end-point (a pending send if it is not waiting).
pub fn wake(id: usize) {
    let cap = tcb::of(id).asnd.load(Ordering::Acquire);
    if cap != 0 {
        let _ = sys::asnd(cap, false);
    }
}

/// A mutex, recursive on request: a semaphore of one unit plus an owner.
pub struct Mutex {
    sem: Sem,
    recursive: bool,
    owner: AtomicUsize,
    /// Only the thread holding `sem`'s unit touches it, so relaxed plain
    /// loads and stores suffice (no read-modify-write is needed).
    depth: AtomicU64,
}

const NOBODY: usize = usize::MAX;

impl Mutex {
    pub const fn new(recursive: bool) -> Mutex {
        Mutex { sem: Sem::new(1), recursive, owner: AtomicUsize::new(NOBODY), depth: AtomicU64::new(0) }
    }

    pub fn lock(&self) {
        let id = tcb::tid();
        if self.recursive && self.owner.load(Ordering::Relaxed) == id {
            // We hold the unit (we are the owner).
            self.depth.store(self.depth.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            return;
        }
        self.sem.down();
        self.owner.store(id, Ordering::Relaxed);
        self.depth.store(1, Ordering::Relaxed);
    }

    pub fn unlock(&self) {
        // Only the holder unlocks (Linux's contract).
        let d = self.depth.load(Ordering::Relaxed).saturating_sub(1);
        self.depth.store(d, Ordering::Relaxed);
        if d == 0 {
            self.owner.store(NOBODY, Ordering::Relaxed);
            self.sem.up();
        }
    }
}
