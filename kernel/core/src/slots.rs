//! The slot logic of a capability table, independent of where the table
//! lives and of object lifetimes (the kernel takes and drops object
//! references around these calls). Slot 0 is never a capability.

use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::CapKind;

/// One capability: 32 bytes, 128 to a page.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub kind: CapKind,
    _pad: [u8; 7],
    /// The object's frame (captbl, pgtbl, comp, thread; the server comp of
    /// a sinv; the receiving thread of an asnd; the first untyped frame).
    pub a: u64,
    /// Sinv: entry. Untyped: frame count.
    pub b: u64,
    /// Sinv: token.
    pub c: u64,
}

/// Capabilities per page of a table.
pub const SLOTS: usize = 128;
/// A table spans 1..=MAX_PAGES contiguous pages.
pub const MAX_PAGES: u64 = 64;
pub const FREE: Cap = Cap::new(CapKind::Free, 0, 0, 0);

/// Pages of a table, from its first page. Slot 0 is never a capability;
/// its `a` field holds the page count (0 in a fresh zeroed frame = 1).
pub fn pages(first_page: &[Cap; SLOTS]) -> u64 {
    first_page[0].a.clamp(1, MAX_PAGES)
}

/// Records the page count in a new table's slot 0.
pub fn set_pages(first_page: &mut [Cap; SLOTS], n: u64) {
    first_page[0] = Cap::new(CapKind::Free, n, 0, 0);
}

impl Cap {
    pub const fn new(kind: CapKind, a: u64, b: u64, c: u64) -> Cap {
        Cap { kind, _pad: [0; 7], a, b, c }
    }

    /// The kernel object this capability keeps alive, if any.
    pub fn object(&self) -> Option<u64> {
        match self.kind {
            CapKind::Captbl | CapKind::Pgtbl | CapKind::Comp | CapKind::Thd | CapKind::Sinv | CapKind::Asnd => Some(self.a),
            CapKind::Free | CapKind::Untyped | CapKind::Hw => None,
        }
    }
}

/// A whole table (all its pages), as one slice.
pub struct Slots<'a>(pub &'a mut [Cap]);

impl Slots<'_> {
    /// The capability at idx, which must be in range and not free.
    pub fn get(&self, idx: u64) -> KResult<Cap> {
        if idx == 0 || idx >= self.0.len() as u64 {
            return Err(Error::NoCap);
        }
        let c = self.0[idx as usize];
        if c.kind == CapKind::Free {
            return Err(Error::NoCap);
        }
        Ok(c)
    }

    pub fn get_kind(&self, idx: u64, kind: CapKind) -> KResult<Cap> {
        let c = self.get(idx)?;
        if c.kind != kind {
            return Err(Error::NoCap);
        }
        Ok(c)
    }

    /// Checks idx is a usable, free slot.
    pub fn check_free(&self, idx: u64) -> KResult<()> {
        if idx == 0 || idx >= self.0.len() as u64 {
            return Err(Error::Inval);
        }
        if self.0[idx as usize].kind != CapKind::Free {
            return Err(Error::Busy);
        }
        Ok(())
    }

    pub fn put(&mut self, idx: u64, cap: Cap) -> KResult<()> {
        self.check_free(idx)?;
        self.0[idx as usize] = cap;
        Ok(())
    }

    /// Empties a slot and returns what was in it.
    pub fn take(&mut self, idx: u64) -> KResult<Cap> {
        let c = self.get(idx)?;
        self.0[idx as usize] = FREE;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<Cap> {
        vec![FREE; SLOTS]
    }

    #[test]
    fn cap_is_32_bytes_and_zero_is_free() {
        assert_eq!(core::mem::size_of::<Cap>(), 32);
        assert_eq!(SLOTS * 32, 4096);
        // SAFETY: (test) all-zero bytes must be a free capability, since
        // new tables are zeroed frames.
        let z: Cap = unsafe { core::mem::zeroed() };
        assert_eq!(z, FREE);
    }

    #[test]
    fn put_get_take() {
        let mut t = table();
        let mut s = Slots(&mut t);
        let c = Cap::new(CapKind::Sinv, 0x5000, 0x400000, 7);
        s.put(9, c).unwrap();
        assert_eq!(s.get(9), Ok(c));
        assert_eq!(s.get_kind(9, CapKind::Sinv), Ok(c));
        assert_eq!(s.get_kind(9, CapKind::Thd), Err(Error::NoCap));
        assert_eq!(s.take(9), Ok(c));
        assert_eq!(s.get(9), Err(Error::NoCap));
        assert_eq!(s.take(9), Err(Error::NoCap));
    }

    #[test]
    fn refuses_slot_zero_out_of_range_and_occupied() {
        let mut t = table();
        let mut s = Slots(&mut t);
        let c = Cap::new(CapKind::Hw, 0, 0, 0);
        assert_eq!(s.put(0, c), Err(Error::Inval));
        assert_eq!(s.put(SLOTS as u64, c), Err(Error::Inval));
        assert_eq!(s.put(u64::MAX, c), Err(Error::Inval));
        assert_eq!(s.get(0), Err(Error::NoCap));
        assert_eq!(s.get(u64::MAX), Err(Error::NoCap));
        s.put(5, c).unwrap();
        assert_eq!(s.put(5, c), Err(Error::Busy));
    }

    #[test]
    fn multi_page_tables_reach_every_slot_and_keep_slot_zero() {
        let mut t = vec![FREE; SLOTS * 4];
        let first: &mut [Cap; SLOTS] = (&mut t[..SLOTS]).try_into().unwrap();
        assert_eq!(pages(first), 1);
        set_pages(first, 4);
        assert_eq!(pages(first), 4);
        let mut s = Slots(&mut t);
        let c = Cap::new(CapKind::Hw, 0, 0, 0);
        s.put(SLOTS as u64 * 4 - 1, c).unwrap();
        assert_eq!(s.put(SLOTS as u64 * 4, c), Err(Error::Inval));
        assert_eq!(s.get(0), Err(Error::NoCap));
        assert_eq!(s.take(0), Err(Error::NoCap));
        set_pages((&mut t[..SLOTS]).try_into().unwrap(), 1000);
        assert_eq!(pages((&t[..SLOTS]).try_into().unwrap()), MAX_PAGES);
    }

    #[test]
    fn only_object_kinds_hold_references() {
        assert_eq!(Cap::new(CapKind::Thd, 0x3000, 0, 0).object(), Some(0x3000));
        assert_eq!(Cap::new(CapKind::Asnd, 0x4000, 0, 0).object(), Some(0x4000));
        assert_eq!(Cap::new(CapKind::Untyped, 0x100000, 10, 0).object(), None);
        assert_eq!(Cap::new(CapKind::Hw, 0, 0, 0).object(), None);
    }
}
