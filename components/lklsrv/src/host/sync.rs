//! Linux's host semaphores and mutexes on the kernel's asynchronous
//! end-points. A waiter queues its id and blocks in `rcv` on its own
//! end-point (the scheduler component runs someone else); `up` hands the
//! unit to the first waiter (`granted`) and sends to it. A send that
//! arrives early stays pending, and a waiter only leaves once granted, so
//! neither lost nor stray wake-ups matter. (The runtime's `sync::Sem`
//! finds threads by the runtime's stacks, which server threads leave.)

use crate::host::tcb;
use cellux_rt::sync::SpinLock;
use cellux_rt::sys;
use core::cell::UnsafeCell;
use core::sync::atomic::Ordering;

const QUEUE: usize = cellux_rt::abi::layout::MAX_THREADS;

struct Inner {
    count: i64,
    /// Waiting thread ids, FIFO, in a ring.
    q: [u8; QUEUE],
    head: usize,
    len: usize,
}

pub struct Sem {
    lock: SpinLock,
    inner: UnsafeCell<Inner>,
}

// SAFETY: `inner` is only touched with `lock` held.
unsafe impl Sync for Sem {}

impl Sem {
    pub const fn new(count: i64) -> Sem {
        Sem { lock: SpinLock::new(), inner: UnsafeCell::new(Inner { count, q: [0; QUEUE], head: 0, len: 0 }) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let _g = self.lock.lock();
        // SAFETY: the lock is held for the closure's whole run.
        f(unsafe { &mut *self.inner.get() })
    }

    pub fn down(&self) {
        let id = tcb::tid();
        let me = tcb::of(id);
        let queued = self.with(|s| {
            if s.count > 0 {
                s.count -= 1;
                return false;
            }
            // A thread waits on one semaphore at a time, so the ring (one
            // entry per id) never overflows.
            me.granted.store(false, Ordering::Relaxed);
            s.q[(s.head + s.len) % QUEUE] = id as u8;
            s.len += 1;
            true
        });
        if !queued {
            return;
        }
        while !me.granted.load(Ordering::Acquire) {
            let _ = sys::rcv(false, 0);
        }
    }

    pub fn up(&self) {
        let woken = self.with(|s| {
            if s.len == 0 {
                s.count += 1;
                return None;
            }
            let id = s.q[s.head] as usize;
            s.head = (s.head + 1) % QUEUE;
            s.len -= 1;
            tcb::of(id).granted.store(true, Ordering::Release);
            Some(id)
        });
        if let Some(id) = woken {
            wake(id);
        }
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
    owner: core::sync::atomic::AtomicUsize,
    depth: UnsafeCell<u64>,
}

// SAFETY: `depth` is only touched by the thread that holds `sem`'s unit.
unsafe impl Sync for Mutex {}

const NOBODY: usize = usize::MAX;

impl Mutex {
    pub const fn new(recursive: bool) -> Mutex {
        Mutex { sem: Sem::new(1), recursive, owner: core::sync::atomic::AtomicUsize::new(NOBODY), depth: UnsafeCell::new(0) }
    }

    pub fn lock(&self) {
        let id = tcb::tid();
        if self.recursive && self.owner.load(Ordering::Relaxed) == id {
            // SAFETY: we hold the unit (we are the owner).
            unsafe { *self.depth.get() += 1 };
            return;
        }
        self.sem.down();
        self.owner.store(id, Ordering::Relaxed);
        // SAFETY: we just took the unit.
        unsafe { *self.depth.get() = 1 };
    }

    pub fn unlock(&self) {
        // SAFETY: only the holder unlocks (Linux's contract).
        let d = unsafe { &mut *self.depth.get() };
        *d = d.saturating_sub(1);
        if *d == 0 {
            self.owner.store(NOBODY, Ordering::Relaxed);
            self.sem.up();
        }
    }
}
