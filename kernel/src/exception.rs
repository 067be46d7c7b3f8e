//! Exception call-gates. A CPU exception in user mode, or `syscall` in a
//! component marked Linux-ABI, is delivered to the handler component
//! registered for the faulting component, on the same thread: the trapped
//! context (registers, FS/GS base, FPU/SSE state) is saved in the thread,
//! an exception frame is pushed on its invocation stack, and the handler
//! is upcalled. The handler reads/writes the trapped context with
//! `EXC_REGS_*`/`EXC_FPU_*` and ends with `EXC_RESUME*` or `EXC_END`;
//! those ops are decoded here (`op`).

use crate::arch::fpu;
use crate::arch::trap::{Frame, VEC_IRET, VEC_SYSCALL};
use crate::sched;
use crate::syscall::OpResult;
use crate::thread::{self, InvFrame, InvKind, State, MAX_DEPTH, MAX_EXC};
use crate::uaccess;
use crate::{comp, console as c, counters, obj};
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::is_user;
use cellux_abi::ops::{self_op, upcall, VEC_INTERRUPT};
use cellux_abi::regs::{sanitize_rflags, UserRegs};

/// The handler's ops on the top exception frame of the calling thread.
#[link_section = ".text.hot"]
pub fn op(f: &mut Frame, op: u16) -> OpResult {
    match op {
        self_op::EXC_RESUME => resume(f, None).map(|_| None),
        self_op::EXC_RESUME_RAX => resume(f, Some(f.args::<self_op::ExcResumeRax>().rax)).map(|_| None),
        self_op::EXC_END => end(f, f.args::<self_op::ExcEnd>().code).map(|_| None),
        self_op::EXC_REGS_READ => {
            let s = saved(sched::current())?;
            let r = user_regs(s);
            uaccess::write_user(f.args::<self_op::ExcRegsRead>().buf, as_bytes(&r))?;
            Ok(Some(0))
        }
        self_op::EXC_REGS_WRITE => {
            let s = saved(sched::current())?;
            let mut r = UserRegs::default();
            uaccess::read_user(f.args::<self_op::ExcRegsWrite>().buf, as_bytes_mut(&mut r))?;
            set_trapped(s, &r)?;
            Ok(Some(0))
        }
        self_op::EXC_FPU_READ => {
            let s = saved(sched::current())?;
            uaccess::write_user(f.args::<self_op::ExcFpuRead>().buf, &s.fpu.0)?;
            Ok(Some(0))
        }
        self_op::EXC_FPU_WRITE => {
            let s = saved(sched::current())?;
            let mut img = thread::Fpu([0; 512]);
            uaccess::read_user(f.args::<self_op::ExcFpuWrite>().buf, &mut img.0)?;
            fpu::sanitize(&mut img);
            s.fpu = img;
            Ok(Some(0))
        }
        _ => Err(Error::BadOp),
    }
}

fn as_bytes<T>(v: &T) -> &[u8] {
    // SAFETY: T is a repr(C) struct of u64 fields (UserRegs): no padding.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, core::mem::size_of::<T>()) }
}

pub fn as_bytes_mut<T>(v: &mut T) -> &mut [u8] {
    // SAFETY: as as_bytes; every bit pattern is a valid UserRegs.
    unsafe { core::slice::from_raw_parts_mut(v as *mut T as *mut u8, core::mem::size_of::<T>()) }
}

/// The trapped context as the ABI's register file.
fn user_regs(s: &thread::ExcSave) -> UserRegs {
    let g = &s.regs;
    UserRegs {
        rax: g.rax, rbx: g.rbx, rcx: g.rcx, rdx: g.rdx, rsi: g.rsi, rdi: g.rdi, rbp: g.rbp, rsp: g.rsp,
        r8: g.r8, r9: g.r9, r10: g.r10, r11: g.r11, r12: g.r12, r13: g.r13, r14: g.r14, r15: g.r15,
        rip: g.rip, rflags: g.rflags, fs_base: s.fs_base, gs_base: s.gs_base,
        // VEC_IRET (a rewritten syscall frame) still reads as the syscall.
        vector: if g.vector <= VEC_INTERRUPT { g.vector } else { VEC_SYSCALL },
        error: g.error, fault_addr: s.cr2,
    }
}

/// Replaces the trapped context in `s` by `r`, which user level chose.
pub fn set_trapped(s: &mut thread::ExcSave, r: &UserRegs) -> KResult<()> {
    if !is_user(r.rip) || !sched::is_canonical(r.rsp) || !sched::is_canonical(r.fs_base) || !sched::is_canonical(r.gs_base) {
        return Err(Error::Inval);
    }
    set_user_regs(s, r);
    Ok(())
}

