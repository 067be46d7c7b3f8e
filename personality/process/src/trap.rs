//! The handler's side of a trapped process thread: its first fault starts
//! it, a `syscall` goes where the routing table (`route`) says, any other
//! exception raises the signal Linux would send; every way back meets the
//! thread's signals (`signals`). This is the one place a trapped call's
//! route is decided.

use cellux_abi::ops::{VEC_INTERRUPT, VEC_SYSCALL};
use cellux_abi::regs::{UserRegs, RFLAGS_USER_FIXED};
use cellux_personality::dispatch::{self, Outcome};
use linux_abi::Errno;
use cellux_personality::fault;
use cellux_personality::forward::{Caller, Forward};
use cellux_personality::route::{self, Lifecycle, Route};
use cellux_personality::strace;
use cellux_rt::entry::{Action, Upcall};

use crate::backing::Verdict;
use crate::proc::{Fault, Proc, START_TRAP_RIP};
use crate::signals;

const VEC_PAGE_FAULT: u64 = 14;
/// The page-fault error code bit of an access made in user mode.
const PF_USER: u64 = 4;

/// Where a trapped thread's registers and FPU image are: with the kernel
/// (an exception upcall: `Upcalled`) or with the handler itself (the Ring
/// 1 fast path: `Held`). A change the thread could not resume with is
/// refused (false) either way.
pub trait Context {
    fn regs(&mut self) -> Option<UserRegs>;
    fn set_regs(&mut self, r: &UserRegs) -> bool;
    fn fpu(&mut self) -> Option<[u8; 512]>;
    fn set_fpu(&mut self, f: &[u8; 512]) -> bool;
}

/// The kernel holds the context: its exception operations.
pub struct Upcalled;

impl Context for Upcalled {
    fn regs(&mut self) -> Option<UserRegs> {
        let mut r = UserRegs::default();
        cellux_rt::cap::exc_regs_read(&mut r).ok()?;
        Some(r)
    }

    fn set_regs(&mut self, r: &UserRegs) -> bool {
        cellux_rt::cap::exc_regs_write(r).is_ok()
    }

    fn fpu(&mut self) -> Option<[u8; 512]> {
        let mut f = [0u8; 512];
        cellux_rt::cap::exc_fpu_read(&mut f).ok()?;
        Some(f)
    }

    fn set_fpu(&mut self, f: &[u8; 512]) -> bool {
        cellux_rt::cap::exc_fpu_write(f).is_ok()
    }
}

/// The FPU image of a thread whose context the handler holds. Most calls
/// never look at it, so the handler need not save it all on entry: it is
/// taken when first asked for and put back on the way out only if it was
/// changed.
pub trait HeldFpu {
    fn get(&mut self) -> [u8; 512];
    fn set(&mut self, f: &[u8; 512]);
}

/// The handler holds the context (where it saved it on entry, and whence
/// it resumes the thread itself): changes are checked as the kernel
/// checks `EXC_REGS_WRITE`/`EXC_FPU_WRITE`.
pub struct Held<'a> {
    pub regs: &'a mut UserRegs,
    pub fpu: &'a mut dyn HeldFpu,
}

impl Context for Held<'_> {
    fn regs(&mut self) -> Option<UserRegs> {
        Some(*self.regs)
    }

    fn set_regs(&mut self, r: &UserRegs) -> bool {
        use cellux_abi::layout::{is_canonical, USER_END};
        if r.rip >= USER_END || !is_canonical(r.rsp) || !is_canonical(r.fs_base) || !is_canonical(r.gs_base) {
            return false;
        }
        let (vector, error, fault_addr) = (self.regs.vector, self.regs.error, self.regs.fault_addr);
        *self.regs = UserRegs { rflags: cellux_abi::regs::sanitize_rflags(r.rflags), vector, error, fault_addr, ..*r };
        true
    }

    fn fpu(&mut self) -> Option<[u8; 512]> {
        Some(self.fpu.get())
    }

    fn set_fpu(&mut self, f: &[u8; 512]) -> bool {
        let mut image = *f;
        // MXCSR bits the CPU refuses would make the restore fault.
        let mx = u32::from_le_bytes([f[24], f[25], f[26], f[27]]) & cellux_rt::cpu::mxcsr_mask();
        image[24..28].copy_from_slice(&mx.to_le_bytes());
        self.fpu.set(&image);
        true
    }
}

