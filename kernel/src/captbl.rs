//! Capability tables: 1 to 64 contiguous kernel frames of `slots::SLOTS`
//! capabilities each. The slot logic is `cellux_kerncore::slots`; this adds
//! object references and the table's frames.

use crate::mem::frame_ptr;
use crate::obj;
use cellux_abi::err::KResult;
use cellux_abi::ops::CapKind;
pub use cellux_kerncore::slots::Cap;
use cellux_abi::err::Error;
use cellux_kerncore::retype::Obj;
use cellux_kerncore::slots::{self, Slots, MAX_PAGES, SLOTS};

fn first_page(ct: u64) -> &'static mut [Cap; SLOTS] {
    // SAFETY: ct is a captbl object's first frame (checked by the callers
    // through the capability or component that named it), zeroed at
    // creation; all-zero bytes are Free capabilities.
    unsafe { &mut *frame_ptr::<[Cap; SLOTS]>(ct) }
}

fn slots(ct: u64) -> Slots<'static> {
    let n = slots::pages(first_page(ct)) as usize;
    // SAFETY: a table's pages are contiguous physical frames (checked and
    // claimed at creation, `new`), so contiguous in the direct map too.
    Slots(unsafe { core::slice::from_raw_parts_mut(frame_ptr::<Cap>(ct), n * SLOTS) })
}

/// Makes a table of `pages` frames from `first` (kernel frames the caller
/// may use); the first frame is the object (one reference, the caller's),
/// the others are claimed as its extension.
pub fn new(first: u64, pages: u64) -> KResult<()> {
    if pages == 0 || pages > MAX_PAGES {
        return Err(Error::Inval);
    }
    obj::make(first, Obj::Captbl)?;
    for i in 1..pages {
        if let Err(e) = obj::make(first + i * 4096, Obj::CaptblExt) {
            for j in 1..i {
                crate::mem::table().free_obj(first + j * 4096);
            }
            crate::mem::table().free_obj(first);
            return Err(e);
        }
    }
    slots::set_pages(first_page(first), pages);
    Ok(())
}

/// Frees the extension frames of a table being destroyed (after `clear`).
pub fn free_pages(ct: u64) {
    let n = slots::pages(first_page(ct));
    for i in 1..n {
        let f = ct + i * 4096;
        crate::mem::table().free_obj(f);
        crate::mem::zero_frame(f);
    }
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
    let n = slots(ct).0.len() as u64;
    for i in 1..n {
        let _ = remove(ct, i);
    }
}