fn set_user_regs(s: &mut thread::ExcSave, r: &UserRegs) {
    let g = &mut s.regs;
    (g.rax, g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp, g.rsp) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
    (g.r8, g.r9, g.r10, g.r11, g.r12, g.r13, g.r14, g.r15) = (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
    g.rip = r.rip;
    g.rflags = sanitize_rflags(r.rflags);
    // Every register is now meaningful (rcx/r11 too): return with iretq.
    if g.vector == VEC_SYSCALL {
        g.vector = VEC_IRET;
    }
    s.fs_base = r.fs_base;
    s.gs_base = r.gs_base;
}

/// Entry from trap.rs for vectors 0-31 taken in user mode.
pub fn user_exception(f: &mut Frame) {
    if f.vector == 14 {
        counters::count!(page_faults);
    }
    let cr2 = if f.vector == 14 { crate::arch::cpu::read_cr2() } else { 0 };
    if f.vector == 14 && crate::extable::fixup(f, cr2) {
        return;
    }
    deliver(f, cr2);
}

/// Delivers the trapped context in `f` (vector/error filled in).
#[link_section = ".text.hot"]
pub fn deliver(f: &mut Frame, cr2: u64) {
    let t = sched::current();
    let (fs, gs) = sched::fsgs();
    match push_upcall(thread::get(t), f, fs, gs, cr2) {
        Some(i) => {
            fpu::save(&mut thread::get(t).exc[i].fpu);
            sched::load_space(t);
            count_delivered(thread::get(t).exc[i].regs.vector);
        }
        None => unhandled(f, cr2),
    }
}

/// Counts an upcall of the handler by what the trapped `vector` was.
#[inline(always)]
fn count_delivered(vector: u64) {
    match vector {
        VEC_SYSCALL => counters::count!(linux_syscalls),
        VEC_INTERRUPT => counters::count!(interrupt_upcalls),
        _ => counters::count!(exceptions),
    }
}

/// Saves the trapped context `f` of `th` (FS/GS base given; the caller
/// fills the FPU image of the returned save slot) in a new exception
/// frame and turns `f` into the upcall of the trapping component's
/// handler. None: no handler, or nesting full (nothing changed).
#[link_section = ".text.hot"]
fn push_upcall(th: &mut thread::Thread, f: &mut Frame, fs: u64, gs: u64, cr2: u64) -> Option<usize> {
    let c = comp::get(thread::current_comp(th));
    if c.handler_comp == 0 || th.nexc == MAX_EXC || th.depth == MAX_DEPTH {
        return None;
    }
    let (hc, entry, token) = (c.handler_comp, c.handler_entry, c.handler_token);
    obj::get(hc).ok()?;
    let i = th.nexc;
    let save = &mut th.exc[i];
    save.regs = *f;
    save.fs_base = fs;
    save.gs_base = gs;
    save.cr2 = cr2;
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
    Some(i)
}

/// `thd_op::INTERRUPT` of thread `t` (not the caller's own user context:
/// the caller is executing in a capability-ABI component).
pub fn interrupt(t: u64) -> KResult<u64> {
    let th = thread::get(t);
    if th.state == State::Dead || th.depth == 0 {
        return Err(Error::ThreadState);
    }
    if comp::get(thread::current_comp(th)).linux_abi && t != sched::current() {
        // Preempted in user mode: its saved context becomes the trapped
        // one, as if it had trapped where it stands.
        let mut f = th.regs;
        f.vector = VEC_INTERRUPT;
        f.error = 0;
        let (fs, gs) = (th.fs_base, th.gs_base);
        let i = push_upcall(th, &mut f, fs, gs, 0).ok_or(Error::Depth)?;
        th.exc[i].fpu = th.fpu;
        th.regs = f;
        // This upcall is the one a fast entry's interrupt left to take.
        th.interrupt = false;
        count_delivered(VEC_INTERRUPT);
        return Ok(0);
    }
    let in_handler = (1..th.depth).any(|k| matches!(th.inv[k].kind, InvKind::Exc | InvKind::Fast) && comp::get(th.inv[k - 1].comp).linux_abi);
    if !in_handler {
        return Err(Error::Inval);
    }
    th.interrupt = true;
    Ok(1)
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
    crate::fault::dump(f);
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
    if th.interrupt && comp::get(thread::current_comp(th)).linux_abi {
        // Interrupted while its handler ran: the upcall replaces the
        // return to user mode (the context just restored is the trapped one).
        th.interrupt = false;
        f.vector = VEC_INTERRUPT;
        f.error = 0;
        deliver(f, 0);
        return Ok(());
    }
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
