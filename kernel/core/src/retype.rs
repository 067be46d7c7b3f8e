//! The retype table: for every physical frame, its type (untyped, user,
//! kernel or reserved), which kernel object lives in it, and a reference
//! count. It enforces that a frame is never both user-mapped and a kernel
//! object, and that referenced memory is never retyped.

use cellux_abi::err::{Error, KResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// The kernel's own image, boot structures, or not RAM.
    Reserved = 0,
    Untyped = 1,
    User = 2,
    Kernel = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obj {
    None = 0,
    Captbl = 1,
    PtRoot = 2,
    PtNode = 3,
    Comp = 4,
    Thd = 5,
    /// Second and further frames of a multi-page capability table.
    CaptblExt = 6,
}

const TY_MASK: u64 = 0x3;
const OBJ_SHIFT: u32 = 2;
const OBJ_MASK: u64 = 0xf << OBJ_SHIFT;
const REF_SHIFT: u32 = 6;
const REF_MAX: u64 = (1 << 26) - 1;
const REF_MASK: u64 = REF_MAX << REF_SHIFT;

/// One u64 per frame: type, object kind, reference count (26 bits) and a
/// spare 32-bit link the kernel uses to queue objects for destruction.
pub struct Table<'a> {
    e: &'a mut [u64],
}

impl<'a> Table<'a> {
    pub fn new(e: &'a mut [u64]) -> Self {
        Table { e }
    }

    pub fn frames(&self) -> usize {
        self.e.len()
    }

    fn idx(&self, phys: u64) -> KResult<usize> {
        if phys & 0xfff != 0 {
            return Err(Error::Inval);
        }
        let i = (phys >> 12) as usize;
        if i >= self.e.len() {
            return Err(Error::Inval);
        }
        Ok(i)
    }

    pub fn ty(&self, phys: u64) -> Ty {
        match self.idx(phys).map(|i| self.e[i] & TY_MASK) {
            Ok(1) => Ty::Untyped,
            Ok(2) => Ty::User,
            Ok(3) => Ty::Kernel,
            _ => Ty::Reserved,
        }
    }

    pub fn obj(&self, phys: u64) -> Obj {
        match self.idx(phys).map(|i| (self.e[i] & OBJ_MASK) >> OBJ_SHIFT) {
            Ok(1) => Obj::Captbl,
            Ok(2) => Obj::PtRoot,
            Ok(3) => Obj::PtNode,
            Ok(4) => Obj::Comp,
            Ok(5) => Obj::Thd,
            Ok(6) => Obj::CaptblExt,
            _ => Obj::None,
        }
    }

    pub fn refs(&self, phys: u64) -> u64 {
        self.idx(phys).map(|i| (self.e[i] & REF_MASK) >> REF_SHIFT).unwrap_or(0)
    }

    /// Boot-time classification; no checks.
    pub fn set_type(&mut self, phys: u64, ty: Ty) {
        if let Ok(i) = self.idx(phys) {
            self.e[i] = ty as u64;
        }
    }

    /// Retypes `n` frames from `first`, all or none: untyped -> user/kernel,
    /// or user/kernel with no references and no object -> untyped.
    pub fn retype(&mut self, first: u64, n: u64, to: Ty) -> KResult<()> {
        if n == 0 || n > self.e.len() as u64 {
            return Err(Error::Inval);
        }
        let start = self.idx(first)?;
        let end = start.checked_add(n as usize).filter(|&e| e <= self.e.len()).ok_or(Error::Inval)?;
        for i in start..end {
            let v = self.e[i];
            let ok = match to {
                Ty::User | Ty::Kernel => v & TY_MASK == Ty::Untyped as u64,
                Ty::Untyped => {
                    let t = v & TY_MASK;
                    if (t == Ty::User as u64 || t == Ty::Kernel as u64) && v & (REF_MASK | OBJ_MASK) != 0 {
                        return Err(Error::InUse);
                    }
                    t == Ty::User as u64 || t == Ty::Kernel as u64
                }
                Ty::Reserved => return Err(Error::Inval),
            };
            if !ok {
                return Err(Error::BadType);
            }
        }
        for i in start..end {
            self.e[i] = to as u64;
        }
        Ok(())
    }

    /// Takes a reference to a frame of type `ty` (a mapping of a user
    /// frame, or a reference to a kernel object).
    pub fn get(&mut self, phys: u64, ty: Ty) -> KResult<()> {
        let i = self.idx(phys)?;
        let v = self.e[i];
        if v & TY_MASK != ty as u64 {
            return Err(Error::BadType);
        }
        if (v & REF_MASK) >> REF_SHIFT == REF_MAX {
            return Err(Error::Busy);
        }
        self.e[i] = v + (1 << REF_SHIFT);
        Ok(())
    }

