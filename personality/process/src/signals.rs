//! The way back to a process thread, where its signals are delivered: the
//! personality decides (frames, restarts, rt_sigreturn), this applies the
//! decision to the trapped thread's registers and FPU image where they
//! are held (`trap::Context`).

use cellux_abi::regs::UserRegs;
use cellux_personality::fault;
use cellux_personality::forward::{Caller, Forward};
use cellux_personality::signal::{self, Ending, TrapInfo};
use cellux_personality::sigreturn;
use cellux_rt::entry::{Action, Upcall};

use crate::proc::Proc;
use crate::trap::Context;

/// The kernel refused the thread's registers or FPU image: a return to
/// user mode at a kernel or non-canonical rip or rsp, which an
/// rt_sigreturn frame can ask for. Linux's return to such a context
/// faults and the process dies by SIGSEGV (a handler of its own aside:
/// not run here). Ending the thread alone, as before, left its Linux task
/// without a thread, a process no SIGKILL could end
/// (tests/conformance/sigreturnbad.c).
fn regs_refused(p: &mut Proc) -> Action {
    end(p, fault::killed(fault::sig::SIGSEGV))
}

fn caller(p: &Proc) -> Caller {
    Caller { tid: p.linux.tid }
}

fn end(p: &mut Proc, status: u32) -> Action {
    p.status = Some(status);
    Action::End(u64::from(status))
}

/// Runs delivery for a thread about to resume with `regs`; `forced`: the
/// signal a CPU exception raised, which must get a frame, or the thread
/// would only fault again (Linux's force_sig kills when it is blocked or
/// ignored).
fn deliver(p: &mut Proc, ctx: &mut dyn Context, mut regs: UserRegs, syscall: Option<u64>, trap: TrapInfo, forced: u32, fwd: &mut dyn Forward) -> Action {
    let Some(mut fpu) = ctx.fpu() else { return regs_refused(p) };
    let who = caller(p);
    match signal::deliver(&mut regs, &mut fpu, syscall, trap, &mut p.pages, fwd, who) {
        Ending::Resume { first } if forced != 0 && first != forced => end(p, fault::killed(forced)),
        Ending::Resume { .. } if ctx.set_regs(&regs) && ctx.set_fpu(&fpu) => Action::Resume,
        Ending::Resume { .. } => regs_refused(p),
        Ending::Exit { status, .. } => end(p, status),
    }
}

/// After syscall `nr` returned `ret` (already in `held.rax` when the
/// personality rewrote the registers): the fast path when nothing is
/// pending and nothing is to restart. `held`: the registers as the call's
/// route read them (and `rewritten`: changed them), if it did; a delivery
/// reads them otherwise. `looked`: what `fwd.signal_pending` answered
/// already, with nothing since that could change it (`syscall_then_look`).
pub fn after_syscall(p: &mut Proc, ctx: &mut dyn Context, held: Option<UserRegs>, nr: u64, ret: i64, rewritten: bool, looked: Option<bool>, fwd: &mut dyn Forward) -> Action {
    if !signal::is_restart(ret) && !looked.unwrap_or_else(|| fwd.signal_pending(caller(p))) {
        return match held {
            Some(regs) if rewritten => if ctx.set_regs(&regs) { Action::Resume } else { regs_refused(p) },
            _ => Action::ResumeRax(ret as u64),
        };
    }
    let Some(mut regs) = held.or_else(|| ctx.regs()) else { return regs_refused(p) };
    regs.rax = ret as u64;
    deliver(p, ctx, regs, Some(nr), TrapInfo::default(), 0, fwd)
}

/// rt_sigreturn: a bad frame kills with SIGSEGV as Linux's badframe
/// does; otherwise the restored thread may meet its next signal (the
/// mask just restored can unblock one).
pub fn sigreturn(p: &mut Proc, ctx: &mut dyn Context, mut regs: UserRegs, fwd: &mut dyn Forward) -> Action {
    let Some(mut fpu) = ctx.fpu() else { return regs_refused(p) };
    let who = caller(p);
    if sigreturn::sigreturn(&mut regs, &mut fpu, &mut p.pages, fwd, who).is_err() {
        return end(p, fault::killed(fault::sig::SIGSEGV));
    }
    if !ctx.set_fpu(&fpu) {
        return regs_refused(p);
    }
    if !fwd.signal_pending(who) {
        return if ctx.set_regs(&regs) { Action::Resume } else { regs_refused(p) };
    }
    deliver(p, ctx, regs, None, TrapInfo::default(), 0, fwd)
}

/// The thread was interrupted (`thd_op::INTERRUPT`: a signal came while
/// it ran in user mode) or starts with `regs`: it takes what is pending,
/// nothing restarts. The look at its signals also re-arms the next
/// interruption (lkl_task_signal_pending).
pub fn on_interrupt(p: &mut Proc, ctx: &mut dyn Context, regs: UserRegs, fwd: &mut dyn Forward) -> Action {
    if !fwd.signal_pending(caller(p)) {
        return if ctx.set_regs(&regs) { Action::Resume } else { regs_refused(p) };
    }
    deliver(p, ctx, regs, None, TrapInfo::default(), 0, fwd)
}

/// A CPU exception: the signal Linux's trap handler would force is
/// queued in Linux so the process's own handler runs. When it does not
/// (blocked or ignored: Linux's force_sig resets it to the default) or
/// Linux cannot take it, the process dies by that signal. `code_err`:
/// the error code the si_code follows (a page fault's P bit as the map
/// has it); the frame gets the CPU's.
pub fn on_fault(p: &mut Proc, ctx: &mut dyn Context, u: &Upcall, code_err: u64, regs: UserRegs, fwd: &mut dyn Forward) -> Action {
    let (signo, info) = fault::siginfo_for(u.vector, code_err, u.cr2, regs.rip);
    on_fault_signal(p, ctx, u, signo, &info, regs, fwd)
}

/// As [`on_fault`], with the signal and siginfo given (a page fault that
/// is SIGBUS: `fault::bus_error`).
pub fn on_fault_signal(p: &mut Proc, ctx: &mut dyn Context, u: &Upcall, signo: u32, info: &[u8; 128], regs: UserRegs, fwd: &mut dyn Forward) -> Action {
    let who = caller(p);
    if fwd.raise(who, signo, info).is_err() {
        return end(p, fault::killed(signo));
    }
    let trap = TrapInfo { trapno: u.vector, err: u.error, cr2: u.cr2 };
    deliver(p, ctx, regs, None, trap, signo, fwd)
}
