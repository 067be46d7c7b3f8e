//! Frames for processes: user frames for their memory, and the kernel
//! frames their objects live in (capability table, page-table root and
//! levels, component, thread). Frames a process gives back are returned
//! to untyped memory and kept on one free list; taking one retypes it to
//! user memory again (which makes the kernel zero it, so no process ever
//! sees another's data) or to kernel memory. Without the way back, every
//! process would cost its objects' frames for good.
//!
//! A handler with a page allocator of its own installs it as the [`Pool`]
//! of user frames (the LKL server: Linux's, so processes, the page cache
//! and Linux's allocations are one pool of memory). Kernel frames still
//! come from untyped memory: a pool frame is user memory for good. The
//! pool may block and may take locks of its own that the backings' are
//! taken under (Linux asks a backing for a process's size), so it is
//! never called with a backing locked: a stock of its frames is kept
//! ready for `alloc` ([`refill`], [`replenish`]), and frames given back
//! wait for [`release`], both called with no lock held.

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
    /// User frames let go of and not yet made untyped: that takes a
    /// kernel call, made for up to `BATCH` of them at once (`flush`).
    let_go: [u64; BATCH],
    n_let_go: usize,
    /// Free frames already made user frames (zeroed), up to `BATCH` at
    /// once in one kernel call, for `alloc` to hand out.
    ready: Vec<u64>,
    /// The pool's frames ready for `alloc` (zeroed), when there is a pool.
    stock: Vec<u64>,
    /// The pool's frames given back, for `release` to return.
    returning: Vec<u64>,
}

/// Where processes' user frames come from instead of untyped memory.
/// Frames are named by physical address; they must be user memory of our
/// untyped range (mappable by `kmem(UT, phys)`), for no process to ever
/// map a kernel object.
pub trait Pool: Sync {
    /// Fills `out` from the front with zeroed frames; how many (0: the
    /// pool has none for us). The first may take reclaiming or killing
    /// for; the others only if they come without.
    fn take(&self, out: &mut [u64]) -> usize;
    /// Gives back frames that no page table maps any more.
    fn give(&self, frames: &[u64]);
    /// The most frames one mapping may ask for (the pool's overcommit
    /// rule: Linux's lets a mapping ask for at most all of RAM and swap,
    /// and leaves running out to the OOM killer).
    fn limit(&self) -> u64;
}

static POOL: SpinLocked<Option<&'static dyn Pool>> = SpinLocked::new(None);

/// Installs the pool of user frames (once, at start, before any process).
pub fn install(pool: &'static dyn Pool) {
    POOL.with(|p| *p = Some(pool));
}

fn pool() -> Option<&'static dyn Pool> {
    POOL.with(|p| *p)
}

/// Below this many stocked frames, `refill` asks the pool for `BATCH`.
const LOW: usize = 16;

/// Tops up the pool's stock when it is low. No lock may be held.
pub fn refill() {
    release();
    let Some(pool) = pool() else { return };
    if LISTS.with(|l| l.stock.len()) >= LOW {
        return;
    }
    stock_from(pool);
}

/// After an `alloc` found the stock empty: asks the pool for frames,
/// waiting for reclaim or the OOM killer if need be. Whether it gave any
/// (false without a pool). No lock may be held.
pub fn replenish() -> bool {
    release();
    pool().is_some_and(stock_from)
}

/// Whether the pool gave at least `n` frames more for the stock. No lock
/// may be held.
pub fn reserve(n: u64) -> bool {
    let Some(pool) = pool() else { return true };
    while (LISTS.with(|l| l.stock.len()) as u64) < n {
        if !stock_from(pool) {
            return false;
        }
    }
    true
}

fn stock_from(pool: &dyn Pool) -> bool {
    let mut got = [0u64; BATCH];
    let n = pool.take(&mut got);
    LISTS.with(|l| l.stock.extend_from_slice(&got[..n]));
    n > 0
}

/// Returns the pool's frames given back to it. No lock may be held.
pub fn release() {
    let Some(pool) = pool() else { return };
    let back = LISTS.with(|l| core::mem::take(&mut l.returning));
    if !back.is_empty() {
        pool.give(&back);
    }
}

/// How many let-go frames one kernel call makes untyped.
const BATCH: usize = 64;