fn end(p: &mut Proc, status: u32) -> Action {
    p.status = Some(status);
    Action::End(u64::from(status))
}

/// The register file Linux starts a fresh image with: every general
/// register zero (rdx = 0: no rtld_fini for _start to register), only rsp
/// and rip set.
pub fn initial_regs(p: &Proc) -> UserRegs {
    UserRegs { rip: p.entry, rsp: p.sp, rflags: RFLAGS_USER_FIXED, ..UserRegs::default() }
}

/// What the process's host (the server's process half) serves: the
/// lifecycle calls, and the serialisation of address-space calls. Their
/// results come back through the same return path as every other call's,
/// so a restart code (fork's -ERESTARTNOINTR when a signal is pending)
/// turns into a delivery and a restart and never reaches the process.
pub trait Host {
    /// Serves lifecycle call `call` of thread `p`.
    fn lifecycle(&mut self, call: Lifecycle, p: &mut Proc, regs: &mut UserRegs) -> Outcome;

    /// Runs `f` on the process that holds `p`'s address space, one such
    /// call at a time (threads share one map); by default `p` itself.
    fn address_space(&mut self, p: &mut Proc, f: &mut dyn FnMut(&mut Proc) -> Outcome) -> Outcome {
        f(p)
    }
}

/// Handles exception upcall `u` of process `p`.
pub fn handle(p: &mut Proc, u: &Upcall, ctx: &mut dyn Context, fwd: &mut dyn Forward, host: &mut dyn Host) -> Action {
    if u.vector == VEC_SYSCALL {
        return syscall(p, u, ctx, fwd, host);
    }
    let Some(regs) = ctx.regs() else { return regs_lost(p) };
    if !p.started && u.vector == 14 && regs.rip == START_TRAP_RIP {
        p.started = true;
        let start = p.start_regs.unwrap_or_else(|| initial_regs(p));
        // A signal that came before the start (an interrupt of the
        // unstarted thread only resumed it) is taken now.
        return signals::on_interrupt(p, ctx, start, fwd);
    }
    if u.vector == VEC_INTERRUPT {
        // Before the start there is no process context to deliver into.
        return if p.started { signals::on_interrupt(p, ctx, regs, fwd) } else { Action::Resume };
    }
    // The P bit decides SEGV_MAPERR or SEGV_ACCERR; what the map
    // says decides it here, as Linux's VMA lookup does (a PROT_NONE
    // page or an unbacked read-only one is not present, yet ACCERR).
    let mut code_err = u.error;
    if u.vector == VEC_PAGE_FAULT {
        // Taken in user mode without the error code's user bit: an
        // access the CPU made as supervisor for the process (QEMU's
        // far returns read the stack so, and fault under SMAP). No
        // page to back makes it succeed; resuming would fault again
        // forever.
        let verdict = if u.error & PF_USER == 0 { Verdict::Denied } else { p.pages.fault(u.cr2, u.error) };
        match verdict {
            Verdict::Backed => return Action::Resume,
            // Linux's answer to a fault it cannot back is the OOM
            // killer's SIGKILL.
            Verdict::NoMemory => return end(p, fault::killed(fault::sig::SIGKILL)),
            Verdict::Denied => code_err |= 1,
            Verdict::Unmapped => code_err &= !1,
            Verdict::NoFilePage => {
                p.fault = Some(Fault { vector: u.vector, rip: regs.rip, addr: u.cr2 });
                let (signo, info) = fault::bus_error(u.cr2);
                return signals::on_fault_signal(p, ctx, u, signo, &info, regs, fwd);
            }
        }
    }
    p.fault = Some(Fault { vector: u.vector, rip: regs.rip, addr: u.cr2 });
    signals::on_fault(p, ctx, u, code_err, regs, fwd)
}

