//! Linux's user-memory access through the kernel-mediated copy on a page
//! table capability. Each thread names the page table of the process it
//! is serving (`Tcb::user_pt`, set by whoever binds the thread to a
//! process); a thread serving no process uses the server's own, so its
//! "user" pointers are server addresses, still checked by the kernel and
//! turned into -EFAULT when unmapped.

use crate::tcb;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::mem;
use core::sync::atomic::Ordering;

/// The kernel refuses single copies above 1 GiB.
const CHUNK: u64 = 1 << 30;

/// Copies between `remote` (in the thread's user page table) and `local`
/// (ours); returns the bytes NOT copied.
pub fn copy(remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let pt = match tcb::me().user_pt.load(Ordering::Relaxed) {
        0 => boot_slot::SELF_PT,
        pt => pt,
    };
    let mut done = 0;
    while done < n {
        let len = (n - done).min(CHUNK);
        match mem::copy(pt, remote.wrapping_add(done), local.wrapping_add(done), len, to_user) {
            Ok((k, None)) if k == len => done += k,
            Ok((k, _)) => return n - done - k.min(len),
            Err(_) => return n - done,
        }
    }
    0
}

/// Makes the calling thread's Linux calls reach process memory through
/// `pt` (0: back to the server's own).
pub fn bind(pt: u32) {
    tcb::me().user_pt.store(pt, Ordering::Relaxed);
}
