//! Semaphores and mutexes for Linux. Linux locks and unlocks them from C
//! without guards, so they are state + condvar pairs rather than std locks
//! held across calls. The non-recursive mutex backs the "CPU" lock.

use super::thread;
use crate::ffi::{lkl_mutex, lkl_sem};
use core::ffi::c_int;
use std::sync::{Condvar, Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these is already fatal (we abort on
    // panic inside host operations), so poisoning carries no information.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waking a condvar is a futex syscall even with nobody waiting, and the
/// CPU lock is taken and released several times per Linux syscall: so
/// both primitives count their waiters and only wake when there are some.
struct SemState {
    count: i64,
    waiters: u32,
}

pub struct Sem {
    state: Mutex<SemState>,
    cv: Condvar,
}

pub unsafe extern "C" fn sem_alloc(count: c_int) -> *mut lkl_sem {
    Box::into_raw(Box::new(Sem { state: Mutex::new(SemState { count: count as i64, waiters: 0 }), cv: Condvar::new() })).cast()
}

/// # Safety
/// `sem` came from `sem_alloc` and is used by no one else any more.
pub unsafe extern "C" fn sem_free(sem: *mut lkl_sem) {
    // SAFETY: per the contract, we own it now.
    drop(unsafe { Box::from_raw(sem.cast::<Sem>()) });
}

/// # Safety
/// `sem` came from `sem_alloc` and is not freed yet.
pub unsafe extern "C" fn sem_up(sem: *mut lkl_sem) {
    // SAFETY: live per the contract.
    let s = unsafe { &*sem.cast::<Sem>() };
    let mut st = lock(&s.state);
    st.count += 1;
    let wake = st.waiters > 0;
    drop(st);
    if wake {
        s.cv.notify_one();
    }
}

/// # Safety
/// `sem` came from `sem_alloc` and is not freed yet.
pub unsafe extern "C" fn sem_down(sem: *mut lkl_sem) {
    // SAFETY: live per the contract.
    let s = unsafe { &*sem.cast::<Sem>() };
    let mut st = lock(&s.state);
    while st.count <= 0 {
        st.waiters += 1;
        st = s.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        st.waiters -= 1;
    }
    st.count -= 1;
}

struct Owner {
    thread: u64,
    depth: u32,
    waiters: u32,
}

pub struct HostMutex {
    recursive: bool,
    state: Mutex<Owner>,
    cv: Condvar,
}

pub unsafe extern "C" fn mutex_alloc(recursive: c_int) -> *mut lkl_mutex {
    let m = HostMutex { recursive: recursive != 0, state: Mutex::new(Owner { thread: 0, depth: 0, waiters: 0 }), cv: Condvar::new() };
    Box::into_raw(Box::new(m)).cast()
}

/// # Safety
/// `m` came from `mutex_alloc`, is unlocked and used by no one else.
pub unsafe extern "C" fn mutex_free(m: *mut lkl_mutex) {
    // SAFETY: per the contract, we own it now.
    drop(unsafe { Box::from_raw(m.cast::<HostMutex>()) });
}

/// # Safety
/// `m` came from `mutex_alloc` and is not freed yet.
pub unsafe extern "C" fn mutex_lock(m: *mut lkl_mutex) {
    // SAFETY: live per the contract.
    let m = unsafe { &*m.cast::<HostMutex>() };
    let me = thread::current_id();
    let mut o = lock(&m.state);
    if m.recursive && o.depth > 0 && o.thread == me {
        o.depth += 1;
        return;
    }
    while o.depth > 0 {
        o.waiters += 1;
        o = m.cv.wait(o).unwrap_or_else(|e| e.into_inner());
        o.waiters -= 1;
    }
    o.thread = me;
    o.depth = 1;
}

/// # Safety
/// `m` came from `mutex_alloc`, is not freed yet and is locked.
pub unsafe extern "C" fn mutex_unlock(m: *mut lkl_mutex) {
    // SAFETY: live per the contract.
    let m = unsafe { &*m.cast::<HostMutex>() };
    let mut o = lock(&m.state);
    if o.depth == 0 {
        return; // unlocking an unlocked mutex: a Linux bug, but not ours to crash on
    }
    o.depth -= 1;
    if o.depth == 0 {
        o.thread = 0;
        let wake = o.waiters > 0;
        drop(o);
        if wake {
            m.cv.notify_one();
        }
    }
}
