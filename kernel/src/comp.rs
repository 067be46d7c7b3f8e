//! Components: a capability table, a page table, an ABI mark and an
//! optional exception handler gate, which is the one thing a component
//! capability can change after creation (`captbl_op::NEW_COMP` makes it).

use crate::arch::trap::Frame;
use crate::captbl;
use crate::mem::frame_ptr;
use crate::obj;
use crate::syscall::OpResult;
use cellux_abi::err::Error;
use cellux_abi::ops::{comp_op, CapKind};

#[repr(C)]
pub struct Comp {
    pub captbl: u64,
    pub pgtbl: u64,
    pub linux_abi: bool,
    /// Exception handler: server component (0 = none), entry, token.
    pub handler_comp: u64,
    pub handler_entry: u64,
    pub handler_token: u64,
}

pub fn get(c: u64) -> &'static mut Comp {
    // SAFETY: c is a component object frame (named by a checked capability
    // or an invocation frame), zero-initialized at creation, which is a
    // valid Comp; single-threaded kernel.
    unsafe { &mut *frame_ptr::<Comp>(c) }
}

pub fn destroy(c: u64) {
    let comp = get(c);
    for o in [comp.captbl, comp.pgtbl, comp.handler_comp] {
        if o != 0 {
            obj::put(o);
        }
    }
}

/// An op on component `c`; `own` is the caller's capability table.
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, own: u64, c: u64, op: u16) -> OpResult {
    match op {
        comp_op::SET_HANDLER => {
            let a: comp_op::SetHandler = f.args();
            let cm = get(c);
            let (hc, entry, token) = if a.sinv == 0 {
                (0, 0, 0)
            } else {
                let s = captbl::lookup_kind(own, a.sinv, CapKind::Sinv)?;
                obj::get(s.a)?;
                (s.a, s.b, s.c)
            };
            let old = core::mem::replace(&mut cm.handler_comp, hc);
            cm.handler_entry = entry;
            cm.handler_token = token;
            if old != 0 {
                obj::put(old);
            }
            Ok(Some(0))
        }
        _ => Err(Error::BadOp),
    }
}
