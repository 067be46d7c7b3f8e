//! A process's virtual memory map: which ranges are mapped with which
//! protection, and Linux's rules for changing it (mmap, munmap, mprotect,
//! brk). Each change returns the [`Effect`]s the page-table layer must apply,
//! so the rules can be tested without a page table.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use linux_abi::{Errno, TASK_SIZE_MAX};

pub use linux_abi::PAGE_SIZE;
/// Nothing is ever mapped below this (Linux's default vm.mmap_min_addr).
pub const MIN_ADDR: u64 = 0x10000;

/// PROT_* bits as mmap(2) takes them.
pub mod prot {
    pub const READ: u32 = 1;
    pub const WRITE: u32 = 2;
    pub const EXEC: u32 = 4;
}

/// MAP_* bits as mmap(2) takes them (x86_64 values).
pub mod map {
    pub const SHARED: u32 = 0x01;
    pub const PRIVATE: u32 = 0x02;
    pub const SHARED_VALIDATE: u32 = 0x03;
    pub const TYPE: u32 = 0x0f;
    pub const FIXED: u32 = 0x10;
    pub const ANONYMOUS: u32 = 0x20;
    pub const GROWSDOWN: u32 = 0x0100;
    pub const DENYWRITE: u32 = 0x0800;
    pub const EXECUTABLE: u32 = 0x1000;
    pub const LOCKED: u32 = 0x2000;
    pub const NORESERVE: u32 = 0x4000;
    pub const POPULATE: u32 = 0x8000;
    pub const NONBLOCK: u32 = 0x10000;
    pub const STACK: u32 = 0x20000;
    pub const HUGETLB: u32 = 0x40000;
    pub const FIXED_NOREPLACE: u32 = 0x100000;
}

/// What backs a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Zero-filled private memory.
    Anonymous,
    /// Shared anonymous memory (survives fork shared).
    SharedAnonymous,
    /// Private copy of a file's bytes, read at `offset` for the start of
    /// the mapping; `file` is the caller's handle for the open file.
    File { file: u64, offset: u64 },
    /// MAP_SHARED of a file: its page-cache pages themselves, from
    /// `offset` for the start of the mapping; `file` as for `File`.
    SharedFile { file: u64, offset: u64 },
    /// The heap between brk's start and its current end.
    Heap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub end: u64,
    pub prot: u32,
    pub backing: Backing,
}

/// A change the page-table layer must make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Map fresh pages for [start, end) with `prot`, filled per `backing`
    /// (a file's bytes start at the backing's offset for `start`).
    Map { start: u64, end: u64, prot: u32, backing: Backing },
    /// Drop every page of [start, end).
    Unmap { start: u64, end: u64 },
    /// Change the protection of the mapped pages of [start, end).
    Protect { start: u64, end: u64, prot: u32 },
}

/// The map of one address space.
#[derive(Debug, Clone)]
pub struct AddressSpace {
    /// Keyed by start address; regions never overlap.
    regions: BTreeMap<u64, Region>,
    brk_start: u64,
    brk: u64,
    /// Top-down searches for free space start below this.
    mmap_base: u64,
}

fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

fn aligned(x: u64) -> bool {
    x % PAGE_SIZE == 0
}

impl AddressSpace {
    /// An empty space whose heap starts at `brk_start` (page aligned, just
    /// above the executable) and whose mmap area grows down from `mmap_base`
    /// (below the stack).
    pub fn new(brk_start: u64, mmap_base: u64) -> Self {
        let brk_start = page_up(brk_start).unwrap_or(TASK_SIZE_MAX);
        AddressSpace { regions: BTreeMap::new(), brk_start, brk: brk_start, mmap_base }
    }

    /// Records a mapping the loader made (segments, stack) without policy checks.
    pub fn insert(&mut self, start: u64, end: u64, prot: u32, backing: Backing) {
        self.carve(start, end);
        self.regions.insert(start, Region { end, prot, backing });
    }

    /// The region containing `addr`, as (start, region).
    pub fn find(&self, addr: u64) -> Option<(u64, Region)> {
        self.regions
            .range(..=addr)
            .next_back()
            .filter(|(_, r)| addr < r.end)
            .map(|(&s, r)| (s, *r))
    }

