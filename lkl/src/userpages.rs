//! Process memory from Linux's page allocator: the host backs its
//! processes' private and anonymous pages with pages of Linux's RAM, so
//! processes, the page cache and Linux's own allocations are one pool.
//! `lkl_host.h` ("Process memory from Linux's page allocator") is the
//! contract; every call runs in the calling thread's task and may enter
//! Linux, so none may be made holding a lock Linux's own host ops take.

use crate::ffi;
use crate::Errno;
use core::ffi::c_ulong;

/// Fills `phys` from the front with the physical addresses of zeroed
/// pages; how many. The first page is asked for as a page fault would
/// (reclaim, then Linux's OOM killer, which may choose the caller's
/// process); the others only if they come without. ENOMEM for none.
pub fn alloc(phys: &mut [u64]) -> Result<usize, Errno> {
    // SAFETY: Linux writes at most `len` words of `phys`.
    let r = unsafe { ffi::lkl_user_pages_alloc(phys.as_mut_ptr() as *mut c_ulong, phys.len() as c_ulong) };
    Errno::result(r as i64).map(|n| n as usize)
}

/// Gives back pages [`alloc`] gave that no process maps any more. EINVAL
/// if one of them is not such a page (Linux leaves it alone).
pub fn free(phys: &[u64]) -> Result<(), Errno> {
    // SAFETY: Linux reads `len` words of `phys` and checks each.
    let r = unsafe { ffi::lkl_user_pages_free(phys.as_ptr() as *const c_ulong, phys.len() as c_ulong) };
    Errno::result(r as i64).map(|_| ())
}

/// Pages of RAM and swap: the most one mapping may ask for under Linux's
/// default overcommit heuristic (OVERCOMMIT_GUESS).
pub fn total() -> u64 {
    // SAFETY: no arguments; Linux only reads its counters.
    unsafe { ffi::lkl_user_pages_total() as u64 }
}
