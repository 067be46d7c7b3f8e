//! Memory for Linux: `mem_alloc` from power-of-two size classes carved out
//! of a heap region that grows by fresh frames, and `page_alloc` (Linux's
//! RAM for page_alloc, and any other page-granular range) as physically
//! contiguous frames mapped in the physical window (`region`), so the
//! addresses Linux hands to DMA devices (`__pa`) are the right ones.

use cellux_rt::abi::layout::boot_slot;
use cellux_rt::abi::ops::{self, PERM_WRITE};
use cellux_rt::mem;
use cellux_rt::sync::SpinLocked;

use super::region::{self, phys_to_virt, virt_to_phys};

const HEAP_VA: u64 = region::HEAP;
/// The heap grows at least this much at a time.
const GROW: u64 = 256 * 1024;
const MIN_CLASS: usize = 4;
const MAX_CLASS: usize = 24;
/// Every block starts with its class, keeping the payload 16-aligned.
const HEADER: u64 = 16;
/// Page ranges handed back, reused first-fit (frames retyped to user
/// memory stay ours: the kernel has no way back to untyped).
const FREED: usize = 32;

struct Heap {
    free: [u64; MAX_CLASS + 1],
    top: u64,
    mapped: u64,
    ranges: [(u64, u64); FREED],
}


static HEAP: SpinLocked<Heap> =
    SpinLocked::new(Heap { free: [0; MAX_CLASS + 1], top: HEAP_VA, mapped: HEAP_VA, ranges: [(0, 0); FREED] });

fn class_of(size: u64) -> Option<usize> {
    let need = size.checked_add(HEADER)?;
    let c = (64 - (need - 1).leading_zeros() as usize).max(MIN_CLASS);
    (c <= MAX_CLASS).then_some(c)
}

pub fn alloc(size: u64) -> *mut u8 {
    let Some(c) = class_of(size) else { return core::ptr::null_mut() };
    HEAP.with(|h| {
        let block = if h.free[c] != 0 {
            let b = h.free[c];
            // SAFETY: a free block's first word links to the next one.
            h.free[c] = unsafe { *(b as *const u64) };
            b
        } else {
            let len = 1u64 << c;
            let b = (h.top + len.min(4096) - 1) & !(len.min(4096) - 1);
            while b + len > h.mapped {
                let grow = (b + len - h.mapped).max(GROW).next_multiple_of(4096);
                let pages = grow / 4096;
                let ok = mem::user_frames(pages).and_then(|f| mem::map(boot_slot::SELF_PT, h.mapped, f, pages, PERM_WRITE));
                if ok.is_err() {
                    return core::ptr::null_mut();
                }
                h.mapped += grow;
            }
            h.top = b + len;
            b
        };
        // SAFETY: the block is ours, mapped and at least HEADER long.
        unsafe { *(block as *mut u64) = c as u64 };
        (block + HEADER) as *mut u8
    })
}

/// # Safety
/// `p` came from `alloc` and is not used afterwards.
pub unsafe fn free(p: *mut u8) {
    if p.is_null() {
        return;
    }
    let block = p as u64 - HEADER;
    // SAFETY: alloc wrote the class in the header (caller's contract).
    let c = unsafe { *(block as *const u64) } as usize;
    if !(MIN_CLASS..=MAX_CLASS).contains(&c) {
        return;
    }
    HEAP.with(|h| {
        // SAFETY: the block is free now; its first word becomes the link.
        unsafe { *(block as *mut u64) = h.free[c] };
        h.free[c] = block;
    })
}

/// `size` bytes of contiguous, zeroed frames mapped in the physical window
/// (null if there are none that large).
pub fn pages(size: u64) -> *mut u8 {
    let n = size.div_ceil(4096);
    if n == 0 {
        return core::ptr::null_mut();
    }
    let reused = HEAP.with(|h| {
        let i = h.ranges.iter().position(|&(_, len)| len >= n)?;
        let (pa, len) = h.ranges[i];
        h.ranges[i] = if len > n { (pa + n * 4096, len - n) } else { (0, 0) };
        Some(pa)
    });
    if let Some(pa) = reused {
        let Some(va) = phys_to_virt(pa) else { return core::ptr::null_mut() };
        if mem::map(boot_slot::SELF_PT, va, ops::kmem(mem::UT, pa), n, PERM_WRITE).is_ok() {
            // SAFETY: just mapped writable, n pages long; handed out zeroed
            // as fresh frames are.
            unsafe { core::ptr::write_bytes(va as *mut u8, 0, (n * 4096) as usize) };
            return va as *mut u8;
        }
        return core::ptr::null_mut();
    }
    let Ok(kmem) = mem::user_frames(n) else { return core::ptr::null_mut() };
    let Some(va) = phys_to_virt(ops::kmem_split(kmem).1) else { return core::ptr::null_mut() };
    match mem::map(boot_slot::SELF_PT, va, kmem, n, PERM_WRITE) {
        Ok(()) => va as *mut u8,
        Err(_) => core::ptr::null_mut(),
    }
}

/// Unmaps a range from `pages` and keeps its frames for reuse.
pub fn free_pages(addr: u64, size: u64) {
    let n = size.div_ceil(4096);
    let Some(pa) = virt_to_phys(addr) else { return };
    if n == 0 || addr & 0xfff != 0 {
        return;
    }
    if cellux_rt::cap::Pgtbl(boot_slot::SELF_PT).unmap(addr, n).is_err() {
        return;
    }
    HEAP.with(|h| {
        if let Some(slot) = h.ranges.iter_mut().find(|r| r.1 == 0) {
            *slot = (pa, n);
        }
    })
}
