//! execve and execveat: the file is read through Linux in the caller's
//! task (its cwd, its permissions), argv and envp are copied from the
//! caller's memory, and the image replaces the old one in the same
//! process component (same thread, same Linux task, so the same pid).
//! Then what Linux's exec does to the task beyond memory: close-on-exec
//! fds closed, caught signals back to their default, the name (comm) set.
//! A vfork parent goes on once the image is in place.

use crate::exe::{self, ExeError};
use crate::shebang;
use crate::tcb;
use alloc::vec::Vec;
use cellux_personality::dispatch::Outcome;
use cellux_personality::errno::Errno;
use cellux_personality::memory::Memory;
use cellux_process::{exec, trap, Proc, Spec};
use cellux_rt::abi::regs::UserRegs;
use core::sync::atomic::Ordering;
use lkl::nr;

pub const EXECVE: u64 = lkl::nr::EXECVE as u64;
pub const EXECVEAT: u64 = lkl::nr::EXECVEAT as u64;

const PAGE: u64 = 4096;
const PATH_MAX: usize = 4096;
/// Linux's MAX_ARG_STRLEN.
const ARG_MAX_ONE: usize = 32 * PAGE as usize;
/// What the initial stack can hold (the loader's room is 64 KiB).
const ARGS_TOTAL: usize = 64 * 1024;
const AT_FDCWD: i64 = -100;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_EMPTY_PATH: u64 = 0x1000;
const O_RDONLY_CLOEXEC: i64 = 0o2000000;
const O_NOFOLLOW: i64 = 0o400000;
const F_GETFD: i64 = 1;
const FD_CLOEXEC: i64 = 1;
const PR_SET_NAME: i64 = 15;
/// fds looked at for close-on-exec (the default RLIMIT_NOFILE).
const MAX_FDS: i64 = 1024;
const E2BIG: Errno = Errno(7);
const ENAMETOOLONG: Errno = Errno(36);
const SIGKILL: u32 = 9;
const ELOOP: Errno = Errno(40);
/// Linux's BINPRM_MAX_RECURSION.
const MAX_SCRIPT_DEPTH: usize = 4;

/// Linux calls whose pointers are server memory, on a process thread.
fn on_server_memory<R>(f: impl FnOnce() -> R) -> R {
    let me = tcb::me();
    let pt = me.user_pt.swap(0, Ordering::AcqRel);
    let r = f();
    me.user_pt.store(pt, Ordering::Release);
    r
}

/// A NUL-terminated string of user memory, without its NUL; read a page
/// at most at a time, so a string ending just before an unmapped page is fine.
fn user_string(mem: &mut dyn Memory, addr: u64, max: usize, too_long: Errno) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut at = addr;
    let mut chunk = [0u8; 256];
    loop {
        let n = (chunk.len() as u64).min(PAGE - at % PAGE) as usize;
        mem.read(at, &mut chunk[..n])?;
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() >= max {
            return Err(too_long);
        }
        at += n as u64;
    }
}

