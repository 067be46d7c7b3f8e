//! Synchronous invocation gates (Composite's `sinv`): a capability names a
//! server component, an entry and a token. Invoking it migrates the
//! calling thread into the server, pushing an invocation frame on the
//! thread; `self_op::RET` pops it and returns to the caller. No message
//! is copied: rdi, rsi, rdx, r10, r8 simply stay in the registers, one way
//! and (rdi, rsi, rdx) back, so the kernel decodes no arguments here.

use crate::arch::trap::Frame;
use crate::captbl::Cap;
use crate::syscall::OpResult;
use crate::thread::{self, InvFrame, InvKind, MAX_DEPTH};
use crate::{counters, obj, sched};
use cellux_abi::err::Error;
use cellux_abi::ops::upcall;

/// Enters the server of gate `cap` (a = component, b = entry, c = token),
/// on the server's stack for this thread (`thread::entry_sp`).
#[link_section = ".text.hot"]
pub fn call(f: &mut Frame, cap: Cap) -> OpResult {
    let t = sched::current();
    let th = thread::get(t);
    if th.depth == MAX_DEPTH {
        return Err(Error::Depth);
    }
    obj::get(cap.a)?;
    let sp = thread::entry_sp(th, cap.a, f.rsp);
    th.inv[th.depth] = InvFrame { comp: cap.a, kind: InvKind::Sinv, ret_rip: f.rip, ret_rsp: f.rsp, ret_rflags: f.rflags };
    th.depth += 1;
    counters::count!(sinv_calls);
    f.rip = cap.b;
    f.rflags = 0x202;
    f.rbx = upcall::SINV;
    f.r14 = th.tid;
    f.r15 = cap.c;
    // Other upcalls carry exception details here; a call carries none of
    // the caller's values.
    f.rbp = 0;
    f.r12 = 0;
    f.r13 = 0;
    f.rsp = sp;
    sched::load_space(t);
    Ok(None)
}

/// `self_op::RET`: back to the invoker, rax = 0 and the server's rdi, rsi,
/// rdx untouched. Only an invocation frame can be returned from: an
/// exception upcall ends with `EXC_*` instead.
#[link_section = ".text.hot"]
pub fn ret(f: &mut Frame) -> OpResult {
    let t = sched::current();
    let th = thread::get(t);
    if th.depth < 2 || th.inv[th.depth - 1].kind != InvKind::Sinv {
        return Err(Error::NoFrame);
    }
    th.depth -= 1;
    let fr = th.inv[th.depth];
    obj::put(fr.comp);
    counters::count!(sinv_returns);
    f.rip = fr.ret_rip;
    f.rsp = fr.ret_rsp;
    f.rflags = fr.ret_rflags;
    f.rax = 0;
    sched::load_space(t);
    Ok(None)
}
