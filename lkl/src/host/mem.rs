//! Memory for Linux: small allocations from malloc, its RAM from mmap.

use core::ffi::{c_ulong, c_void};

pub unsafe extern "C" fn mem_alloc(size: c_ulong) -> *mut c_void {
    // SAFETY: malloc has no preconditions.
    unsafe { libc::malloc(size as usize) }
}

/// # Safety
/// `p` came from `mem_alloc` (or is NULL) and is not used afterwards.
pub unsafe extern "C" fn mem_free(p: *mut c_void) {
    // SAFETY: per the contract.
    unsafe { libc::free(p) }
}

pub unsafe extern "C" fn page_alloc(size: c_ulong) -> *mut c_void {
    // SAFETY: a fresh anonymous mapping touches no existing memory.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            size as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        core::ptr::null_mut()
    } else {
        p
    }
}

/// # Safety
/// `addr`/`size` are exactly a range `page_alloc` returned, no longer used.
pub unsafe extern "C" fn page_free(addr: *mut c_void, size: c_ulong) {
    // SAFETY: per the contract.
    unsafe { libc::munmap(addr, size as usize) };
}
