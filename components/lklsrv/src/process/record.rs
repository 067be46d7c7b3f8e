//! One entry of the server's fixed tables (processes, threads): what it
//! holds, behind a lock, and its life-cycle state, readable without the
//! lock so a claim or a reaper's scan never waits for an entry's owner,
//! which may hold the lock for a whole blocking call.

use cellux_rt::sync::SpinLocked;
use core::sync::atomic::{AtomicU8, Ordering};

/// Not in use: free to claim.
pub const FREE: u8 = 0;
pub const LIVE: u8 = 1;
/// Its owner has ended; the reaper gives it back once the kernel agrees.
pub const ENDED: u8 = 2;

pub struct Record<T> {
    state: AtomicU8,
    inner: SpinLocked<Option<T>>,
}

impl<T> Record<T> {
    pub const fn new() -> Self {
        Self { state: AtomicU8::new(FREE), inner: SpinLocked::new(None) }
    }

    /// Runs `f` on the entry with its lock held.
    pub fn with<R>(&self, f: impl FnOnce(&mut Option<T>) -> R) -> R {
        self.inner.with(f)
    }

    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    pub fn set_state(&self, s: u8) {
        self.state.store(s, Ordering::Release);
    }

    /// Takes a free entry for a new owner; false if it is in use.
    pub fn claim(&self) -> bool {
        self.state.compare_exchange(FREE, LIVE, Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }
}