    /// Drops a reference; returns how many remain.
    pub fn put(&mut self, phys: u64) -> u64 {
        let Ok(i) = self.idx(phys) else { return 0 };
        let v = self.e[i];
        let r = (v & REF_MASK) >> REF_SHIFT;
        if r == 0 {
            return 0;
        }
        self.e[i] = v - (1 << REF_SHIFT);
        r - 1
    }

    /// Puts a new object in a free kernel frame, with one reference.
    pub fn make_obj(&mut self, phys: u64, obj: Obj) -> KResult<()> {
        let i = self.idx(phys)?;
        let v = self.e[i];
        if v & TY_MASK != Ty::Kernel as u64 {
            return Err(Error::BadType);
        }
        if v & (REF_MASK | OBJ_MASK) != 0 {
            return Err(Error::InUse);
        }
        self.e[i] = Ty::Kernel as u64 | ((obj as u64) << OBJ_SHIFT) | (1 << REF_SHIFT);
        Ok(())
    }

    /// The object is gone: the frame is a free kernel frame again.
    pub fn free_obj(&mut self, phys: u64) {
        if let Ok(i) = self.idx(phys) {
            self.e[i] = Ty::Kernel as u64;
        }
    }

    pub fn link(&self, phys: u64) -> u64 {
        self.idx(phys).map(|i| self.e[i] >> 32).unwrap_or(0)
    }

    pub fn set_link(&mut self, phys: u64, next: u64) {
        if let Ok(i) = self.idx(phys) {
            self.e[i] = (self.e[i] & 0xffff_ffff) | (next << 32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize) -> Vec<u64> {
        vec![Ty::Untyped as u64; n]
    }

    #[test]
    fn retype_untyped_to_user_and_back() {
        let mut v = table(8);
        let mut t = Table::new(&mut v);
        t.retype(0x1000, 2, Ty::User).unwrap();
        assert_eq!(t.ty(0x1000), Ty::User);
        assert_eq!(t.ty(0x2000), Ty::User);
        assert_eq!(t.ty(0x3000), Ty::Untyped);
        t.retype(0x1000, 2, Ty::Untyped).unwrap();
        assert_eq!(t.ty(0x1000), Ty::Untyped);
    }

    #[test]
    fn refuses_retype_of_mapped_frame() {
        let mut v = table(8);
        let mut t = Table::new(&mut v);
        t.retype(0x1000, 1, Ty::User).unwrap();
        t.get(0x1000, Ty::User).unwrap();
        assert_eq!(t.retype(0x1000, 1, Ty::Untyped), Err(Error::InUse));
        assert_eq!(t.retype(0x1000, 1, Ty::Kernel), Err(Error::BadType));
        assert_eq!(t.put(0x1000), 0);
        t.retype(0x1000, 1, Ty::Untyped).unwrap();
    }

    #[test]
    fn user_frame_is_never_an_object() {
        let mut v = table(8);
        let mut t = Table::new(&mut v);
        t.retype(0x1000, 1, Ty::User).unwrap();
        assert_eq!(t.make_obj(0x1000, Obj::Thd), Err(Error::BadType));
        t.retype(0x2000, 1, Ty::Kernel).unwrap();
        assert_eq!(t.get(0x2000, Ty::User), Err(Error::BadType));
        t.make_obj(0x2000, Obj::Thd).unwrap();
        assert_eq!(t.make_obj(0x2000, Obj::Comp), Err(Error::InUse));
        assert_eq!(t.retype(0x2000, 1, Ty::Untyped), Err(Error::InUse));
        assert_eq!(t.put(0x2000), 0);
        t.free_obj(0x2000);
        t.retype(0x2000, 1, Ty::Untyped).unwrap();
    }

    #[test]
    fn retype_is_all_or_nothing_and_bounded() {
        let mut v = table(4);
        let mut t = Table::new(&mut v);
        t.set_type(0x2000, Ty::Reserved);
        assert_eq!(t.retype(0x1000, 2, Ty::User), Err(Error::BadType));
        assert_eq!(t.ty(0x1000), Ty::Untyped);
        assert_eq!(t.retype(0x3000, 2, Ty::User), Err(Error::Inval));
        assert_eq!(t.retype(0x1001, 1, Ty::User), Err(Error::Inval));
        assert_eq!(t.retype(u64::MAX & !0xfff, 1, Ty::User), Err(Error::Inval));
        assert_eq!(t.retype(0x1000, 1, Ty::Reserved), Err(Error::Inval));
    }

    #[test]
    fn link_keeps_the_entry() {
        let mut v = table(4);
        let mut t = Table::new(&mut v);
        t.retype(0x1000, 1, Ty::Kernel).unwrap();
        t.make_obj(0x1000, Obj::Comp).unwrap();
        t.set_link(0x1000, 77);
        assert_eq!(t.link(0x1000), 77);
        assert_eq!(t.obj(0x1000), Obj::Comp);
        assert_eq!(t.refs(0x1000), 1);
    }
}
