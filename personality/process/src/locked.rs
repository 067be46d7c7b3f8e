//! A value behind a spin lock, for state several server threads reach
//! (a process's backing, the table of them) in short non-blocking steps.

use cellux_rt::sync::SpinLock;
use core::cell::UnsafeCell;

pub struct Locked<T> {
    lock: SpinLock,
    inner: UnsafeCell<T>,
}

// SAFETY: `inner` is only reached with `lock` held (`with`), so one
// thread at a time has it; `T` moves between threads only that way.
unsafe impl<T: Send> Sync for Locked<T> {}
// SAFETY: as above; owning a Locked is owning its T.
unsafe impl<T: Send> Send for Locked<T> {}

impl<T> Locked<T> {
    pub const fn new(v: T) -> Self {
        Locked { lock: SpinLock::new(), inner: UnsafeCell::new(v) }
    }

    /// Runs `f` with the lock held. `f` must not take this lock again.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _g = self.lock.lock();
        // SAFETY: the lock is held for the closure's whole run and no
        // other reference to `inner` outlives a `with`.
        f(unsafe { &mut *self.inner.get() })
    }
}
