//! fork, vfork, and clone/clone3 for new processes: a copy of the caller
//! (`cellux_process::fork`) in a slot of its own, with a Linux task cloned
//! from the caller's (pid, ppid, fd table, cwd come from Linux). The child
//! resumes from the same syscall with rax = 0; the parent gets its pid.
//! With CLONE_VFORK the parent waits until the child execs or ends. The
//! copy is eager, so CLONE_VM|CLONE_VFORK (posix_spawn) gets a copy too:
//! the child's writes before exec are not seen by the parent.

use crate::procs::{self, StartError};
use cellux_personality::dispatch::Outcome;
use cellux_personality::errno::Errno;
use cellux_personality::memory::Memory;
use cellux_rt::abi::regs::UserRegs;
use cellux_process::{fork, Proc};
use lkl::task::Task;

pub const CLONE: u64 = 56;
pub const FORK: u64 = 57;
pub const VFORK: u64 = 58;
pub const CLONE3: u64 = 435;

const CSIGNAL: u64 = 0xff;
const CLONE_VM: u64 = 0x100;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
const SIGCHLD: u64 = 17;
/// struct clone_args up to `tls` (CLONE_ARGS_SIZE_VER0).
const CLONE_ARGS_VER0: u64 = 64;

/// One request, whichever call made it.
struct Args {
    flags: u64,
    exit_signal: u64,
    /// The child's stack pointer (0: the parent's).
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
}

fn clone3_args(mem: &mut dyn Memory, addr: u64, size: u64) -> Result<Args, Errno> {
    if size < CLONE_ARGS_VER0 || size > 4096 {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; CLONE_ARGS_VER0 as usize];
    mem.read(addr, &mut raw)?;
    let f = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (flags, exit_signal, stack, size) = (f(0), f(4), f(5), f(6));
    if flags & CSIGNAL != 0 || exit_signal > 64 || (stack == 0) != (size == 0) {
        return Err(Errno::EINVAL);
    }
    Ok(Args { flags, exit_signal, stack: if stack != 0 { stack + size } else { 0 }, parent_tid: f(3), child_tid: f(2), tls: f(7) })
}

fn args_of(p: &mut Proc, r: &UserRegs) -> Result<Args, Errno> {
    let plain = |flags| Args { flags, exit_signal: SIGCHLD, stack: 0, parent_tid: 0, child_tid: 0, tls: 0 };
    match r.rax {
        FORK => Ok(plain(0)),
        VFORK => Ok(plain(CLONE_VM | CLONE_VFORK)),
        // x86_64 clone(flags, newsp, parent_tid, child_tid, tls).
        CLONE => Ok(Args { flags: r.rdi & !CSIGNAL, exit_signal: r.rdi & CSIGNAL, stack: r.rsi, parent_tid: r.rdx, child_tid: r.r10, tls: r.r8 }),
        _ => clone3_args(&mut p.pages, r.rdi, r.rsi),
    }
}

fn errno_of(e: StartError) -> Errno {
    match e {
        StartError::Full => Errno(11), // EAGAIN
        StartError::Task(x) => Errno(x.0 as i32),
        StartError::Spawn(s) => s.errno(),
        StartError::Kernel(_) => Errno::ENOMEM,
    }
}

fn new_process(parent: &mut Proc, parent_regs: &UserRegs, a: &Args) -> Result<i64, Errno> {
    if a.flags & CLONE_THREAD != 0 && a.flags & CLONE_SIGHAND == 0 || a.flags & CLONE_SIGHAND != 0 && a.flags & CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    // Threads (CLONE_VM without CLONE_VFORK) need a shared address space.
    if a.flags & CLONE_VM != 0 && a.flags & CLONE_VFORK == 0 {
        return Err(Errno::ENOSYS);
    }
    let mut regs = *parent_regs;
    regs.rax = 0;
    if a.stack != 0 {
        regs.rsp = a.stack;
    }
    if a.flags & CLONE_SETTLS != 0 {
        regs.fs_base = a.tls;
    }
    let n = procs::new_slot().map_err(errno_of)?;
    let mut child = match fork::fork(parent, n.gate, 0, regs) {
        Ok(c) => c,
        Err(x) => {
            procs::abandon(n);
            return Err(x.errno());
        }
    };
    // What lkl_task_clone does not take (the address space and the
    // register-level flags) is ours.
    let (task, pid) = match Task::clone_from_current(a.flags & !(CLONE_VM | CLONE_VFORK), a.exit_signal as i32) {
        Ok(t) => t,
        Err(x) => {
            procs::discard(n, child);
            return Err(Errno(x.0 as i32));
        }
    };
    child.linux.tid = pid as u64;
    let tid = (pid as u32).to_le_bytes();
    if a.flags & CLONE_CHILD_SETTID != 0 {
        let _ = child.pages.write(a.child_tid, &tid);
    }
    if a.flags & CLONE_CHILD_CLEARTID != 0 {
        child.linux.clear_child_tid = a.child_tid;
    }
    if a.flags & CLONE_PARENT_SETTID != 0 {
        let _ = parent.pages.write(a.parent_tid, &tid);
    }
    let slot = n.index();
    let vfork = a.flags & CLONE_VFORK != 0;
    procs::launch(n, child, task, true, vfork).map_err(|_| Errno::ENOMEM)?;
    if vfork {
        procs::vfork_wait(slot);
    }
    Ok(pid as i64)
}

/// fork, vfork, clone or clone3 trapped by process `p` with `regs`.
pub fn serve(p: &mut Proc, regs: &UserRegs) -> Outcome {
    let r = args_of(p, regs).and_then(|a| new_process(p, regs, &a));
    Outcome::Return(r.unwrap_or_else(|x| x.as_return()))
}
