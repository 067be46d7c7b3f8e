//! The ranges of a process's address space that may be backed, with the
//! access they allow, as the page-table layer keeps them: what a page
//! fault (or a copy the server makes on the process's behalf) is checked
//! against before a frame is put there. A map of non-overlapping
//! page-aligned ranges, changed a range at a time. (`addrspace` is
//! Linux's view, with its rules; this is only what backing needs, and is
//! reached by every thread of the process.)

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// What a range allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Page-table permissions (`PERM_*`); None: PROT_NONE.
    pub perms: Option<u64>,
    /// MAP_SHARED: its frames stay shared across fork (never copied on
    /// write).
    pub shared: bool,
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

    const RW: Access = Access { perms: Some(1), shared: false };
    const RO: Access = Access { perms: Some(0), shared: false };

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
        assert_eq!(a.find(0x1800), Some(Access { perms: None, shared: false }));
        // The loader's union fills them.
        a.update(0x1000, 0x4000, |x| Some(Access { perms: Some(x.and_then(|x| x.perms).unwrap_or(0) | 2), shared: false }));
        assert_eq!(ranges(&a), [(0x1000, 0x4000, Access { perms: Some(2), shared: false })]);
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