/// The trapped thread's registers could not be read (the kernel refused):
/// nothing to resume with.
fn regs_lost(p: &mut Proc) -> Action {
    end(p, fault::killed(fault::sig::SIGSEGV))
}

/// The trapped thread's register file, read into `slot` on first use.
fn read_regs<'a>(ctx: &mut dyn Context, slot: &'a mut Option<UserRegs>) -> Option<&'a mut UserRegs> {
    if slot.is_none() {
        *slot = ctx.regs();
    }
    slot.as_mut()
}

/// A trapped `syscall`. Its number and arguments come with the upcall;
/// the whole register file is read (a copy, or a kernel call where the
/// kernel holds it) only by the routes that read or rewrite it, and by a
/// delivery on the way back (`signals::after_syscall`).
fn syscall(p: &mut Proc, u: &Upcall, ctx: &mut dyn Context, fwd: &mut dyn Forward, host: &mut dyn Host) -> Action {
    // The full rax is what a restarted call is re-issued with (Linux's
    // orig_ax); the number itself is eax.
    let nr = u.rax;
    let n = dispatch::syscall_nr(nr);
    let route = route::route(n);
    let args = [u.rdi, u.rsi, u.rdx, u.r10, u.r8, u.r9];
    // The tracer reads the arguments now: an execve's are gone after it.
    let traced = p.linux.trace.then(|| strace::Call::enter(p.linux.tid, n, args, &mut p.pages));
    let mut held = None;
    // The Linux route's look at the signals, made with the call.
    let mut looked = None;
    let out = match route {
        Route::SignalReturn => {
            if let Some(c) = traced {
                fwd.trace(&c.finish(None, route, &mut p.pages));
            }
            let Some(regs) = ctx.regs() else { return regs_lost(p) };
            return signals::sigreturn(p, ctx, regs, fwd);
        }
        Route::Lifecycle(call) => {
            let Some(regs) = read_regs(ctx, &mut held) else { return regs_lost(p) };
            host.lifecycle(call, p, regs)
        }
        Route::Memory(call) => {
            let Some(r) = read_regs(ctx, &mut held) else { return regs_lost(p) };
            let r = &*r;
            host.address_space(p, &mut |owner| dispatch::memory(call, &mut owner.linux, r, &mut owner.pages, fwd))
        }
        Route::ThreadRegs => {
            let Some(regs) = read_regs(ctx, &mut held) else { return regs_lost(p) };
            dispatch::arch_prctl(regs, &mut p.pages)
        }
        Route::Linux => {
            let (v, pending) = fwd.syscall_then_look(Caller { tid: p.linux.tid }, n, args, &mut p.pages);
            looked = Some(pending);
            Outcome::Return(v)
        }
        Route::Refused => Outcome::Return(Errno::ENOSYS.as_return()),
    };
    // Resume: the route rewrote the registers it read, rax included.
    let rewritten = held.filter(|_| out == Outcome::Resume);
    if let Some(c) = traced {
        let ret = match out {
            Outcome::Return(v) => Some(v),
            Outcome::Resume => rewritten.map(|r| r.rax as i64),
            Outcome::Exit(_) => None,
        };
        fwd.trace(&c.finish(ret, route, &mut p.pages));
        if let (Outcome::Exit(status), Route::Lifecycle(Lifecycle::Exit { .. })) = (out, route) {
            fwd.trace(&strace::exit_line(p.linux.tid, status));
        }
    }
    match out {
        Outcome::Return(v) => signals::after_syscall(p, ctx, held, nr, v, false, looked, fwd),
        Outcome::Resume => match rewritten {
            Some(regs) => signals::after_syscall(p, ctx, Some(regs), nr, regs.rax as i64, true, None, fwd),
            None => regs_lost(p),
        },
        Outcome::Exit(status) => end(p, status),
    }
}
