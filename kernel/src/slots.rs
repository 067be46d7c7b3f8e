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

pub const SLOTS: usize = 128;
pub const FREE: Cap = Cap::new(CapKind::Free, 0, 0, 0);

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

pub struct Slots<'a>(pub &'a mut [Cap; SLOTS]);

impl Slots<'_> {
    /// The capability at idx, which must be in range and not free.
    pub fn get(&self, idx: u64) -> KResult<Cap> {
        if idx == 0 || idx >= SLOTS as u64 {
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
        if idx == 0 || idx >= SLOTS as u64 {
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

    fn table() -> Box<[Cap; SLOTS]> {
        Box::new([FREE; SLOTS])
    }

    #[test]
    fn cap_is_32_bytes_and_zero_is_free() {
        assert_eq!(core::mem::size_of::<Cap>(), 32);
        assert_eq!(SLOTS * 32, 4096);
        // SAFETY (test): all-zero bytes must be a free capability, since
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
    fn only_object_kinds_hold_references() {
        assert_eq!(Cap::new(CapKind::Thd, 0x3000, 0, 0).object(), Some(0x3000));
        assert_eq!(Cap::new(CapKind::Asnd, 0x4000, 0, 0).object(), Some(0x4000));
        assert_eq!(Cap::new(CapKind::Untyped, 0x100000, 10, 0).object(), None);
        assert_eq!(Cap::new(CapKind::Hw, 0, 0, 0).object(), None);
    }
}
