//! Capability tables: one kernel frame of 128 slots of 32 bytes. Slot 0
//! is never a capability (cap 0 in a system call means "this thread").

use crate::mem::frame_ptr;
use crate::obj;
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::CapKind;

pub const SLOTS: usize = 128;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
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

impl Cap {
    pub const fn new(kind: CapKind, a: u64, b: u64, c: u64) -> Cap {
        Cap { kind, _pad: [0; 7], a, b, c }
    }
    /// The kernel object this capability keeps alive, if any.
    pub fn object(&self) -> Option<u64> {
        match self.kind {
            CapKind::Captbl | CapKind::Pgtbl | CapKind::Comp | CapKind::Thd | CapKind::Sinv | CapKind::Asnd => Some(self.a),
            _ => None,
        }
    }
}

fn slots(ct: u64) -> &'static mut [Cap; SLOTS] {
    // SAFETY: ct is a captbl object frame (checked by the callers through
    // the capability that named it); all-zero bytes are valid Free caps.
    unsafe { &mut *frame_ptr::<[Cap; SLOTS]>(ct) }
}

pub fn lookup(ct: u64, idx: u64) -> KResult<Cap> {
    if idx == 0 || idx >= SLOTS as u64 {
        return Err(Error::NoCap);
    }
    let c = slots(ct)[idx as usize];
    if c.kind == CapKind::Free {
        return Err(Error::NoCap);
    }
    Ok(c)
}

pub fn lookup_kind(ct: u64, idx: u64, kind: CapKind) -> KResult<Cap> {
    let c = lookup(ct, idx)?;
    if c.kind != kind {
        return Err(Error::NoCap);
    }
    Ok(c)
}

/// Installs a capability; takes a reference on its object.
pub fn insert(ct: u64, idx: u64, cap: Cap) -> KResult<()> {
    if idx == 0 || idx >= SLOTS as u64 {
        return Err(Error::Inval);
    }
    let s = &mut slots(ct)[idx as usize];
    if s.kind != CapKind::Free {
        return Err(Error::Busy);
    }
    if let Some(o) = cap.object() {
        obj::get(o)?;
    }
    *s = cap;
    Ok(())
}

/// Installs a capability whose object reference the caller already holds
/// (a freshly made object).
pub fn insert_owned(ct: u64, idx: u64, cap: Cap) -> KResult<()> {
    if idx == 0 || idx >= SLOTS as u64 {
        return Err(Error::Inval);
    }
    let s = &mut slots(ct)[idx as usize];
    if s.kind != CapKind::Free {
        return Err(Error::Busy);
    }
    *s = cap;
    Ok(())
}

pub fn check_free(ct: u64, idx: u64) -> KResult<()> {
    if idx == 0 || idx >= SLOTS as u64 {
        return Err(Error::Inval);
    }
    if slots(ct)[idx as usize].kind != CapKind::Free {
        return Err(Error::Busy);
    }
    Ok(())
}

pub fn remove(ct: u64, idx: u64) -> KResult<()> {
    let c = lookup(ct, idx)?;
    slots(ct)[idx as usize] = Cap::new(CapKind::Free, 0, 0, 0);
    if let Some(o) = c.object() {
        obj::put(o);
    }
    Ok(())
}

/// Drops every capability (the table is being destroyed).
pub fn clear(ct: u64) {
    for i in 1..SLOTS as u64 {
        let _ = remove(ct, i);
    }
}