static LISTS: SpinLocked<Lists> =
    SpinLocked::new(Lists {
        free: Vec::new(),
        pending: Vec::new(),
        shared: BTreeMap::new(),
        let_go: [0; BATCH],
        n_let_go: 0,
        ready: Vec::new(),
        stock: Vec::new(),
        returning: Vec::new(),
    });

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

/// Makes the let-go user frames untyped, in one kernel call, and free.
/// A frame the kernel refuses (still mapped somewhere: a bug elsewhere)
/// stays out of the free list, as it always did.
pub fn flush() {
    let (batch, n) = LISTS.with(|l| (l.let_go, core::mem::take(&mut l.n_let_go)));
    if n == 0 {
        return;
    }
    let done = match Untyped(UT).retype_list(&batch[..n], RETYPE_UNTYPED) {
        Ok(()) => n,
        Err((_, done)) => done,
    };
    LISTS.with(|l| l.free.extend_from_slice(&batch[..done]));
    if done + 1 < n {
        // The ones after the refused frame: one at a time.
        for &p in &batch[done + 1..n] {
            if to_untyped(p).is_ok() {
                LISTS.with(|l| l.free.push(p));
            }
        }
    }
}

/// A user frame from the ready ones, made ready from the free list
/// `BATCH` at a time when there are none.
fn take_user() -> Option<u64> {
    if let Some(p) = LISTS.with(|l| l.ready.pop()) {
        return Some(ops::kmem(UT, p));
    }
    let (batch, n) = LISTS.with(|l| {
        let n = l.free.len().min(BATCH);
        let mut b = [0u64; BATCH];
        for (i, p) in l.free.drain(l.free.len() - n..).enumerate() {
            b[i] = p;
        }
        (b, n)
    });
    if n == 0 {
        return None;
    }
    let done = match Untyped(UT).retype_list(&batch[..n], RETYPE_USER) {
        Ok(()) => n,
        // The refused frame is dropped, as `take` drops one; those after
        // it are still free.
        Err((_, done)) => {
            LISTS.with(|l| l.free.extend_from_slice(&batch[(done + 1).min(n)..n]));
            done
        }
    };
    let (&last, rest) = batch[..done].split_last()?;
    LISTS.with(|l| l.ready.extend_from_slice(rest));
    Some(ops::kmem(UT, last))
}

/// A zeroed user frame, as a `kmem` argument for mapping. With a pool,
/// from its stock only (ENOMEM when empty: `replenish`, unlocked).
pub fn alloc() -> Result<u64, Errno> {
    if pool().is_some() {
        return LISTS.with(|l| l.stock.pop()).map(|p| ops::kmem(UT, p)).ok_or(Errno::ENOMEM);
    }
    if let Some(k) = take_user() {
        return Ok(k);
    }
    flush();
    settle();
    if let Some(k) = take_user() {
        return Ok(k);
    }
    if mem::frames_left() <= RESERVE {
        return Err(Errno::ENOMEM);
    }
    mem::user_frames(1).map_err(|_| Errno::ENOMEM)
}

/// The most frames a new mapping may ask for: the pool's limit, or
/// without one how many `alloc` can still give. With a pool this asks
/// it: no lock may be held.
pub fn mapping_limit() -> u64 {
    if let Some(pool) = pool() {
        return pool.limit();
    }
    LISTS.with(|l| (l.free.len() + l.n_let_go + l.ready.len()) as u64) + mem::frames_left().saturating_sub(RESERVE)
}

/// Gives back a user frame its user no longer maps; it goes back to
/// untyped memory with its last user (in a batch: `flush`).
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
    if !last {
        return;
    }
    if pool().is_some() {
        LISTS.with(|l| l.returning.push(p));
        return;
    }
    let full = LISTS.with(|l| {
        l.let_go[l.n_let_go] = p;
        l.n_let_go += 1;
        l.n_let_go == BATCH
    });
    if full {
        flush();
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

/// How many frames of our untyped range are free: those the kernel holds
/// as untyped now, whoever took and gave back the others (a scan, one
/// kernel call per frame: for accounting, not for a hot path), and those
/// made ready for `alloc`.
pub fn untyped_frames() -> u64 {
    flush();
    let Ok((first, n)) = Untyped(UT).info() else { return 0 };
    let untyped = (0..n).filter(|i| matches!(Untyped(UT).frame_info(first + i * 4096), Ok((RETYPE_UNTYPED, _)))).count();
    (untyped + LISTS.with(|l| l.ready.len())) as u64
}
