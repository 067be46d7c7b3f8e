//! execve and execveat: Linux's own, run in the caller's task with the
//! caller's pointers (argv and envp are read from its memory by Linux's
//! uaccess). Linux does all that exec does to the task: permission and
//! format checks, `#!` scripts (binfmt_script), the other threads ended,
//! close-on-exec, signal handlers reset, credentials, comm and
//! /proc/self/exe. Its format for our images (arch/lkl/kernel/binfmt.c)
//! maps nothing: it leaves the file and the final strings, from which the
//! new image is built here in the same process component (same thread,
//! same Linux task, so the same pid), or, for a vfork child that borrows
//! its parent's address space and for the first process (`procs::start`),
//! in a new component of its own. A vfork parent goes on once the image
//! is in place.

use alloc::vec::Vec;
use cellux_personality::dispatch::{self, Outcome};
use cellux_personality::fault;
use cellux_process::{exec, spawn, trap, Proc, Spec};
use cellux_rt::abi::regs::UserRegs;
use lkl::exec::{image_info, take_image};


/// The end of a process whose exec failed past Linux's point of no return.
pub fn lost() -> Outcome {
    Outcome::Exit(fault::killed(fault::sig::SIGKILL))
}

/// What Linux's execve left for the new image.
pub struct NewImage {
    image: Vec<u8>,
    /// argv, envp and the file name, NUL-terminated each.
    strings: Vec<u8>,
    argc: usize,
    envc: usize,
    creds: linux_abi::ExecCreds,
}

/// A zero-filled buffer of `n` bytes, or None when the heap has no room.
fn buffer(n: usize) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, 0);
    Some(v)
}

/// Why an exec gave no new image.
#[derive(Debug)]
pub enum ExecError {
    /// Linux refused it; the task goes on as it was.
    Refused(lkl::Errno),
    /// Linux went past its point of no return and the image cannot be
    /// had: the process's end.
    Lost,
}

/// Runs Linux's execve (or execveat) trapped with `r` in the caller's
/// task. `Err`: what the process gets instead of a new image: the errno
/// of a refusal, or its end.
pub fn linux_exec(r: &UserRegs) -> Result<NewImage, Outcome> {
    let args = [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9].map(|a| a as i64);
    run(dispatch::syscall_nr(r.rax), &args).map_err(|e| match e {
        ExecError::Refused(e) => Outcome::Return(-e.0),
        ExecError::Lost => lost(),
    })
}

/// Linux's execve or execveat (`nr`) with `args` in the caller's task.
/// Its pointers are user addresses of the process the thread serves, or
/// the server's own for a thread serving none (the first process's).
pub fn run(nr: i64, args: &[i64]) -> Result<NewImage, ExecError> {
    lkl::syscall(nr, args).map_err(ExecError::Refused)?;
    let info = image_info().map_err(|_| ExecError::Lost)?;
    let mut image = buffer(info.image_len).ok_or(ExecError::Lost)?;
    let mut strings = buffer(info.strings_len).ok_or(ExecError::Lost)?;
    take_image(&mut image, &mut strings).map_err(|_| ExecError::Lost)?;
    Ok(NewImage { image, strings, argc: info.argc, envc: info.envc, creds: info.creds })
}

/// Builds `img` in process `p` (its `view`: the calling thread's handle);
/// on success `regs` become the new image's first ones and `exec_done`
/// runs (a vfork parent may go on). Linux is past its point of no
/// return: a failure kills the process.
pub fn build(p: &mut Proc, view: &mut Proc, img: NewImage, regs: &mut UserRegs, exec_done: impl FnOnce()) -> Outcome {
    // The caller may have been another thread than the first: Linux gave
    // it the process's pid (de_thread).
    let pid = caller_pid().unwrap_or(p.linux.tid);
    p.linux.tid = pid;
    view.linux.tid = pid;
    let inherited = view.linux.trace;
    let built = with_spec(&img, pid, p.gate, |spec| exec(p, spec).map(|()| traced(spec.envp, inherited)));
    let Some(Ok(trace)) = built else { return lost() };
    p.linux.trace = trace;
    view.linux.trace = trace;
    exec_done();
    *regs = trap::initial_regs(p);
    Outcome::Resume
}

/// Builds `img` as a new process component trapping to `gate`, with the
/// caller's pid; its thread is not made yet; `trace`: the caller was
/// traced. Linux is past its point of no return: the only error is
/// `Lost`, the process's end.
pub fn fresh(img: NewImage, gate: u32, trace: bool) -> Result<Proc, ExecError> {
    let pid = caller_pid().map_err(|_| ExecError::Lost)?;
    let built = with_spec(&img, pid, gate, |spec| spawn(spec).map(|p| (p, traced(spec.envp, trace))));
    match built {
        Some(Ok((mut p, trace))) => {
            p.linux.trace = trace;
            Ok(p)
        }
        _ => Err(ExecError::Lost),
    }
}

/// Whether a new image is traced: as its environment's `CELLUX_STRACE`
/// says (set and neither empty nor "0": on), else as the caller was.
/// This is how a process inside cellux turns the tracer on for a
/// command: `CELLUX_STRACE=1 ls`.
fn traced(envp: &[&[u8]], inherited: bool) -> bool {
    match envp.iter().find_map(|e| e.strip_prefix(b"CELLUX_STRACE=")) {
        Some(v) => !v.is_empty() && v != b"0",
        None => inherited,
    }
}

/// The calling task's pid, as Linux's exec left it.
fn caller_pid() -> Result<u64, lkl::Errno> {
    lkl::syscall(lkl::nr::GETPID, &[]).map(|p| p as u64)
}

/// Runs `f` on the image's start-up description (argv, envp and the file
/// name from its strings); None when the strings are not what Linux said.
fn with_spec<R>(img: &NewImage, pid: u64, gate: u32, f: impl FnOnce(&Spec) -> R) -> Option<R> {
    let mut parts = img.strings.split(|&b| b == 0);
    let argv: Vec<&[u8]> = parts.by_ref().take(img.argc).collect();
    let envp: Vec<&[u8]> = parts.by_ref().take(img.envc).collect();
    let execfn = parts.next().unwrap_or(b"");
    if argv.len() != img.argc || envp.len() != img.envc {
        return None;
    }
    Some(f(&Spec { image: &img.image, argv: &argv, envp: &envp, execfn, pid, gate, creds: img.creds }))
}
