//! The ranges of a process's address space that may be backed, with the
//! access they allow, as the page-table layer keeps them: what a page
//! fault (or a copy the server makes on the process's behalf) is checked
//! against before a frame is put there. A map of non-overlapping
//! page-aligned ranges, changed a range at a time. (`addrspace` is
//! Linux's view, with its rules; this is only what backing needs, and is
//! reached by every thread of the process.)

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use linux_abi::PAGE_SIZE;

/// What a range allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Page-table permissions (`PERM_*`); None: PROT_NONE.
    pub perms: Option<u64>,
    /// MAP_SHARED: its frames stay shared across fork (never copied on
    /// write).
    pub shared: bool,
    /// A MAP_SHARED file mapping: its pages are the file's page-cache
    /// pages.
    pub file: Option<FileSpan>,
}

/// Which file pages a shared file mapping's range shows: page `va` is
/// file page `va / PAGE_SIZE + delta` (wrapping) of the file the mapping
/// holds as `id`. Neighbouring ranges of one contiguous mapping have the
/// same span, so they still join into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    pub id: u32,
    pub delta: u64,
}

impl FileSpan {
    /// The span of a mapping of `id` at `start` showing the file from
    /// byte `offset` (page aligned).
    pub fn new(id: u32, start: u64, offset: u64) -> Self {
        FileSpan { id, delta: (offset / PAGE_SIZE).wrapping_sub(start / PAGE_SIZE) }
    }

