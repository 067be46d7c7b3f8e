//! A split virtqueue (virtio 1.x, 2.7): the descriptor table, the driver's
//! available ring and the device's used ring, all in Linux's memory.

use core::sync::atomic::{fence, Ordering};

/// Largest queue we offer (QueueNumMax).
pub const MAX_SIZE: u16 = 256;

const DESC_F_NEXT: u16 = 1;
const DESC_F_WRITE: u16 = 2;

/// One queue's configuration (as the driver wrote it) and the device's
/// progress through the available ring.
#[derive(Default, Debug, Clone)]
pub struct Queue {
    pub size: u16,
    pub ready: bool,
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
    last_avail: u16,
}

/// One buffer of a descriptor chain.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub addr: u64,
    pub len: u32,
    pub writable: bool,
}

/// A descriptor chain: its head (to return in the used ring) and buffers.
pub struct Chain {
    pub head: u16,
    pub segs: [Segment; 64],
    pub count: usize,
}

impl Queue {
    pub fn reset(&mut self) {
        *self = Queue::default();
    }

    /// The next available chain, or None when the driver has not made any
    /// more available (or the queue is not set up, or a chain is corrupt).
    pub fn pop(&mut self) -> Option<Chain> {
        if !self.ready || self.size == 0 {
            return None;
        }
        // SAFETY: the driver set `avail` to a ring of `size` entries in its
        // memory (pa == va) and keeps it there while the queue is ready;
        // the index is read volatile as the driver updates it concurrently.
        let avail_idx = unsafe { core::ptr::read_volatile((self.avail + 2) as *const u16) };
        if avail_idx == self.last_avail {
            return None;
        }
        fence(Ordering::Acquire);
        let slot = (self.last_avail % self.size) as u64;
        // SAFETY: `slot` < size, so the entry is inside the avail ring.
        let head = unsafe { core::ptr::read_volatile((self.avail + 4 + 2 * slot) as *const u16) };
        self.last_avail = self.last_avail.wrapping_add(1);
        let mut chain = Chain { head, segs: [Segment { addr: 0, len: 0, writable: false }; 64], count: 0 };
        let mut i = head;
        loop {
            if i >= self.size || chain.count == chain.segs.len() {
                return None;
            }
            let d = self.desc + 16 * i as u64;
            // SAFETY: i < size, so the descriptor is inside the table the
            // driver set up; its fields are read once each.
            let (addr, len, flags, next) = unsafe {
                (
                    core::ptr::read_volatile(d as *const u64),
                    core::ptr::read_volatile((d + 8) as *const u32),
                    core::ptr::read_volatile((d + 12) as *const u16),
                    core::ptr::read_volatile((d + 14) as *const u16),
                )
            };
            chain.segs[chain.count] = Segment { addr, len, writable: flags & DESC_F_WRITE != 0 };
            chain.count += 1;
            if flags & DESC_F_NEXT == 0 {
                return Some(chain);
            }
            i = next;
        }
    }

    /// Returns a chain to the driver with `written` bytes written into it.
    pub fn push_used(&mut self, head: u16, written: u32) {
        // SAFETY: the used ring has `size` entries after its 4-byte header;
        // only the device writes it, and the index is published after the
        // entry with a release fence, as the spec requires.
        unsafe {
            let idx_ptr = (self.used + 2) as *mut u16;
            let idx = core::ptr::read_volatile(idx_ptr);
            let e = self.used + 4 + 8 * (idx % self.size) as u64;
            core::ptr::write_volatile(e as *mut u32, head as u32);
            core::ptr::write_volatile((e + 4) as *mut u32, written);
            fence(Ordering::Release);
            core::ptr::write_volatile(idx_ptr, idx.wrapping_add(1));
        }
    }
}
