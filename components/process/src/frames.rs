//! User frames for process memory. Frames a process gives back are
//! returned to untyped memory and kept on a free list; taking one retypes
//! it to user memory again, which makes the kernel zero it, so no process
//! ever sees another's data.

use alloc::vec::Vec;
use cellux_abi::ops::{self, ut_op, RETYPE_UNTYPED, RETYPE_USER};
use cellux_rt::mem::{self, UT};
use cellux_rt::sync::SpinLock;
use cellux_rt::sys;
use cellux_personality::errno::Errno;
use core::cell::UnsafeCell;

struct FreeList(UnsafeCell<Vec<u64>>);
// SAFETY: the vector is only touched with LOCK held.
unsafe impl Sync for FreeList {}

static LOCK: SpinLock = SpinLock::new();
static FREE: FreeList = FreeList(UnsafeCell::new(Vec::new()));

fn with<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    let _g = LOCK.lock();
    // SAFETY: LOCK is held for the closure's whole run.
    f(unsafe { &mut *FREE.0.get() })
}

/// Frames processes never get: the untyped range is shared with the
/// component serving them (its heap, Linux's allocations, page-table
/// levels, threads), which must not run dry because a process asked for
/// all memory. 8 MiB.
const RESERVE: u64 = 2048;

/// A zeroed user frame, as a `kmem` argument for mapping.
pub fn alloc() -> Result<u64, Errno> {
    while let Some(p) = with(|f| f.pop()) {
        if sys::op(UT, ut_op::RETYPE, [p, 1, RETYPE_USER, 0, 0, 0]).is_ok() {
            return Ok(ops::kmem(UT, p));
        }
    }
    if mem::frames_left() <= RESERVE {
        return Err(Errno::ENOMEM);
    }
    mem::user_frames(1).map_err(|_| Errno::ENOMEM)
}

/// How many frames `alloc` can still give.
pub fn available() -> u64 {
    with(|f| f.len() as u64) + mem::frames_left().saturating_sub(RESERVE)
}

/// Gives back a frame that is no longer mapped anywhere.
pub fn free(kmem: u64) {
    let p = ops::kmem_split(kmem).1;
    if sys::op(UT, ut_op::RETYPE, [p, 1, RETYPE_UNTYPED, 0, 0, 0]).is_ok() {
        with(|f| f.push(p));
    }
}
