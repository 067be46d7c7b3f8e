//! fork, vfork, and clone/clone3. A new process is a copy of the caller
//! (`cellux_process::fork`) in a slot of its own, with a Linux task cloned
//! from the caller's (pid, ppid, fd table, cwd come from Linux). The child
//! resumes from the same syscall with rax = 0; the parent gets its pid.
//! With CLONE_VFORK the parent waits until the child execs or ends.
//! The child's memory is a copy-on-write copy, except with CLONE_VM:
//! a vfork (or posix_spawn's CLONE_VM|CLONE_VFORK) child is a thread in
//! its parent's component, in its own slot and Linux process, so what it
//! writes before it execs or exits (an exec failure's errno, as glibc's
//! posix_spawn and busybox's spawn() leave it) is the parent's to read;
//! its exec builds a component of its own (`procs`).
//!
//! A new thread (CLONE_THREAD, which Linux only takes with CLONE_SIGHAND
//! and CLONE_VM) is a kernel thread in the caller's own component (same
//! page table), in a Linux task of the caller's thread group (its own
//! tid, shared fds, cwd and signal handlers as the flags say), starting
//! on the given stack with the given TLS.

use crate::process::table::{self, StartError};
use cellux_personality::dispatch::Outcome;
use lkl::Errno;
use cellux_personality::memory::Memory;
use cellux_personality::route::CloneCall;
use cellux_rt::abi::regs::UserRegs;
use cellux_process::{fork, Proc};
use lkl::consts;
use lkl::task::Task;

const CSIGNAL: u64 = consts::CSIGNAL as u64;
const CLONE_VM: u64 = consts::CLONE_VM as u64;
const CLONE_FS: u64 = consts::CLONE_FS as u64;
const CLONE_FILES: u64 = consts::CLONE_FILES as u64;
const CLONE_SIGHAND: u64 = consts::CLONE_SIGHAND as u64;
const CLONE_VFORK: u64 = consts::CLONE_VFORK as u64;
const CLONE_THREAD: u64 = consts::CLONE_THREAD as u64;
const CLONE_SYSVSEM: u64 = consts::CLONE_SYSVSEM as u64;
const CLONE_SETTLS: u64 = consts::CLONE_SETTLS as u64;
const CLONE_PARENT_SETTID: u64 = consts::CLONE_PARENT_SETTID as u64;
const CLONE_CHILD_CLEARTID: u64 = consts::CLONE_CHILD_CLEARTID as u64;
const CLONE_CHILD_SETTID: u64 = consts::CLONE_CHILD_SETTID as u64;
const CLONE_PIDFD: u64 = consts::CLONE_PIDFD as u64;
const SIGCHLD: u64 = consts::SIGCHLD as u64;
/// struct clone_args up to `tls` (CLONE_ARGS_SIZE_VER0).
const CLONE_ARGS_VER0: u64 = consts::CLONE_ARGS_SIZE_VER0 as u64;
/// The whole struct clone_args Linux 6.12 knows (up to `cgroup`).
const CLONE_ARGS_KNOWN: u64 = consts::CLONE_ARGS_SIZE_VER2 as u64;

/// One request, whichever call made it.
struct Args {
    flags: u64,
    exit_signal: u64,
    /// The child's stack pointer (0: the parent's).
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
    /// Where Linux stores the child's pidfd (CLONE_PIDFD).
    pidfd: u64,
}