    /// The file page shown at `va`.
    pub fn index(&self, va: u64) -> u64 {
        (va / PAGE_SIZE).wrapping_add(self.delta)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Areas {
    /// start -> (end, access).
    map: BTreeMap<u64, (u64, Access)>,
}

impl Areas {
    /// The range containing `addr`.
    pub fn find(&self, addr: u64) -> Option<Access> {
        self.map.range(..=addr).next_back().filter(|(_, (end, _))| addr < *end).map(|(_, (_, a))| *a)
    }

    /// Every range overlapping [start, end), clipped to it.
    pub fn within(&self, start: u64, end: u64) -> Vec<(u64, u64, Access)> {
        let first = self.map.range(..=start).next_back().map_or(start, |(&s, _)| s);
        self.map
            .range(first..end)
            .filter(|(_, (e, _))| *e > start)
            .map(|(&s, &(e, a))| (s.max(start), e.min(end), a))
            .collect()
    }

    fn split_at(&mut self, at: u64) {
        let Some((&s, &(e, a))) = self.map.range(..at).next_back() else { return };
        if e > at {
            self.map.insert(s, (at, a));
            self.map.insert(at, (e, a));
        }
    }

    /// Sets the access of every part of [start, end), holes included, to
    /// `f` of its current one (None: a hole).
    pub fn update(&mut self, start: u64, end: u64, mut f: impl FnMut(Option<Access>) -> Option<Access>) {
        if start >= end {
            return;
        }
        self.split_at(start);
        self.split_at(end);
        let old: Vec<(u64, (u64, Access))> = self.map.range(start..end).map(|(&s, &v)| (s, v)).collect();
        let mut at = start;
        let mut pieces = Vec::new();
        for (s, (e, a)) in old {
            if s > at {
                pieces.push((at, s, None));
            }
            pieces.push((s, e, Some(a)));
            self.map.remove(&s);
            at = e;
        }
        if at < end {
            pieces.push((at, end, None));
        }
        for (s, e, a) in pieces {
            if let Some(new) = f(a) {
                self.map.insert(s, (e, new));
            }
        }
        self.merge_around(start, end);
    }

    /// Joins neighbours with the same access from the range before
    /// `start` to the one at `end`, so growing a heap page by page keeps
    /// one range.
    fn merge_around(&mut self, start: u64, end: u64) {
        let from = self.map.range(..start).next_back().map_or(start, |(&s, _)| s);
        let keys: Vec<u64> = self.map.range(from..=end).map(|(&s, _)| s).collect();
        let mut prev: Option<u64> = None;
        for s in keys {
            let (e, a) = self.map[&s];
            match prev {
                Some(p) if self.map[&p].0 == s && self.map[&p].1 == a => {
                    self.map.remove(&s);
                    self.map.insert(p, (e, a));
                }
                _ => prev = Some(s),
            }
        }
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: Access = Access { perms: Some(1), shared: false, file: None };
    const RO: Access = Access { perms: Some(0), shared: false, file: None };

    fn ranges(a: &Areas) -> Vec<(u64, u64, Access)> {
        a.within(0, u64::MAX)
    }

    #[test]
    fn map_protect_unmap_split_and_join_ranges() {
        let mut a = Areas::default();
        a.update(0x1000, 0x5000, |_| Some(RW));
        assert_eq!(a.find(0x4fff), Some(RW));
        assert_eq!(a.find(0x5000), None);
        a.update(0x2000, 0x3000, |x| x.map(|x| Access { perms: Some(0), ..x }));
        assert_eq!(ranges(&a), [(0x1000, 0x2000, RW), (0x2000, 0x3000, RO), (0x3000, 0x5000, RW)]);
        // Back to one range once the middle matches again.
        a.update(0x2000, 0x3000, |x| x.map(|x| Access { perms: Some(1), ..x }));
        assert_eq!(ranges(&a), [(0x1000, 0x5000, RW)]);
        a.update(0x3000, 0x4000, |_| None);
        assert_eq!(ranges(&a), [(0x1000, 0x3000, RW), (0x4000, 0x5000, RW)]);
        assert_eq!(a.find(0x3800), None);
    }

    #[test]
    fn updates_reach_holes_only_when_asked() {
        let mut a = Areas::default();
        a.update(0x1000, 0x2000, |_| Some(RO));
        a.update(0x3000, 0x4000, |_| Some(RO));
        // A protection change leaves holes alone.
        a.update(0, 0x5000, |x| x.map(|x| Access { perms: None, ..x }));
        assert_eq!(a.find(0x2800), None);
        assert_eq!(a.find(0x1800), Some(Access { perms: None, shared: false, file: None }));
        // The loader's union fills them.
        a.update(0x1000, 0x4000, |x| Some(Access { perms: Some(x.and_then(|x| x.perms).unwrap_or(0) | 2), shared: false, file: None }));
        assert_eq!(ranges(&a), [(0x1000, 0x4000, Access { perms: Some(2), shared: false, file: None })]);
    }

    #[test]
    fn a_file_mapping_joins_only_with_its_own_continuation() {
        let mut a = Areas::default();
        let at = |start: u64, offset: u64| Access { perms: Some(1), shared: true, file: Some(FileSpan::new(7, start, offset)) };
        a.update(0x10000, 0x12000, |_| Some(at(0x10000, 0x3000)));
        a.update(0x12000, 0x13000, |_| Some(at(0x12000, 0x5000)));
        assert_eq!(ranges(&a).len(), 1, "the same file page sequence is one range");
        let span = a.find(0x12000).unwrap().file.unwrap();
        assert_eq!((span.index(0x10000), span.index(0x12fff)), (3, 5));
        a.update(0x13000, 0x14000, |_| Some(at(0x13000, 0)));
        assert_eq!(ranges(&a).len(), 2, "another part of the file is another range");
        assert_eq!(a.find(0x13000).unwrap().file.unwrap().index(0x13000), 0);
    }

    #[test]
    fn growing_page_by_page_keeps_one_range() {
        let mut a = Areas::default();
        for p in 0..100u64 {
            a.update(0x10000 + p * 0x1000, 0x11000 + p * 0x1000, |_| Some(RW));
        }
        assert_eq!(ranges(&a), [(0x10000, 0x10000 + 100 * 0x1000, RW)]);
        assert_eq!(a.within(0x12800, 0x13800), [(0x12800, 0x13800, RW)]);
    }
}
