//! Blocking synchronization for threads of one component, on the kernel's
//! end-points: a waiter blocks in `rcv` on its own end-point (its
//! scheduler hears of it and runs someone else) and is woken by an
//! asynchronous send to it. A send that arrives before the waiter blocks
//! stays pending, so no wake-up is lost.

use crate::sys;
use crate::thread;
use cellux_abi::err::Error;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Protects short critical sections that never block. A holder preempted
/// by the timer is run again by the scheduler, so spinners make progress.
pub struct SpinLock {
    held: AtomicBool,
}

pub struct SpinGuard<'a>(&'a SpinLock);

impl SpinLock {
    pub const fn new() -> Self {
        SpinLock { held: AtomicBool::new(false) }
    }
    pub fn lock(&self) -> SpinGuard<'_> {
        while self.held.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            core::hint::spin_loop();
        }
        SpinGuard(self)
    }
    pub fn is_held(&self) -> bool {
        self.held.load(Ordering::Relaxed)
    }

    /// `lock` for a thread that may run outside its scheduler's time
    /// slices: one the kernel switched to for an interrupt preempts
    /// whoever ran, and no timer need be due to give the holder the CPU
    /// back, so spinning alone could wait for good. After `SPINS` tries,
    /// each further one first calls `yield_now`, which must block (let
    /// the scheduler run the others) and come back.
    pub fn lock_yielding(&self, yield_now: impl Fn()) -> SpinGuard<'_> {
        const SPINS: u32 = 1000;
        let mut tries = 0u32;
        while self.held.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            tries += 1;
            if tries >= SPINS {
                yield_now();
            } else {
                core::hint::spin_loop();
            }
        }
        SpinGuard(self)
    }
}

impl Default for SpinLock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for SpinGuard<'_> {
    fn drop(&mut self) {
        self.0.held.store(false, Ordering::Release);
    }
}

/// A value reached only with its own spin lock held: the one home of the
/// "static state several threads touch in short steps" pattern, so its
/// users need no `unsafe` of their own.
pub struct SpinLocked<T> {
    lock: SpinLock,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is only reached inside `with`, with `lock` held, so one
// thread at a time has it; `T` moves between threads only that way, hence
// `T: Send`. (`Send` follows from the fields.)
unsafe impl<T: Send> Sync for SpinLocked<T> {}

impl<T> SpinLocked<T> {
    pub const fn new(v: T) -> Self {
        SpinLocked { lock: SpinLock::new(), value: UnsafeCell::new(v) }
    }

    /// Runs `f` with the lock held. `f` must not take this lock again
    /// (it would spin for good).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _g = self.lock.lock();
        // SAFETY: the lock is held for the closure's whole run, and the
        // reference cannot outlive it (`R` is chosen without it).
        f(unsafe { &mut *self.value.get() })
    }

    /// `with`, taking the lock by `SpinLock::lock_yielding`.
    pub fn with_yielding<R>(&self, yield_now: impl Fn(), f: impl FnOnce(&mut T) -> R) -> R {
        let _g = self.lock.lock_yielding(yield_now);
        // SAFETY: as in `with`: the lock is held for the closure's whole
        // run, and the reference cannot outlive it.
        f(unsafe { &mut *self.value.get() })
    }

    /// Whether some thread is inside `with` now (a hint: it may change
    /// at once).
    pub fn is_held(&self) -> bool {
        self.lock.is_held()
    }
}

const MAX_WAITERS: usize = 64;

struct SemInner {
    count: u64,
    waiters: [u64; MAX_WAITERS],
    len: usize,
}

pub struct Sem {
    inner: SpinLocked<SemInner>,
}

impl Sem {
    pub const fn new(count: u64) -> Self {
        Sem { inner: SpinLocked::new(SemInner { count, waiters: [0; MAX_WAITERS], len: 0 }) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut SemInner) -> R) -> R {
        self.inner.with(f)
    }

    pub fn down(&self) {
        // Without a deadline the wait only ends by an `up`.
        while self.down_until(0).is_err() {}
    }

    /// Waits until a unit is available or the TSC passes `deadline` (0: never).
    pub fn down_until(&self, deadline: u64) -> Result<(), Error> {
        let me = thread::current();
        let queued = self.with(|s| {
            if s.count > 0 {
                s.count -= 1;
                return Ok(false);
            }
            if s.len == MAX_WAITERS {
                return Err(Error::Busy);
            }
            s.waiters[s.len] = me;
            s.len += 1;
            Ok(true)
        })?;
        if !queued {
            return Ok(());
        }
        match sys::rcv(false, deadline) {
            Ok(_) => Ok(()),
            Err(Error::Timeout) => {
                let removed = self.with(|s| match s.waiters[..s.len].iter().position(|&t| t == me) {
                    Some(i) => {
                        s.waiters.copy_within(i + 1..s.len, i);
                        s.len -= 1;
                        true
                    }
                    None => false,
                });
                if removed {
                    return Err(Error::Timeout);
                }
                // An up() picked us just as the timeout fired: its send is
                // pending; consume it and take the unit.
                let _ = sys::rcv(false, 0);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    pub fn up(&self) {
        let woken = self.with(|s| {
            if s.len == 0 {
                s.count += 1;
                return None;
            }
            let t = s.waiters[0];
            s.waiters.copy_within(1..s.len, 0);
            s.len -= 1;
            Some(t)
        });
        if let Some(t) = woken {
            let _ = sys::asnd(thread::asnd_slot(t), false);
        }
    }

    pub fn count(&self) -> u64 {
        self.with(|s| s.count)
    }
}

/// A sleeping mutex: a semaphore of one unit.
pub struct Mutex<T> {
    sem: Sem,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, which exists only
// while the semaphore's unit is held.
unsafe impl<T: Send> Sync for Mutex<T> {}

pub struct MutexGuard<'a, T>(&'a Mutex<T>);

impl<T> Mutex<T> {
    pub const fn new(v: T) -> Self {
        Mutex { sem: Sem::new(1), value: UnsafeCell::new(v) }
    }
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.sem.down();
        MutexGuard(self)
    }
}

impl<T> core::ops::Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only unit.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> core::ops::DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as deref, and the guard is borrowed mutably.
        unsafe { &mut *self.0.value.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.0.sem.up();
    }
}