/// clone3's struct, with Linux's size rules (kernel/fork.c, then
/// copy_struct_from_user): larger than a page is E2BIG, smaller than the
/// first version EINVAL; bytes past the struct Linux knows must be zero
/// (E2BIG) and readable (EFAULT).
fn clone3_args(mem: &mut dyn Memory, addr: u64, size: u64) -> Result<Args, Errno> {
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    if size < CLONE_ARGS_VER0 {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; CLONE_ARGS_KNOWN as usize];
    mem.read(addr, &mut raw[..size.min(CLONE_ARGS_KNOWN) as usize])?;
    if size > CLONE_ARGS_KNOWN {
        let mut rest = [0u8; 4096];
        let rest = &mut rest[..(size - CLONE_ARGS_KNOWN) as usize];
        mem.read(addr + CLONE_ARGS_KNOWN, rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    let f = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (flags, exit_signal, stack, size) = (f(0), f(4), f(5), f(6));
    if flags & CSIGNAL != 0 || exit_signal > 64 || (stack == 0) != (size == 0) {
        return Err(Errno::EINVAL);
    }
    let a = Args { flags, exit_signal, stack: if stack != 0 { stack + size } else { 0 }, parent_tid: f(3), child_tid: f(2), tls: f(7), pidfd: f(1) };
    pidfd_rule(a)
}

/// kernel_clone's rule: the pidfd and the parent's tid may not be stored
/// at the same place (which clone(2) always names for both).
fn pidfd_rule(a: Args) -> Result<Args, Errno> {
    if a.flags & CLONE_PIDFD != 0 && a.flags & CLONE_PARENT_SETTID != 0 && a.pidfd == a.parent_tid {
        return Err(Errno::EINVAL);
    }
    Ok(a)
}

fn args_of(kind: CloneCall, p: &mut Proc, r: &UserRegs) -> Result<Args, Errno> {
    let plain = |flags| Args { flags, exit_signal: SIGCHLD, stack: 0, parent_tid: 0, child_tid: 0, tls: 0, pidfd: 0 };
    match kind {
        CloneCall::Fork => Ok(plain(0)),
        CloneCall::Vfork => Ok(plain(CLONE_VM | CLONE_VFORK)),
        // x86_64 clone(flags, newsp, parent_tid, child_tid, tls).
        // clone(2) stores a pidfd where it stores the parent's tid.
        CloneCall::Clone => pidfd_rule(Args {
            flags: r.rdi & !CSIGNAL,
            exit_signal: r.rdi & CSIGNAL,
            stack: r.rsi,
            parent_tid: r.rdx,
            child_tid: r.r10,
            tls: r.r8,
            pidfd: r.rdx,
        }),
        CloneCall::Clone3 => clone3_args(&mut p.pages, r.rdi, r.rsi),
    }
}

fn errno_of(e: StartError) -> Errno {
    match e {
        StartError::Full => Errno::EAGAIN,
        StartError::Task(x) => x,
        StartError::Kernel(_) => Errno::ENOMEM,
        // Only the first process execs while being made.
        StartError::Exec(_) => Errno::ENOMEM,
    }
}

/// The registers a new process or thread starts with: the caller's at
/// the call, rax = 0, the new stack and TLS when given.
fn child_regs(parent_regs: &UserRegs, a: &Args) -> UserRegs {
    let mut regs = *parent_regs;
    regs.rax = 0;
    if a.stack != 0 {
        regs.rsp = a.stack;
    }
    if a.flags & CLONE_SETTLS != 0 {
        regs.fs_base = a.tls;
    }
    regs
}

/// The tid stores of CLONE_CHILD_SETTID and CLONE_PARENT_SETTID (in the
/// child's and the parent's memory; one memory for a thread). As in
/// Linux, a bad address there does not undo the clone.
fn store_tids(parent: &mut Proc, child: &mut Proc, a: &Args, tid: i32) {
    let tid = (tid as u32).to_le_bytes();
    if a.flags & CLONE_CHILD_SETTID != 0 {
        let _ = child.pages.write(a.child_tid, &tid);
    }
    if a.flags & CLONE_PARENT_SETTID != 0 {
        let _ = parent.pages.write(a.parent_tid, &tid);
    }
}

/// Returns the child's pid and, for CLONE_VFORK, its slot to wait on
/// (after the parent's process lock is released).
fn new_process(parent: &mut Proc, vm: usize, parent_regs: &UserRegs, a: &Args) -> Result<(i64, Option<usize>), Errno> {
    if a.flags & CLONE_VM != 0 {
        return borrowing_child(parent, vm, parent_regs, a);
    }
    let regs = child_regs(parent_regs, a);
    let n = table::new_slot().map_err(errno_of)?;
    let mut child = match fork::fork(parent, n.gate, 0, regs) {
        Ok(c) => c,
        Err(x) => {
            table::abandon(n);
            return Err(x.errno());
        }
    };
    // What lkl_task_clone does not take (the address space and the
    // register-level flags) is ours.
    let (task, pid) = match Task::clone_with_pidfd(a.flags & !(CLONE_VM | CLONE_VFORK), a.exit_signal as i32, a.pidfd) {
        Ok(t) => t,
        Err(x) => {
            table::discard(n, child);
            return Err(x);
        }
    };
    child.linux.tid = pid as u64;
    store_tids(parent, &mut child, a, pid);
    let clear_tid = if a.flags & CLONE_CHILD_CLEARTID != 0 { a.child_tid } else { 0 };
    let slot = n.index();
    let vfork = a.flags & CLONE_VFORK != 0;
    table::launch(n, child, task, true, vfork, clear_tid).map_err(|_| Errno::ENOMEM)?;
    Ok((pid as i64, vfork.then_some(slot)))
}

/// A vfork child sharing the address space `parent` (of slot `vm`) until
/// it execs or ends. Returns its pid and its slot, to wait on.
fn borrowing_child(parent: &mut Proc, vm: usize, parent_regs: &UserRegs, a: &Args) -> Result<(i64, Option<usize>), Errno> {
    // Without CLONE_VFORK the parent could exec or unmap under a child
    // still using the space: sharing it across an exec needs the old map
    // to change hands, which is not built.
    if a.flags & CLONE_VFORK == 0 {
        return Err(Errno::ENOSYS);
    }
    let n = table::new_slot().map_err(errno_of)?;
    let (task, pid) = match Task::clone_with_pidfd(a.flags & !(CLONE_VM | CLONE_VFORK), a.exit_signal as i32, a.pidfd) {
        Ok(t) => t,
        Err(x) => {
            table::abandon(n);
            return Err(x);
        }
    };
    let mut home = parent.thread_view(pid as u64, None);
    home.gate = n.gate;
    let mut thread = parent.thread_view(pid as u64, Some(child_regs(parent_regs, a)));
    store_tids(parent, &mut thread, a, pid);
    let clear_tid = if a.flags & CLONE_CHILD_CLEARTID != 0 { a.child_tid } else { 0 };
    let slot = n.index();
    table::launch_borrowed(n, vm, home, thread, task, clear_tid).map_err(|_| Errno::ENOMEM)?;
    Ok((pid as i64, Some(slot)))
}

/// A new thread of the process `p` (in table slot `slot`, its address
/// space in slot `vm`'s component).
fn new_thread(p: &mut Proc, slot: usize, vm: usize, parent_regs: &UserRegs, a: &Args) -> Result<i64, Errno> {
    // Linux's own rule (copy_process), before anything is made.
    if a.flags & CLONE_VFORK != 0 {
        return Err(Errno::EINVAL);
    }
    let shared = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_FS | CLONE_SYSVSEM;
    // Threads of a group have no exit signal; Linux ignores the one given.
    let (task, tid) = Task::clone_from_current(a.flags & shared, 0)?;
    let mut view = p.thread_view(tid as u64, Some(child_regs(parent_regs, a)));
    store_tids(p, &mut view, a, tid);
    let clear_tid = if a.flags & CLONE_CHILD_CLEARTID != 0 { a.child_tid } else { 0 };
    table::add_thread(slot, vm, view, task, false, clear_tid).map_err(|_| Errno::ENOMEM)?;
    Ok(tid as i64)
}

fn new_task(p: &mut Proc, slot: usize, vm: usize, regs: &UserRegs, a: &Args) -> Result<(i64, Option<usize>), Errno> {
    // Linux's flag rules (copy_process).
    if a.flags & CLONE_THREAD != 0 && a.flags & CLONE_SIGHAND == 0 || a.flags & CLONE_SIGHAND != 0 && a.flags & CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    if a.flags & CLONE_THREAD != 0 {
        new_thread(p, slot, vm, regs, a).map(|tid| (tid, None))
    } else {
        new_process(p, vm, regs, a)
    }
}

/// fork, vfork, clone or clone3 (`kind`) trapped by a thread of the process in
/// table slot `slot` with `regs`; `p`: the process holding its address
/// space (slot `vm`: its own, or a vfork parent's). With it, the slot of a
/// vfork child to wait for.
pub fn serve(kind: CloneCall, p: &mut Proc, slot: usize, vm: usize, regs: &UserRegs) -> (Outcome, Option<usize>) {
    match args_of(kind, p, regs).and_then(|a| new_task(p, slot, vm, regs, &a)) {
        Ok((v, vfork)) => (Outcome::Return(v), vfork),
        Err(x) => (Outcome::Return(x.as_return()), None),
    }
}
