//! Copying one user frame into another without either being reachable by
//! a process in between: both are mapped in a page table of our own that
//! no component runs in, read into a buffer and written out. A frame
//! copied for a write fault (copy-on-write) must be complete before it
//! appears in the process's table, where a sibling thread could read it.

use alloc::vec;
use cellux_abi::layout::boot_slot;
use cellux_abi::ops::PERM_WRITE;
use cellux_rt::cap::{Captbl, Pgtbl};
use linux_abi::Errno;
use cellux_rt::sync::SpinLock;
use cellux_rt::{mem, slots};
use core::sync::atomic::{AtomicU32, Ordering};

use crate::frames;

/// Where the source and the destination sit in the scratch table.
const SRC: u64 = 0x1000_0000;
const DST: u64 = SRC + 4096;

/// The scratch table's slot (0: not made yet); its users take LOCK.
static PT: AtomicU32 = AtomicU32::new(0);
static LOCK: SpinLock = SpinLock::new();

/// The scratch table, made on first use (it lives as long as we do).
fn table() -> Result<u32, Errno> {
    let pt = PT.load(Ordering::Acquire);
    if pt != 0 {
        return Ok(pt);
    }
    let slot = slots::alloc();
    let kf = frames::kernel().map_err(|_| Errno::ENOMEM)?;
    if Captbl(boot_slot::SELF_CT).new_pgtbl(slot, kf).is_err() {
        frames::free_kernel(kf);
        slots::free(slot);
        return Err(Errno::ENOMEM);
    }
    PT.store(slot, Ordering::Release);
    Ok(slot)
}

/// Copies user frame `from` into user frame `to` (both `kmem` arguments).
pub fn copy_frame(from: u64, to: u64) -> Result<(), Errno> {
    let mut buf = vec![0u8; 4096];
    let _g = LOCK.lock();
    let pt = table()?;
    // The levels above SRC and DST are built once and kept.
    mem::map(pt, SRC, from, 1, 0).map_err(|_| Errno::ENOMEM)?;
    let r = mem::map(pt, DST, to, 1, PERM_WRITE).map_err(|_| Errno::ENOMEM).and_then(|()| {
        let read = mem::copy(pt, SRC, buf.as_mut_ptr() as u64, 4096, false);
        let wrote = mem::copy(pt, DST, buf.as_ptr() as u64, 4096, true);
        let _ = Pgtbl(pt).unmap(DST, 1);
        match (read, wrote) {
            (Ok((4096, None)), Ok((4096, None))) => Ok(()),
            _ => Err(Errno::EFAULT),
        }
    });
    let _ = Pgtbl(pt).unmap(SRC, 1);
    r
}