/// argv or envp: a NULL-terminated array of string pointers (NULL: none).
fn user_strings(mem: &mut dyn Memory, addr: u64, total: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    for i in 0.. {
        let mut p = [0u8; 8];
        mem.read(addr + i * 8, &mut p)?;
        let p = u64::from_le_bytes(p);
        if p == 0 {
            break;
        }
        let s = user_string(mem, p, ARG_MAX_ONE, E2BIG)?;
        *total += s.len() + 1 + 8;
        if *total > ARGS_TOTAL {
            return Err(E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// The executable's bytes, opened as the calling task.
fn read_image(dirfd: i64, path: &[u8], flags: u64) -> Result<Vec<u8>, Errno> {
    let io = |e: lkl::Errno| Errno(e.0 as i32);
    let fd = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        None
    } else if path.is_empty() {
        return Err(Errno(2)); // ENOENT
    } else {
        let mut c = Vec::with_capacity(path.len() + 1);
        c.extend_from_slice(path);
        c.push(0);
        let nofollow = if flags & AT_SYMLINK_NOFOLLOW != 0 { O_NOFOLLOW } else { 0 };
        let fd = on_server_memory(|| lkl::syscall(nr::OPENAT, &[dirfd, c.as_ptr() as i64, O_RDONLY_CLOEXEC | nofollow, 0]));
        Some(fd.map_err(io)? as i32)
    };
    let r = on_server_memory(|| exe::read_fd(fd.unwrap_or(dirfd as i32)));
    if let Some(fd) = fd {
        let _ = lkl::syscall(nr::CLOSE, &[fd as i64]);
    }
    r.map_err(|e| match e {
        ExeError::Io(x) => io(x),
        ExeError::NotRegular => Errno::EACCES,
        ExeError::TooLarge(_) => Errno::ENOMEM,
    })
}

/// Linux's exec-time changes to the task itself (do_close_on_exec,
/// flush_signal_handlers, __set_task_comm), through its own calls.
fn linux_side(path: &[u8]) {
    for fd in 0..MAX_FDS {
        if lkl::syscall(nr::FCNTL, &[fd, F_GETFD, 0]).is_ok_and(|f| f & FD_CLOEXEC != 0) {
            let _ = lkl::syscall(nr::CLOSE, &[fd]);
        }
    }
    on_server_memory(|| {
        for sig in 1..=64i64 {
            // struct sigaction: handler, flags, restorer, mask.
            let mut old = [0u64; 4];
            let got = lkl::syscall(nr::RT_SIGACTION, &[sig, 0, old.as_mut_ptr() as i64, 8]);
            // SIG_DFL is 0, SIG_IGN 1: an ignored signal stays ignored.
            if got.is_ok() && old[0] > 1 {
                let dfl = [0u64; 4];
                let _ = lkl::syscall(nr::RT_SIGACTION, &[sig, dfl.as_ptr() as i64, 0, 8]);
            }
        }
        let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let mut comm = [0u8; 16];
        let n = base.len().min(15);
        comm[..n].copy_from_slice(&base[..n]);
        let _ = lkl::syscall(nr::PRCTL, &[PR_SET_NAME, comm.as_ptr() as i64, 0, 0, 0]);
    });
}

fn replace(p: &mut Proc, r: &UserRegs) -> Result<(), (Errno, bool)> {
    let soft = |x: Errno| (x, false);
    let (dirfd, path, argv, envp, flags) =
        if r.rax == EXECVE { (AT_FDCWD, r.rdi, r.rsi, r.rdx, 0) } else { (r.rdi as i32 as i64, r.rsi, r.rdx, r.r10, r.r8) };
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(soft(Errno::EINVAL));
    }
    let mem = &mut p.pages;
    let path = user_string(mem, path, PATH_MAX, ENAMETOOLONG).map_err(soft)?;
    let mut total = 0;
    let argv = user_strings(mem, argv, &mut total).map_err(soft)?;
    let envp = user_strings(mem, envp, &mut total).map_err(soft)?;
    let mut image = read_image(dirfd, &path, flags).map_err(soft)?;
    let mut argv = argv;
    // A script runs its interpreter with [interp, arg?, script, argv[1..]],
    // nested up to Linux's BINPRM_MAX_RECURSION.
    let mut script = path.clone();
    let mut depth = 0;
    while let Some(found) = shebang::parse(&image) {
        let (interp, arg) = found.map_err(soft)?;
        depth += 1;
        if depth > MAX_SCRIPT_DEPTH {
            return Err(soft(ELOOP));
        }
        total += interp.len() + script.len() + arg.as_ref().map_or(0, |a| a.len() + 1 + 8) + 2 * (1 + 8);
        if total > ARGS_TOTAL {
            return Err(soft(E2BIG));
        }
        let mut v = Vec::with_capacity(argv.len() + 3);
        v.push(interp.clone());
        v.extend(arg);
        v.push(script);
        v.extend(argv.into_iter().skip(1));
        argv = v;
        image = read_image(AT_FDCWD, &interp, 0).map_err(soft)?;
        script = interp;
    }
    let argv: Vec<&[u8]> = argv.iter().map(|s| s.as_slice()).collect();
    let envp: Vec<&[u8]> = envp.iter().map(|s| s.as_slice()).collect();
    let spec = Spec { image: &image, argv: &argv, envp: &envp, execfn: &path, pid: p.linux.tid, gate: p.gate };
    exec(p, &spec).map_err(|(x, lost)| (x.errno(), lost))?;
    linux_side(&path);
    Ok(())
}

/// execve or execveat trapped by process `p` with `regs`. On success
/// `regs` become the new image's first ones and `exec_done` runs (a vfork
/// parent may go on).
pub fn serve(p: &mut Proc, regs: &mut UserRegs, exec_done: impl FnOnce()) -> Outcome {
    match replace(p, regs) {
        Ok(()) => {
            exec_done();
            *regs = trap::initial_regs(p);
            Outcome::Resume
        }
        // Past the point of no return: Linux kills the process.
        Err((_, true)) => Outcome::Exit(SIGKILL),
        Err((x, false)) => Outcome::Return(x.as_return()),
    }
}
