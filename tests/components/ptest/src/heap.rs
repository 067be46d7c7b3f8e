//! The component's global allocator: power-of-two size classes with free
//! lists, carved from a heap area mapped on demand. Blocks above the
//! largest class are never reused (the harness makes few).

use cellux_abi::layout::boot_slot::SELF_PT;
use cellux_abi::ops::PERM_WRITE;
use cellux_rt::sync::SpinLocked;
use core::alloc::{GlobalAlloc, Layout};

const BASE: u64 = 0x0000_0020_0000_0000;
const LIMIT: u64 = 64 << 20;
const GROW: u64 = 64 * 4096;
const CLASSES: usize = 17; // 16 B .. 1 MiB

struct State {
    free: [u64; CLASSES],
    next: u64,
    mapped: u64,
}

pub struct Heap {
    st: SpinLocked<State>,
}

fn class(l: &Layout) -> Option<usize> {
    let size = l.size().max(l.align()).max(16).next_power_of_two();
    let c = size.trailing_zeros() as usize - 4;
    (c < CLASSES).then_some(c)
}

impl State {
    fn bump(&mut self, size: u64, align: u64) -> *mut u8 {
        let at = (self.next + align - 1) & !(align - 1);
        let end = at + size;
        if end > BASE + LIMIT {
            return core::ptr::null_mut();
        }
        while self.mapped < end {
            if cellux_rt::mem::map_new(SELF_PT, self.mapped, GROW / 4096, PERM_WRITE).is_err() {
                return core::ptr::null_mut();
            }
            self.mapped += GROW;
        }
        self.next = end;
        at as *mut u8
    }
}

// SAFETY: blocks are handed out once (bump) or from a free list they were
// put on by dealloc with the same class; class sizes satisfy size and
// alignment because they are powers of two at least as large as both and
// each block is aligned to min(size, 4096) or more.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        self.st.with(|st| match class(&l) {
            Some(c) if st.free[c] != 0 => {
                let b = st.free[c];
                // SAFETY: a free block's first word is the next free block.
                st.free[c] = unsafe { *(b as *const u64) };
                b as *mut u8
            }
            Some(c) => {
                let size = 16u64 << c;
                st.bump(size, size.min(4096))
            }
            None => st.bump(l.size() as u64, (l.align() as u64).max(4096)),
        })
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let Some(c) = class(&l) else { return };
        self.st.with(|st| {
            // SAFETY: p is a block of class c we handed out, at least 16 bytes.
            unsafe { *(p as *mut u64) = st.free[c] };
            st.free[c] = p as u64;
        })
    }
}

#[global_allocator]
static HEAP: Heap = Heap { st: SpinLocked::new(State { free: [0; CLASSES], next: BASE, mapped: BASE }) };
