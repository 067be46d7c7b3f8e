//! The system-call router, the kernel's `capinv.c`. The ABI mark of the
//! component the thread executes in decides first: a Linux-ABI
//! component's `syscall` is an exception for its handler. Everyone else's
//! names (capability, op) in rax; this file looks the capability up and
//! hands the op to the file of the object it names, which decodes its
//! own arguments (`Frame::args`). Every argument is untrusted; every
//! failure is an error code.

use crate::arch::trap::Frame;
use crate::{asnd, captbl, comp, counters, exception, extable, fastpath, hw, pgtbl, sched, sinv, thread, untyped};
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::{self, self_op, CapKind};

/// Ok(Some(v)): rax = v. Ok(None): the op already set up the frame
/// (a switch, an upcall or a return happened).
pub type OpResult = KResult<Option<u64>>;

#[link_section = ".text.hot"]
pub fn dispatch(f: &mut Frame) {
    let t = sched::current();
    let c = thread::current_comp(thread::get(t));
    if comp::get(c).linux_abi {
        exception::deliver(f, 0);
        return;
    }
    counters::count!(kcalls);
    let (cap, op) = ops::decode(f.rax);
    let r = if cap == 0 { self_op(f, op) } else { cap_op(f, c, cap, op) };
    match r {
        Ok(Some(v)) => f.rax = v,
        Ok(None) => {}
        Err(e) => f.rax = e.as_ret() as u64,
    }
}

/// Capability 0: the calling thread acting on itself.
#[link_section = ".text.hot"]
fn self_op(f: &mut Frame, op: u16) -> OpResult {
    use self_op::*;
    match op {
        RET => sinv::ret(f),
        RCV => asnd::rcv(f),
        EXIT => {
            sched::exit_current();
            Ok(None)
        }
        EXC_RESUME | EXC_RESUME_RAX | EXC_END | EXC_REGS_READ | EXC_REGS_WRITE | EXC_FPU_READ | EXC_FPU_WRITE => exception::op(f, op),
        NOP => Ok(Some(0)),
        PROBE_RING1 => crate::arch::ring1::request(f),
        FAST_ENTRY => fastpath::set_entry(f),
        FAST_STACK => fastpath::set_stack(f),
        EXC_DEFER => fastpath::defer(f),
        USER_COPY => extable::set(f),
        SWITCH_TID | WAKE_TID => thread::self_op(f, op),
        _ => Err(Error::BadOp),
    }
}

/// A capability of the caller's component `c`: its kind picks the file.
#[link_section = ".text.hot"]
fn cap_op(f: &mut Frame, c: u64, cap: u64, op: u16) -> OpResult {
    let own = comp::get(c).captbl;
    let k = captbl::lookup(own, cap)?;
    match k.kind {
        CapKind::Sinv => sinv::call(f, k),
        CapKind::Captbl => captbl::op(f, own, k.a, op),
        CapKind::Pgtbl => pgtbl::op(f, own, k.a, op),
        CapKind::Untyped => untyped::op(f, k, op),
        CapKind::Comp => comp::op(f, own, k.a, op),
        CapKind::Thd => thread::op(f, k.a, op),
        CapKind::Asnd => asnd::op(f, k.a, op),
        CapKind::Hw => hw::op(f, own, op),
        CapKind::Free => Err(Error::NoCap),
    }
}
