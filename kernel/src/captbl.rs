//! Capability tables: kernel frames of `slots::SLOTS` capabilities. The
//! slot logic is `cellux_kernel::slots`; this adds object references.

use crate::mem::frame_ptr;
use crate::obj;
use cellux_abi::err::KResult;
use cellux_abi::ops::CapKind;
pub use cellux_kernel::slots::Cap;
use cellux_kernel::slots::{Slots, SLOTS};

fn slots(ct: u64) -> Slots<'static> {
    // SAFETY: ct is a captbl object frame (checked by the callers through
    // the capability or component that named it); zeroed at creation, and
    // all-zero bytes are Free capabilities.
    Slots(unsafe { &mut *frame_ptr::<[Cap; SLOTS]>(ct) })
}

pub fn lookup(ct: u64, idx: u64) -> KResult<Cap> {
    slots(ct).get(idx)
}

pub fn lookup_kind(ct: u64, idx: u64, kind: CapKind) -> KResult<Cap> {
    slots(ct).get_kind(idx, kind)
}

/// Installs a capability; takes a reference on its object.
pub fn insert(ct: u64, idx: u64, cap: Cap) -> KResult<()> {
    let mut s = slots(ct);
    s.check_free(idx)?;
    if let Some(o) = cap.object() {
        obj::get(o)?;
    }
    s.put(idx, cap)
}

/// Installs a capability whose object reference the caller already holds
/// (a freshly made object).
pub fn insert_owned(ct: u64, idx: u64, cap: Cap) -> KResult<()> {
    slots(ct).put(idx, cap)
}

pub fn check_free(ct: u64, idx: u64) -> KResult<()> {
    slots(ct).check_free(idx)
}

pub fn remove(ct: u64, idx: u64) -> KResult<()> {
    let c = slots(ct).take(idx)?;
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
