//! Thread-local keys with destructors: pthread keys, because their
//! destructors run at every thread's exit, which is how Linux learns that
//! an application thread that had a task is gone.

use crate::ffi::lkl_tls_key;
use core::ffi::{c_int, c_void};

fn key_of(k: *mut lkl_tls_key) -> libc::pthread_key_t {
    // The handle is the key plus one, so that it is never NULL.
    (k as usize - 1) as libc::pthread_key_t
}

pub unsafe extern "C" fn tls_alloc(destructor: Option<unsafe extern "C" fn(*mut c_void)>) -> *mut lkl_tls_key {
    let mut key: libc::pthread_key_t = 0;
    // SAFETY: `key` is a live out-parameter; the destructor (if any) is a
    // C-ABI function Linux provides for the key's lifetime.
    let rc = unsafe { libc::pthread_key_create(&mut key, destructor) };
    if rc != 0 {
        return core::ptr::null_mut();
    }
    (key as usize + 1) as *mut lkl_tls_key
}

/// # Safety
/// `k` came from `tls_alloc` and is not used afterwards.
pub unsafe extern "C" fn tls_free(k: *mut lkl_tls_key) {
    // SAFETY: a key we created.
    unsafe { libc::pthread_key_delete(key_of(k)) };
}

/// # Safety
/// `k` came from `tls_alloc` and is not freed.
pub unsafe extern "C" fn tls_set(k: *mut lkl_tls_key, data: *mut c_void) -> c_int {
    // SAFETY: a live key; the value is opaque to us.
    if unsafe { libc::pthread_setspecific(key_of(k), data) } == 0 {
        0
    } else {
        -1
    }
}

/// # Safety
/// `k` came from `tls_alloc` and is not freed.
pub unsafe extern "C" fn tls_get(k: *mut lkl_tls_key) -> *mut c_void {
    // SAFETY: a live key.
    unsafe { libc::pthread_getspecific(key_of(k)) }
}
