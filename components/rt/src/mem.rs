//! Memory from the component's untyped capability: frames retyped to user
//! or kernel memory on demand, and page mapping that builds missing
//! page-table levels itself.

use crate::cap::{Pgtbl, Untyped};
use cellux_abi::err::Error;
use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{self, RETYPE_KERNEL, RETYPE_USER};
use core::sync::atomic::{AtomicU64, Ordering};

/// Next frame to try (physical address); 0 until first use.
static CURSOR: AtomicU64 = AtomicU64::new(0);
static END: AtomicU64 = AtomicU64::new(0);
static LOCK: crate::sync::SpinLock = crate::sync::SpinLock::new();

pub const UT: u32 = boot_slot::UNTYPED;

fn range() -> Result<(), Error> {
    if END.load(Ordering::Relaxed) == 0 {
        let (first, frames) = Untyped(UT).info()?;
        CURSOR.store(first, Ordering::Relaxed);
        END.store(first + frames * 4096, Ordering::Relaxed);
    }
    Ok(())
}

/// Retypes the next untyped frame(s) of our range to `ty`; returns the first.
fn take(n: u64, ty: u64) -> Result<u64, Error> {
    let _g = LOCK.lock();
    range()?;
    loop {
        let p = CURSOR.load(Ordering::Relaxed);
        if p + n * 4096 > END.load(Ordering::Relaxed) {
            return Err(Error::Inval);
        }
        match Untyped(UT).retype(p, n, ty) {
            Ok(_) => {
                CURSOR.store(p + n * 4096, Ordering::Relaxed);
                return Ok(p);
            }
            // Not untyped (reserved or in use): skip one frame.
            Err(Error::BadType) => CURSOR.store(p + 4096, Ordering::Relaxed),
            Err(e) => return Err(e),
        }
    }
}

/// Frames of our untyped range not taken yet (an upper bound: frames that
/// turn out not to be untyped are skipped when met).
pub fn frames_left() -> u64 {
    let _g = LOCK.lock();
    if range().is_err() {
        return 0;
    }
    (END.load(Ordering::Relaxed) - CURSOR.load(Ordering::Relaxed)) / 4096
}

/// A kernel-memory frame, as the `kmem` argument of creating operations.
pub fn kernel_frame() -> Result<u64, Error> {
    take(1, RETYPE_KERNEL).map(|p| ops::kmem(UT, p))
}

/// `n` contiguous kernel-memory frames, as a `kmem` argument for the first.
pub fn kernel_frames(n: u64) -> Result<u64, Error> {
    take(n, RETYPE_KERNEL).map(|p| ops::kmem(UT, p))
}

/// `n` contiguous user frames (zeroed by the kernel), as a `kmem` argument.
pub fn user_frames(n: u64) -> Result<u64, Error> {
    take(n, RETYPE_USER).map(|p| ops::kmem(UT, p))
}

/// Maps `n` frames starting at `kmem` at `va` in page table `pt`,
/// constructing missing page-table levels from fresh kernel frames.
pub fn map(pt: u32, va: u64, kmem: u64, n: u64, perms: u64) -> Result<(), Error> {
    let mut done = 0;
    while done < n {
        match Pgtbl(pt).map(va + done * 4096, kmem + done * 4096, perms, n - done) {
            Ok(()) => return Ok(()),
            Err((Error::NoTable, mapped)) => {
                done += mapped;
                Pgtbl(pt).cons(va + done * 4096, kernel_frame()?)?;
            }
            Err((e, _)) => return Err(e),
        }
    }
    Ok(())
}

/// Fresh zeroed memory mapped at `va` in `pt`.
pub fn map_new(pt: u32, va: u64, n: u64, perms: u64) -> Result<(), Error> {
    for i in 0..n {
        let f = user_frames(1)?;
        map(pt, va + i * 4096, f, 1, perms)?;
    }
    Ok(())
}

/// Kernel-mediated copy into (`to_pt`) or out of another page table.
/// Returns (bytes copied, first failing address if it stopped early).
pub fn copy(pt: u32, remote: u64, local: u64, len: u64, to_pt: bool) -> Result<(u64, Option<u64>), Error> {
    Pgtbl(pt).copy(remote, local, len, if to_pt { ops::COPY_TO_PT } else { ops::COPY_FROM_PT })
}
