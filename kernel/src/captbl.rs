//! Capability tables: 1 to 64 contiguous kernel frames of `slots::SLOTS`
//! capabilities each. The slot logic is `cellux_kerncore::slots`; this adds
//! object references, the table's frames, and the ops on a table
//! capability, which are how every object is created: the new object's
//! capability goes into the invoked table.

use crate::arch::trap::Frame;
use crate::mem::frame_ptr;
use crate::syscall::OpResult;
use crate::untyped::kmem;
use crate::{comp, obj, pgtbl, sched, thread};
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::is_user;
use cellux_abi::ops::{self, captbl_op, CapKind, COMP_LINUX_ABI, EVT_WOKEN};
pub use cellux_kerncore::slots::Cap;
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

/// An op on the table `target`, invoked through a capability in the
/// caller's table `own` (where every other capability argument is found).
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, own: u64, target: u64, op: u16) -> OpResult {
    match op {
        captbl_op::NEW_CAPTBL => new_captbl(own, target, f.args()),
        captbl_op::NEW_PGTBL => {
            let a: captbl_op::NewPgtbl = f.args();
            check_free(target, a.slot)?;
            let o = new_obj(own, a.kmem, Obj::PtRoot)?;
            pgtbl::init_root(o);
            insert_owned(target, a.slot, Cap::new(CapKind::Pgtbl, o, 0, 0))?;
            Ok(Some(0))
        }
        captbl_op::NEW_COMP => new_comp(own, target, f.args()),
        captbl_op::NEW_THD => new_thd(own, target, f.args()),
        captbl_op::NEW_SINV => {
            let a: captbl_op::NewSinv = f.args();
            let cc = lookup_kind(own, a.comp, CapKind::Comp)?;
            if !is_user(a.entry) {
                return Err(Error::Inval);
            }
            insert(target, a.slot, Cap::new(CapKind::Sinv, cc.a, a.entry, a.token))?;
            Ok(Some(0))
        }
        captbl_op::NEW_ASND => {
            let a: captbl_op::NewAsnd = f.args();
            let tc = lookup_kind(own, a.thd, CapKind::Thd)?;
            insert(target, a.slot, Cap::new(CapKind::Asnd, tc.a, 0, 0))?;
            Ok(Some(0))
        }
        captbl_op::COPY => {
            let a: captbl_op::CopyCap = f.args();
            insert(target, a.slot, lookup(own, a.src)?)?;
            Ok(Some(0))
        }
        captbl_op::REMOVE => remove(target, f.args::<captbl_op::Remove>().slot).map(|_| Some(0)),
        captbl_op::NEW_UNTYPED => {
            let a: captbl_op::NewUntyped = f.args();
            let u = lookup_kind(own, a.untyped, CapKind::Untyped)?;
            let end = a.first.checked_add(a.frames.checked_mul(4096).ok_or(Error::Inval)?).ok_or(Error::Inval)?;
            if a.first & 0xfff != 0 || a.frames == 0 || a.first < u.a || end > u.a + u.b * 4096 {
                return Err(Error::Inval);
            }
            insert(target, a.slot, Cap::new(CapKind::Untyped, a.first, a.frames, 0))?;
            Ok(Some(0))
        }
        captbl_op::KIND => Ok(Some(lookup(target, f.args::<captbl_op::Kind>().slot).map(|c| c.kind as u64).unwrap_or(0))),
        _ => Err(Error::BadOp),
    }
}

/// A one-frame object of `kind` in the kernel frame named by `kmem_arg`.
fn new_obj(own: u64, kmem_arg: u64, kind: Obj) -> KResult<u64> {
    let kf = kmem(own, kmem_arg)?;
    obj::make(kf, kind)?;
    Ok(kf)
}

fn new_captbl(own: u64, target: u64, a: captbl_op::NewCaptbl) -> OpResult {
    check_free(target, a.slot)?;
    let pages = a.pages.max(1);
    let first = kmem(own, a.kmem)?;
    let last = first.checked_add((pages.min(MAX_PAGES) - 1) * 4096).ok_or(Error::Inval)?;
    // Every frame of the table must be covered by the untyped cap.
    kmem(own, ops::kmem((a.kmem >> 48) as u32, last))?;
    new(first, pages)?;
    insert_owned(target, a.slot, Cap::new(CapKind::Captbl, first, 0, 0))?;
    Ok(Some(0))
}

fn new_comp(own: u64, target: u64, a: captbl_op::NewComp) -> OpResult {
    check_free(target, a.slot)?;
    let ctc = lookup_kind(own, a.captbl, CapKind::Captbl)?;
    let ptc = lookup_kind(own, a.pgtbl, CapKind::Pgtbl)?;
    let o = new_obj(own, a.kmem, Obj::Comp)?;
    obj::get(ctc.a)?;
    if let Err(e) = obj::get(ptc.a) {
        obj::put(ctc.a);
        obj::put(o);
        return Err(e);
    }
    let cm = comp::get(o);
    cm.captbl = ctc.a;
    cm.pgtbl = ptc.a;
    cm.linux_abi = a.flags & COMP_LINUX_ABI != 0;
    if cm.linux_abi {
        // Its threads run the server at CPL1 in this root.
        crate::pgtbl::keep_kernel_out(ptc.a);
    }
    insert_owned(target, a.slot, Cap::new(CapKind::Comp, o, 0, 0))?;
    Ok(Some(0))
}

fn new_thd(own: u64, target: u64, a: captbl_op::NewThd) -> OpResult {
    check_free(target, a.slot)?;
    let cc = lookup_kind(own, a.comp, CapKind::Comp)?;
    if !is_user(a.entry) {
        return Err(Error::Inval);
    }
    // By default a thread reports to its creator's scheduler, so a
    // thread never ends up with no one to run when it blocks or dies.
    let sched = if a.sched == 0 { thread::get(sched::current()).sched } else { lookup_kind(own, a.sched, CapKind::Thd)?.a };
    let o = new_obj(own, a.kmem, Obj::Thd)?;
    match thread::init(o, cc.a, a.entry, a.arg, sched) {
        Ok(tid) => {
            insert_owned(target, a.slot, Cap::new(CapKind::Thd, o, 0, 0))?;
            sched::post_event(sched, o, EVT_WOKEN);
            Ok(Some(tid))
        }
        Err(e) => {
            obj::put(o);
            Err(e)
        }
    }
}
