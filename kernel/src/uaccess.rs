//! Kernel access to user memory by walking page tables in software: the
//! kernel never faults on a user address, it finds the first bad one.

use crate::{comp, pgtbl, sched, thread};
use cellux_abi::err::{Error, KResult};
use cellux_kerncore::copy::{self, Copied};

fn caller_pt() -> u64 {
    let th = thread::get(sched::current());
    comp::get(thread::current_comp(th)).pgtbl
}

/// Copies `len` bytes between (pt_a, a) and the caller's memory at b: from
/// b into a, or from a into b when `from_a`; stops at the first address
/// that is unmapped or lacks the needed rights (`cellux_kerncore::copy`).
pub fn copy_between(pt_a: u64, a: u64, b: u64, len: u64, from_a: bool) -> KResult<Copied> {
    if len > 1 << 30 {
        return Err(Error::Inval);
    }
    let pt_b = caller_pt();
    Ok(copy::copy(
        a,
        b,
        len,
        from_a,
        |v, w| pgtbl::translate(pt_a, v, w),
        |v, w| pgtbl::translate(pt_b, v, w),
        // SAFETY: both are direct-map addresses of user frames (RAM,
        // checked present with the needed rights) and the chunk stays
        // inside one page on each side; copy tolerates aliasing.
        |src, dst, n| unsafe { core::ptr::copy(src as *const u8, dst as *mut u8, n) },
    ))
}

/// Copies a kernel buffer out to the caller's memory.
pub fn write_user(va: u64, src: &[u8]) -> KResult<()> {
    let pt = caller_pt();
    let mut done = 0;
    while done < src.len() {
        let v = va.wrapping_add(done as u64);
        let chunk = (src.len() - done).min(4096 - (v & 0xfff) as usize);
        let k = pgtbl::translate(pt, v, true).ok_or(Error::BadAddr)?;
        // SAFETY: k is the direct-map address of a writable user page with
        // at least `chunk` bytes left in it.
        unsafe { core::ptr::copy(src[done..].as_ptr(), k as *mut u8, chunk) };
        done += chunk;
    }
    Ok(())
}

/// Copies the caller's memory into a kernel buffer.
pub fn read_user(va: u64, dst: &mut [u8]) -> KResult<()> {
    let pt = caller_pt();
    let mut done = 0;
    while done < dst.len() {
        let v = va.wrapping_add(done as u64);
        let chunk = (dst.len() - done).min(4096 - (v & 0xfff) as usize);
        let k = pgtbl::translate(pt, v, false).ok_or(Error::BadAddr)?;
        // SAFETY: k is the direct-map address of a readable user page with
        // at least `chunk` bytes left in it.
        unsafe { core::ptr::copy(k as *const u8, dst[done..].as_mut_ptr(), chunk) };
        done += chunk;
    }
    Ok(())
}

/// Calls `each(i, word)` for the `n` u64s at `list` in the caller's memory,
/// in order, reading them a chunk at a time (the list ops: `MAP_LIST`,
/// `RETYPE_LIST`). Stops at the first error, returned with how many calls
/// succeeded before it.
pub fn for_each_word(list: u64, n: u64, mut each: impl FnMut(u64, u64) -> KResult<()>) -> Result<u64, (Error, u64)> {
    let mut done = 0;
    let mut chunk = [0u64; 32];
    while done < n {
        let k = (n - done).min(chunk.len() as u64) as usize;
        let at = list.checked_add(done * 8).ok_or((Error::Inval, done))?;
        read_user(at, &mut crate::exception::as_bytes_mut(&mut chunk)[..k * 8]).map_err(|e| (e, done))?;
        for &w in &chunk[..k] {
            each(done, w).map_err(|e| (e, done))?;
            done += 1;
        }
    }
    Ok(done)
}
