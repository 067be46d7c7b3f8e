//! Exception call-gates. A CPU exception in user mode, or `syscall` in a
//! component marked Linux-ABI, is delivered to the handler component
//! registered for the faulting component, on the same thread: the trapped
//! context (registers, FS/GS base, FPU/SSE state) is saved in the thread,
//! an exception frame is pushed on its invocation stack, and the handler
//! is upcalled. The handler reads/writes the trapped context with
//! `EXC_REGS_*`/`EXC_FPU_*` and ends with `EXC_RESUME*` or `EXC_END`.

use crate::sched;
use crate::thread::{self, InvFrame, InvKind, MAX_DEPTH, MAX_EXC};
use crate::trap::{Frame, VEC_IRET, VEC_SYSCALL};
use crate::{comp, console as c, fpu, obj};
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::upcall;

/// Entry from trap.rs for vectors 0-31 taken in user mode.
pub fn user_exception(f: &mut Frame) {
    let cr2 = if f.vector == 14 { crate::cpu::read_cr2() } else { 0 };
    deliver(f, cr2);
}

/// Delivers the trapped context in `f` (vector/error filled in).
#[link_section = ".text.hot"]
pub fn deliver(f: &mut Frame, cr2: u64) {
    let t = sched::current();
    let th = thread::get(t);
    let c = comp::get(thread::current_comp(th));
    if c.handler_comp == 0 || th.nexc == MAX_EXC || th.depth == MAX_DEPTH {
        unhandled(f, cr2);
        return;
    }
    let (hc, entry, token) = (c.handler_comp, c.handler_entry, c.handler_token);
    if obj::get(hc).is_err() {
        unhandled(f, cr2);
        return;
    }
    let save = &mut th.exc[th.nexc];
    save.regs = *f;
    let (fs, gs) = sched::fsgs();
    save.fs_base = fs;
    save.gs_base = gs;
    save.cr2 = cr2;
    fpu::save(&mut save.fpu);
    let sp = thread::entry_sp(th, hc, f.rsp);
    th.inv[th.depth] = InvFrame { comp: hc, kind: InvKind::Exc, ret_rip: f.rip, ret_rsp: f.rsp, ret_rflags: f.rflags };
    th.depth += 1;
    th.nexc += 1;
    let (vector, error) = (f.vector, f.error);
    let (rax, rdi, rsi, rdx, r10, r8, r9) = (f.rax, f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    *f = thread::upcall_frame(entry, upcall::EXCEPTION, th.tid, token);
    f.r12 = vector;
    f.r13 = error;
    f.rbp = cr2;
    f.rsp = sp;
    (f.rax, f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9) = (rax, rdi, rsi, rdx, r10, r8, r9);
    sched::load_space(t);
}

/// No handler: the faulting invocation returns `Error::Fault` to its
/// caller, or the thread ends if it has none.
#[inline(never)]
#[cold]
fn unhandled(f: &mut Frame, cr2: u64) {
    let t = sched::current();
    let th = thread::get(t);
    c::str("cellux: thread ");
    c::dec(th.tid);
    c::str(" unhandled exception ");
    c::dec(f.vector);
    c::str(" rip ");
    c::hex(f.rip);
    c::str(" addr ");
    c::hex(cr2);
    c::str("\n");
    abort_invocation(f, 0);
}

/// Pops the top invocation (of the faulting component) and returns
/// `Error::Fault` to its invoker, or ends the thread.
pub fn abort_invocation(f: &mut Frame, code: u64) {
    let t = sched::current();
    let th = thread::get(t);
    // Unwind exception frames of handlers that are themselves aborted.
    while th.depth > 1 && th.inv[th.depth - 1].kind == InvKind::Exc {
        th.depth -= 1;
        th.nexc -= 1;
        obj::put(th.inv[th.depth].comp);
    }
    if th.depth <= 1 || th.inv[th.depth - 1].kind != InvKind::Sinv {
        sched::exit_current();
        return;
    }
    let fr = th.inv[th.depth - 1];
    th.depth -= 1;
    obj::put(fr.comp);
    *f = thread::upcall_frame(fr.ret_rip, 0, 0, 0);
    f.rsp = fr.ret_rsp;
    f.rflags = fr.ret_rflags;
    f.rax = Error::Fault.as_ret() as u64;
    f.rdi = code;
    f.r14 = 0;
    sched::load_space(t);
}

#[link_section = ".text.hot"]
fn top_exc(t: u64) -> KResult<usize> {
    let th = thread::get(t);
    if th.depth < 2 || th.inv[th.depth - 1].kind != InvKind::Exc || th.nexc == 0 {
        return Err(Error::NoFrame);
    }
    Ok(th.nexc - 1)
}

/// Resumes the trapped context (possibly rewritten by the handler).
#[link_section = ".text.hot"]
pub fn resume(f: &mut Frame, set_rax: Option<u64>) -> KResult<()> {
    let t = sched::current();
    let i = top_exc(t)?;
    let th = thread::get(t);
    th.depth -= 1;
    th.nexc -= 1;
    obj::put(th.inv[th.depth].comp);
    let s = &mut th.exc[i];
    *f = s.regs;
    if let Some(v) = set_rax {
        f.rax = v;
    }
    if f.vector != VEC_SYSCALL {
        f.vector = VEC_IRET;
    }
    sched::wrfsbase(s.fs_base, s.gs_base);
    fpu::restore(&s.fpu);
    sched::load_space(t);
    Ok(())
}

pub fn end(f: &mut Frame, code: u64) -> KResult<()> {
    top_exc(sched::current())?;
    abort_invocation(f, code);
    Ok(())
}

pub fn saved(t: u64) -> KResult<&'static mut thread::ExcSave> {
    let i = top_exc(t)?;
    Ok(&mut thread::get(t).exc[i])
}