    pub fn regions(&self) -> impl Iterator<Item = (u64, Region)> + '_ {
        self.regions.iter().map(|(&s, r)| (s, *r))
    }

    /// mmap(2). `file` is the caller's handle when not MAP_ANONYMOUS.
    pub fn mmap(
        &mut self,
        addr: u64,
        len: u64,
        prot: u32,
        flags: u32,
        file: Option<u64>,
        offset: u64,
    ) -> Result<(u64, Vec<Effect>), Errno> {
        if len == 0 || prot & !(prot::READ | prot::WRITE | prot::EXEC) != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len > TASK_SIZE_MAX {
            return Err(Errno::ENOMEM);
        }
        let shared = match flags & map::TYPE {
            map::PRIVATE => false,
            map::SHARED | map::SHARED_VALIDATE => true,
            _ => return Err(Errno::EINVAL),
        };
        let anonymous = flags & map::ANONYMOUS != 0;
        let backing = match (anonymous, shared, file) {
            (true, false, _) => Backing::Anonymous,
            (true, true, _) => Backing::SharedAnonymous,
            (false, _, Some(file)) => {
                if !aligned(offset) {
                    return Err(Errno::EINVAL);
                }
                if shared { Backing::SharedFile { file, offset } } else { Backing::File { file, offset } }
            }
            (false, _, None) => return Err(Errno::EBADF),
        };
        let fixed = flags & (map::FIXED | map::FIXED_NOREPLACE) != 0;
        let start = if fixed {
            if !aligned(addr) {
                return Err(Errno::EINVAL);
            }
            let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if addr < MIN_ADDR || end > TASK_SIZE_MAX {
                return Err(Errno::ENOMEM);
            }
            if flags & map::FIXED_NOREPLACE != 0 && self.overlaps(addr, end) {
                return Err(Errno::EEXIST);
            }
            addr
        } else {
            let hint = addr & !(PAGE_SIZE - 1);
            match hint.checked_add(len) {
                Some(end) if hint >= MIN_ADDR && end <= TASK_SIZE_MAX && !self.overlaps(hint, end) => hint,
                _ => self.find_free(len).ok_or(Errno::ENOMEM)?,
            }
        };
        let end = start + len;
        let mut effects = Vec::new();
        if self.overlaps(start, end) {
            effects.push(Effect::Unmap { start, end });
        }
        self.carve(start, end);
        self.regions.insert(start, Region { end, prot, backing });
        effects.push(Effect::Map { start, end, prot, backing });
        Ok((start, effects))
    }

    /// munmap(2): unmapping what is not mapped is not an error.
    pub fn munmap(&mut self, addr: u64, len: u64) -> Result<Vec<Effect>, Errno> {
        if !aligned(addr) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::EINVAL)?;
        if end > TASK_SIZE_MAX {
            return Err(Errno::EINVAL);
        }
        if !self.overlaps(addr, end) {
            return Ok(Vec::new());
        }
        self.carve(addr, end);
        Ok(alloc::vec![Effect::Unmap { start: addr, end }])
    }

    /// mprotect(2): the whole range must be mapped, else ENOMEM.
    pub fn mprotect(&mut self, addr: u64, len: u64, prot: u32) -> Result<Vec<Effect>, Errno> {
        if !aligned(addr) || prot & !(prot::READ | prot::WRITE | prot::EXEC) != 0 {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
        if end == addr {
            return Ok(Vec::new());
        }
        if !self.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        self.split_at(addr);
        self.split_at(end);
        for (_, r) in self.regions.range_mut(addr..end) {
            r.prot = prot;
        }
        Ok(alloc::vec![Effect::Protect { start: addr, end, prot }])
    }

    /// brk(2): returns the new break, or the old one when the request is
    /// refused (Linux reports failure that way, not with an errno).
    pub fn brk(&mut self, requested: u64) -> (u64, Vec<Effect>) {
        let old_top = page_up(self.brk).unwrap_or(TASK_SIZE_MAX);
        if requested < self.brk_start || requested > TASK_SIZE_MAX {
            return (self.brk, Vec::new());
        }
        let Some(new_top) = page_up(requested) else {
            return (self.brk, Vec::new());
        };
        let mut effects = Vec::new();
        if new_top > old_top {
            if self.overlaps(old_top, new_top) {
                return (self.brk, Vec::new());
            }
            self.extend_heap(old_top, new_top);
            effects.push(Effect::Map {
                start: old_top,
                end: new_top,
                prot: prot::READ | prot::WRITE,
                backing: Backing::Heap,
            });
        } else if new_top < old_top {
            self.carve(new_top, old_top);
            effects.push(Effect::Unmap { start: new_top, end: old_top });
        }
        self.brk = requested;
        (self.brk, effects)
    }

    /// Whether no region touches [start, end).
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        !self.overlaps(start, end)
    }

    pub fn brk_current(&self) -> u64 {
        self.brk
    }

    fn extend_heap(&mut self, from: u64, to: u64) {
        // Grow the heap region in place when it ends at `from`.
        if let Some((s, r)) = self.find(from - 1) {
            if r.backing == Backing::Heap && r.end == from {
                self.regions.insert(s, Region { end: to, ..r });
                return;
            }
        }
        self.regions.insert(from, Region { end: to, prot: prot::READ | prot::WRITE, backing: Backing::Heap });
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.regions.range(..end).next_back().is_some_and(|(_, r)| r.end > start)
    }

    fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some((_, r)) => at = r.end,
                None => return false,
            }
        }
        true
    }

    /// Highest free gap of `len` bytes below mmap_base, as Linux's top-down
    /// allocator picks.
    fn find_free(&self, len: u64) -> Option<u64> {
        let mut top = self.mmap_base & !(PAGE_SIZE - 1);
        for (&s, r) in self.regions.range(..top).rev() {
            if r.end <= top && top - r.end >= len {
                break;
            }
            top = top.min(s);
        }
        let start = top.checked_sub(len)?;
        (start >= MIN_ADDR.max(page_up(self.brk).unwrap_or(0))).then_some(start)
    }

    /// Splits the region that straddles `at` into two at `at`.
    fn split_at(&mut self, at: u64) {
        if let Some((s, r)) = self.find(at) {
            if s < at {
                self.regions.insert(s, Region { end: at, ..r });
                let backing = match r.backing {
                    Backing::File { file, offset } => Backing::File { file, offset: offset + (at - s) },
                    Backing::SharedFile { file, offset } => Backing::SharedFile { file, offset: offset + (at - s) },
                    b => b,
                };
                self.regions.insert(at, Region { end: r.end, prot: r.prot, backing });
            }
        }
    }

    /// Removes [start, end) from the map, trimming regions at the edges.
    fn carve(&mut self, start: u64, end: u64) {
        self.split_at(start);
        self.split_at(end);
        let inside: Vec<u64> = self.regions.range(start..end).map(|(&s, _)| s).collect();
        for s in inside {
            self.regions.remove(&s);
        }
    }
}

#[cfg(test)]
mod tests;
