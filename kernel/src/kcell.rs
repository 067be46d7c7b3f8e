//! Kernel-global state. The kernel runs on one CPU with interrupts off,
//! except inside `cpu::wait_for_interrupt` where only interrupt handlers
//! run and they touch state the idle loop does not hold borrows of; so at
//! most one mutable access is live at a time.

use core::cell::UnsafeCell;

pub struct KCell<T>(UnsafeCell<T>);

// SAFETY: see the module comment: one CPU, no concurrent access.
unsafe impl<T> Sync for KCell<T> {}

impl<T> KCell<T> {
    pub const fn new(v: T) -> Self {
        KCell(UnsafeCell::new(v))
    }

    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        // SAFETY: the module comment's argument: no other reference is
        // live across a call that could create another one.
        unsafe { &mut *self.0.get() }
    }
}
