//! Rust's global allocator for the server's own collections (the process
//! table and the personality's state, an executable read from disk), on the
//! same size-class heap that serves Linux's `mem_alloc`. Blocks are 16-byte
//! aligned; a stricter alignment is over-allocated and the block's start
//! kept in the word before the payload.

use crate::host::mem;
use core::alloc::{GlobalAlloc, Layout};

const NATURAL: usize = 16;

struct ServerHeap;

// SAFETY: `mem::alloc` hands out distinct live blocks of at least the asked
// size, 16-aligned; stricter alignments are carved inside a larger block.
unsafe impl GlobalAlloc for ServerHeap {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if l.align() <= NATURAL {
            return mem::alloc(l.size() as u64);
        }
        let raw = mem::alloc((l.size() + l.align()) as u64);
        if raw.is_null() {
            return raw;
        }
        let at = (raw as usize + l.align()) & !(l.align() - 1);
        // SAFETY: `at` is at least 16 bytes past `raw` (align > 16), inside
        // the block, so the word before it is ours to record `raw` in.
        unsafe { *((at - 8) as *mut usize) = raw as usize };
        at as *mut u8
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let raw = if l.align() <= NATURAL {
            p
        } else {
            // SAFETY: `alloc` recorded the block's start just before `p`.
            unsafe { *((p as usize - 8) as *const usize) as *mut u8 }
        };
        // SAFETY: `raw` came from mem::alloc and is dropped here for good.
        unsafe { mem::free(raw) }
    }
}

#[global_allocator]
static GLOBAL: ServerHeap = ServerHeap;
