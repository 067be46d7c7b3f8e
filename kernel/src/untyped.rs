//! Untyped memory capabilities: a range of RAM frames, by physical address,
//! that its holder may retype (untyped <-> user memory <-> kernel memory)
//! and from which it names the kernel frame of every object it creates
//! (`kmem`). The retype rules (types, reference counts) are
//! `cellux_kerncore::retype`; this checks that the frames are inside the
//! capability and zeroes user frames before handing them out.

use crate::arch::trap::Frame;
use crate::captbl::{self, Cap};
use crate::mem;
use crate::syscall::OpResult;
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::{kmem_split, untyped_op, CapKind, RETYPE_KERNEL, RETYPE_LIST_MAX, RETYPE_UNTYPED, RETYPE_USER};
use cellux_kerncore::retype::Ty;

/// A kernel frame named by a `kmem` argument (untyped cap, physical
/// address): the cap must be in table `ct` and cover the frame.
pub fn kmem(ct: u64, v: u64) -> KResult<u64> {
    let (cap, pa) = kmem_split(v);
    let u = captbl::lookup_kind(ct, cap, CapKind::Untyped)?;
    if pa & 0xfff != 0 || !covers(&u, pa) {
        return Err(Error::Inval);
    }
    Ok(pa)
}

/// Whether untyped cap `u` (a = first frame, b = frames) covers `pa`.
fn covers(u: &Cap, pa: u64) -> bool {
    pa >= u.a && pa < u.a + u.b * 4096
}

/// An op on the untyped capability `u`.
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, u: Cap, op: u16) -> OpResult {
    match op {
        untyped_op::RETYPE => retype(&u, f.args()),
        untyped_op::RETYPE_LIST => retype_list(f, &u, f.args()),
        untyped_op::INFO => {
            f.rdi = u.b;
            Ok(Some(u.a))
        }
        untyped_op::FRAME_INFO => {
            let a: untyped_op::FrameInfo = f.args();
            if !covers(&u, a.frame) {
                return Err(Error::Inval);
            }
            let t = mem::table();
            let ty = t.ty(a.frame & !0xfff) as u64;
            f.rdi = t.refs(a.frame & !0xfff);
            Ok(Some(ty))
        }
        _ => Err(Error::BadOp),
    }
}

fn retype(u: &Cap, a: untyped_op::Retype) -> OpResult {
    let end = a.frames.checked_mul(4096).and_then(|b| a.first.checked_add(b)).ok_or(Error::Inval)?;
    if a.first < u.a || end > u.a + u.b * 4096 {
        return Err(Error::Inval);
    }
    let to = match a.to {
        RETYPE_UNTYPED => Ty::Untyped,
        RETYPE_USER => Ty::User,
        RETYPE_KERNEL => Ty::Kernel,
        _ => return Err(Error::Inval),
    };
    mem::table().retype(a.first, a.frames, to)?;
    if to == Ty::User {
        // A frame must not carry data from its previous owner.
        for i in 0..a.frames {
            mem::zero_frame(a.first + i * 4096);
        }
    }
    Ok(Some(0))
}

/// `RETYPE_LIST`: `retype` of one frame each; rdi = how many were
/// retyped when one fails.
fn retype_list(f: &mut Frame, u: &Cap, a: untyped_op::RetypeList) -> OpResult {
    if a.n > RETYPE_LIST_MAX {
        return Err(Error::Inval);
    }
    match crate::uaccess::for_each_word(a.list, a.n, |_, first| retype(u, untyped_op::Retype { first, frames: 1, to: a.to }).map(drop)) {
        Ok(done) => Ok(Some(done)),
        Err((e, done)) => {
            f.rdi = done;
            Err(e)
        }
    }
}
