//! Linux's user-memory access through the kernel-mediated copy on a page
//! table capability. Each thread names the page table of the process it
//! is serving (`Tcb::user_pt`, set by whoever binds the thread to a
//! process); a thread serving no process uses the server's own, so its
//! "user" pointers are server addresses, still checked by the kernel and
//! turned into -EFAULT when unmapped.

use crate::host::tcb;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::mem;
use core::sync::atomic::Ordering;

/// The kernel refuses single copies above 1 GiB.
const CHUNK: u64 = 1 << 30;

/// Copies between `remote` (in the thread's user page table) and `local`
/// (ours); returns the bytes NOT copied. A process page its map allows
/// but that has no frame yet (or shares one copy-on-write, for a write)
/// is backed and the copy goes on, as Linux's fault handling in
/// copy_*_user would.
pub fn copy(remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let pt = match tcb::me().user_pt.load(Ordering::Relaxed) {
        0 => boot_slot::SELF_PT,
        pt => pt,
    };
    copy_in(pt, remote, local, n, to_user)
}

/// As [`copy`], with the process whose page table is `pt` (another
/// process's memory for Linux's access_remote_vm, say).
pub fn copy_in(pt: u32, remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let mut done = 0;
    let mut backed = None;
    while done < n {
        let len = (n - done).min(CHUNK);
        let Ok((k, stop)) = mem::copy(pt, remote.wrapping_add(done), local.wrapping_add(done), len, to_user) else {
            return n - done;
        };
        done += k.min(len);
        if k >= len {
            continue;
        }
        // Stopped on the process's side (not ours), at a page not just
        // backed (a retry there would stop again).
        let at = remote.wrapping_add(done);
        if stop != Some(at) || backed == Some(at) || !cellux_process::pages::resolve(pt, at, remote.wrapping_add(n), to_user) {
            return n - done;
        }
        backed = Some(at);
    }
    0
}

/// The physical address of the shared-memory page under `addr` in the
/// process the thread serves, 0 for private memory (or none): how a
/// futex that processes share is named the same in each of them.
pub fn shared_page(addr: u64) -> u64 {
    match tcb::me().user_pt.load(Ordering::Relaxed) {
        0 => 0,
        pt => cellux_process::pages::shared_page(pt, addr).unwrap_or(0),
    }
}

/// Makes the calling thread's Linux calls reach process memory through
/// `pt` (0: back to the server's own).
pub fn bind(pt: u32) {
    tcb::me().user_pt.store(pt, Ordering::Relaxed);
}
