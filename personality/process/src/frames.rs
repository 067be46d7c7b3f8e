//! Frames for processes: user frames for their memory, and the kernel
//! frames their objects live in (capability table, page-table root and
//! levels, component, thread). Frames a process gives back are returned
//! to untyped memory and kept on one free list; taking one retypes it to
//! user memory again (which makes the kernel zero it, so no process ever
//! sees another's data) or to kernel memory. Without the way back, every
//! process would cost its objects' frames for good.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use cellux_abi::err::Error;
use cellux_abi::ops::{self, RETYPE_KERNEL, RETYPE_UNTYPED, RETYPE_USER};
use cellux_rt::cap::Untyped;
use cellux_rt::mem::{self, UT};
use cellux_rt::sync::SpinLocked;
use linux_abi::Errno;

struct Lists {
    /// Untyped frames of ours, ready for either use.
    free: Vec<u64>,
    /// Kernel frames given back while their object still had references
    /// elsewhere (a dead thread its scheduler has not heard of yet):
    /// retried until the kernel has let go of them.
    pending: Vec<u64>,
    /// User frames mapped by more than one page table (read-only pages a
    /// fork shares): how many more users than one each has.
    shared: BTreeMap<u64, u32>,
}

static LISTS: SpinLocked<Lists> = SpinLocked::new(Lists { free: Vec::new(), pending: Vec::new(), shared: BTreeMap::new() });

fn to_untyped(p: u64) -> Result<(), Error> {
    Untyped(UT).retype(p, 1, RETYPE_UNTYPED)
}

/// A free frame retyped to `ty`, from the free list first.
fn take(ty: u64) -> Option<u64> {
    while let Some(p) = LISTS.with(|l| l.free.pop()) {
        if Untyped(UT).retype(p, 1, ty).is_ok() {
            return Some(ops::kmem(UT, p));
        }
    }
    None
}

/// Moves the pending kernel frames the kernel no longer uses to the free
/// list.
fn settle() {
    let pending = LISTS.with(|l| core::mem::take(&mut l.pending));
    for p in pending {
        let ok = to_untyped(p).is_ok();
        LISTS.with(|l| if ok { l.free.push(p) } else { l.pending.push(p) });
    }
}

/// Frames processes never get: the untyped range is shared with the
/// component serving them (its heap, Linux's allocations, page-table
/// levels, threads), which must not run dry because a process asked for
/// all memory. 8 MiB.
const RESERVE: u64 = 2048;

/// A zeroed user frame, as a `kmem` argument for mapping.
pub fn alloc() -> Result<u64, Errno> {
    if let Some(k) = take(RETYPE_USER) {
        return Ok(k);
    }
    settle();
    if let Some(k) = take(RETYPE_USER) {
        return Ok(k);
    }
    if mem::frames_left() <= RESERVE {
        return Err(Errno::ENOMEM);
    }
    mem::user_frames(1).map_err(|_| Errno::ENOMEM)
}

/// How many frames `alloc` can still give.
pub fn available() -> u64 {
    LISTS.with(|l| l.free.len() as u64) + mem::frames_left().saturating_sub(RESERVE)
}

/// Gives back a user frame its user no longer maps; it goes back to
/// untyped memory with its last user.
pub fn free(kmem: u64) {
    let p = ops::kmem_split(kmem).1;
    let last = LISTS.with(|l| match l.shared.get_mut(&p) {
        Some(n) if *n > 1 => {
            *n -= 1;
            false
        }
        Some(_) => {
            l.shared.remove(&p);
            false
        }
        None => true,
    });
    if last && to_untyped(p).is_ok() {
        LISTS.with(|l| l.free.push(p));
    }
}

/// One more user of a user frame (it maps it too, read-only).
pub fn share(kmem: u64) {
    let p = ops::kmem_split(kmem).1;
    LISTS.with(|l| *l.shared.entry(p).or_insert(0) += 1);
}

/// Whether a user frame has other users than the caller.
pub fn is_shared(kmem: u64) -> bool {
    let p = ops::kmem_split(kmem).1;
    LISTS.with(|l| l.shared.contains_key(&p))
}

/// A kernel frame for a process's object, as a `kmem` argument.
pub fn kernel() -> Result<u64, Error> {
    if let Some(k) = take(RETYPE_KERNEL) {
        return Ok(k);
    }
    settle();
    take(RETYPE_KERNEL).map_or_else(mem::kernel_frame, Ok)
}

/// Gives back the frame of a process's object whose capabilities are all
/// removed; it becomes free once the kernel has destroyed the object.
pub fn free_kernel(kmem: u64) {
    let p = ops::kmem_split(kmem).1;
    if to_untyped(p).is_ok() {
        LISTS.with(|l| l.free.push(p));
    } else {
        LISTS.with(|l| l.pending.push(p));
    }
}

/// How many frames of our untyped range the kernel holds as untyped now:
/// what is really free, whoever took and gave back the others (a scan,
/// one kernel call per frame: for accounting, not for a hot path).
pub fn untyped_frames() -> u64 {
    let Ok((first, n)) = Untyped(UT).info() else { return 0 };
    (0..n).filter(|i| matches!(Untyped(UT).frame_info(first + i * 4096), Ok((RETYPE_UNTYPED, _)))).count() as u64
}
