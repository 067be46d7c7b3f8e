//! A one-shot run: the boot archive's `run` entry names a command (its
//! argv, each argument NUL-terminated); the server mounts the root disk,
//! has Linux exec the command in a task of its own (`table::start`),
//! with `/` as cwd and a sane environment, hands its output to the serial
//! port (`frames`), reaps it with wait4 and powers off with its status.
//! The runner is Linux's init: processes whose parent ended are
//! re-parented to it, and it reaps them as they end, as an init does, so
//! none stays a zombie holding its pid and task.
//!
//! The process's fds 0-2: for a command, stdin on the console tty (or
//! /dev/null without one) and stdout/stderr on pipes the server drains
//! here and forwards framed, so the caller gets them apart and exact;
//! with no command, `/bin/sh` with all three on the console tty.

use crate::process::exec::ExecError;
use crate::process::output;
use crate::process::table::{self, StartError};
use alloc::ffi::CString;
use core::ffi::CStr;
use alloc::format;
use alloc::vec::Vec;
use cellux_rt::{println, sys};
use lkl::consts::*;
use lkl::structs::pollfd;
use lkl::{nr, sys as lsys, Errno};

const ENV: [&CStr; 4] = [c"PATH=/bin:/sbin:/usr/bin:/usr/sbin", c"HOME=/root", c"TERM=linux", c"PWD=/"];
const TCGETS: i64 = 0x5401;
/// Shell statuses for a command that could not run.
const CANNOT_EXECUTE: u8 = 126;
const NOT_FOUND: u8 = 127;

/// Where the process's standard streams go.
enum Streams {
    Tty,
    /// Read ends of the stdout and stderr pipes.
    Pipes([i32; 2]),
}

/// Ends the run: status frame, disk synced, power off.
fn finish(code: u8) -> ! {
    output::status(code);
    let _ = lsys::sync();
    sys::power_off(true)
}

fn fail(msg: &str) -> ! {
    println!("lkl server: one-shot run failed: {}", msg);
    let _ = lsys::sync();
    sys::power_off(false)
}

/// The argv of the `run` entry (each argument NUL-terminated).
fn argv_of(cmd: &[u8]) -> Vec<&[u8]> {
    let body = cmd.strip_suffix(b"\0").unwrap_or(cmd);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == 0).collect()
}

pub fn run(started: Result<(), Errno>, devices: usize, cmd: &[u8]) -> ! {
    if let Err(e) = started {
        fail(&format!("Linux did not boot ({})", -e.0));
    }
    if devices == 0 {
        fail("no virtio-blk root disk");
    }
    if let Err((why, v)) = crate::boot::rootdisk::mount_root().and_then(|_| crate::boot::rootdisk::system_mounts()) {
        fail(&format!("root filesystem: {} ({})", why, v));
    }
    if let Err((why, v)) = crate::boot::net::loopback_up() {
        fail(&format!("loopback interface: {} ({})", why, v));
    }
    // eth0 when `scripts/run --net` or `--wire` gave the machine a NIC;
    // --wire names its addresses in the entry `wire`.
    let wire = match crate::boot::archive::find("wire").map(crate::boot::net::Wire::parse) {
        None => None,
        Some(Ok(w)) => Some(w),
        Some(Err(why)) => fail(&format!("archive entry wire: {}", why)),
    };
    match crate::boot::net::ethernet_up(wire.as_ref()) {
        Ok(Some(how)) => println!("lklsrv: eth0 up, {}", how),
        Ok(None) => {}
        Err((why, v)) => fail(&format!("eth0: {} ({})", why, v)),
    }
    let mut argv = argv_of(cmd);
    let interactive = argv.is_empty();
    if interactive {
        if console_tty().is_none() {
            output::message("cellux: no command given, and no interactive console: /dev/console is not a Linux tty\n");
            finish(NOT_FOUND)
        }
        argv.push(b"/bin/sh");
    }
    let shown = core::str::from_utf8(argv[0]).unwrap_or("?");
    // Split on NUL: none inside.
    let Ok(args) = argv.iter().map(|a| CString::new(*a)).collect::<Result<Vec<_>, _>>() else { fail("NUL in the command") };
    let args: Vec<&CStr> = args.iter().map(|a| a.as_c_str()).collect();
    // From the exec to reaping the process, as tests/bench/linux-init.c
    // times a fork, execve and waitpid: scripts/bench's busybox-ls figure.
    let t0 = crate::host::timer::now_ns();
    let streams = match streams(interactive) {
        Ok(s) => s,
        Err((why, e)) => fail(&format!("{} ({})", why, e.0)),
    };
    // Announced before the process can write anything to the console.
    if let Streams::Tty = streams {
        output::tty_mode();
    }
    let untyped = cellux_process::frames::untyped_frames();
    // scripts/run --strace: an archive entry `strace` traces the command
    // and every process it makes.
    let trace = crate::boot::archive::find("strace").is_some();
    let started = table::start(args[0], &args, &ENV, trace);
    // The child has its copies; the server keeps only the read ends.
    for fd in 0..3 {
        let _ = lsys::close(fd);
    }
    let pid = match started {
        Ok(pid) => pid,
        Err(StartError::Exec(ExecError::Refused(e))) => {
            let (code, why) = refusal(e);
            output::message(&format!("cellux: {}: {}\n", shown, why));
            finish(code)
        }
        Err(e) => fail(&format!("building the process: {:?}", e)),
    };
    // scripts/run --crash (tests only): a fault on purpose, later.
    crate::boot::crashtest::arm();
    // scripts/run --frames-every: the frame count over time (a soak's
    // memory curve).
    watch_frames(untyped);
    let mut status = None;
    if let Streams::Pipes(rd) = streams {
        drain(rd, pid, &mut status);
    }
    match wait_for(pid, status) {
        Ok(status) => {
            println!("lkl server: one-shot run took {} us", (crate::host::timer::now_ns() - t0) / 1000);
            account(untyped);
            finish(shell_status(status))
        }
        Err(e) => fail(&format!("wait4 ({})", e.0)),
    }
}

/// Reaps every child that has ended, without waiting: orphans, and the
/// command itself, whose wait status goes to `status`.
fn reap_ended_children(cmd: i32, status: &mut Option<i32>) {
    while let Ok((pid, st)) = lsys::wait4(-1, WNOHANG) {
        if pid <= 0 {
            break;
        }
        if pid == cmd {
            *status = Some(st);
        }
    }
}

/// The command's wait status, reaping the orphans that end before it.
fn wait_for(cmd: i32, status: Option<i32>) -> Result<i32, Errno> {
    if let Some(st) = status {
        return Ok(st);
    }
    loop {
        match lsys::wait4(-1, 0) {
            Ok((pid, st)) if pid == cmd => return Ok(st),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reports the kernel's untyped frames of ours before the first process
/// and now that every process is gone (tests/suites/53-noleak holds the
/// two equal): what processes took and did not give back.
/// With the boot archive entry `frames` ("SECONDS"), a thread prints the
/// server's untyped frames every SECONDS, as `lkl server: frames at=Ts
/// untyped=N` (T: seconds since the command started), for a long run's
/// curve (scripts/stress soak); the first line is the count before the
/// command started.
fn watch_frames(before: u64) {
    let Some(entry) = crate::boot::archive::find("frames") else { return };
    let secs = core::str::from_utf8(entry).ok().and_then(|s| s.trim().parse::<u64>().ok()).filter(|&s| s > 0);
    let Some(secs) = secs else {
        println!("lkl server: archive entry frames: not a number of seconds");
        return;
    };
    println!("lkl server: frames at=0s untyped={}", before);
    let arg = secs.min(1 << 20) as usize as *mut core::ffi::c_void;
    if let Err(e) = crate::host::thread::spawn(frames_every, arg) {
        println!("lkl server: frames: no thread: {:?}", e);
    }
}

extern "C" fn frames_every(arg: *mut core::ffi::c_void) {
    let secs = arg as usize as u64;
    let mut at = 0;
    loop {
        let _ = lsys::nanosleep(secs * 1_000_000_000);
        at += secs;
        println!("lkl server: frames at={}s untyped={}", at, cellux_process::frames::untyped_frames());
    }
}

fn account(before: u64) {
    for _ in 0..100 {
        if !table::reap_ended() {
            break;
        }
        let _ = lsys::nanosleep(10_000_000);
    }
    println!("lkl server: untyped frames before={} after={}", before, cellux_process::frames::untyped_frames());
}

/// The status and message a shell gives for an exec Linux refused.
fn refusal(e: Errno) -> (u8, &'static str) {
    match e {
        Errno::ENOENT | Errno::ENOTDIR => (NOT_FOUND, "not found"),
        Errno::EACCES => (CANNOT_EXECUTE, "permission denied"),
        Errno::ENOEXEC => (CANNOT_EXECUTE, "exec format error: not a static x86_64 ELF (dynamically linked ones are not run)"),
        Errno::E2BIG => (CANNOT_EXECUTE, "argument list too long"),
        _ => (CANNOT_EXECUTE, "cannot execute"),
    }
}

/// What a shell reports for a wait status.
fn shell_status(status: i32) -> u8 {
    let sig = status & 0x7f;
    if sig == 0 { ((status >> 8) & 0xff) as u8 } else { 128u8.wrapping_add(sig as u8) }
}

fn is_tty(fd: i32) -> bool {
    let mut termios = [0u8; 64];
    lkl::syscall(nr::IOCTL, &[fd as i64, TCGETS, termios.as_mut_ptr() as i64]).is_ok()
}

/// The console device, when Linux has a tty there.
fn console_tty() -> Option<i32> {
    let fd = lsys::open(c"/dev/console", O_RDWR | O_CLOEXEC, 0).ok()?;
    if is_tty(fd) {
        return Some(fd);
    }
    let _ = lsys::close(fd);
    None
}

fn dup_to(fd: i32, to: i64) -> Result<(), (&'static str, Errno)> {
    lkl::syscall(nr::DUP3, &[fd as i64, to, 0]).map(|_| ()).map_err(|e| ("dup3", e))
}

/// An fd above 2, so the dups to 0-2 below cannot land on it.
fn high(fd: i32) -> Result<i32, (&'static str, Errno)> {
    let r = lkl::syscall(nr::FCNTL, &[fd as i64, F_DUPFD_CLOEXEC, 10]).map(|v| v as i32).map_err(|e| ("fcntl", e));
    let _ = lsys::close(fd);
    r
}

/// Makes our fds 0-2 what the process's will be (its task inherits them).
/// Interactive: all three on the console tty. A command: stdin on the
/// console (or /dev/null without a tty), stdout and stderr on pipes, so
/// the two stay apart and byte-exact (no tty line discipline).
fn streams(interactive: bool) -> Result<Streams, (&'static str, Errno)> {
    let tty = console_tty().map(high).transpose()?;
    if interactive {
        let tty = tty.ok_or(("no console tty", Errno::ENOTTY))?;
        for to in 0..3 {
            dup_to(tty, to)?;
        }
        let _ = lsys::close(tty);
        return Ok(Streams::Tty);
    }
    let input = match tty {
        Some(fd) => fd,
        None => high(lsys::open(c"/dev/null", O_RDWR, 0).map_err(|e| ("open /dev/null", e))?)?,
    };
    let out = lsys::pipe2(O_CLOEXEC).map_err(|e| ("pipe", e))?;
    let err = lsys::pipe2(O_CLOEXEC).map_err(|e| ("pipe", e))?;
    let rd = [high(out[0])?, high(err[0])?];
    let (wo, we) = (high(out[1])?, high(err[1])?);
    dup_to(input, 0)?;
    dup_to(wo, 1)?;
    dup_to(we, 2)?;
    for fd in [input, wo, we] {
        let _ = lsys::close(fd);
    }
    Ok(Streams::Pipes(rd))
}

/// How often the runner, blocked forwarding output, stops to reap orphans.
const REAP_EVERY_MS: i64 = 100;

/// Forwards what the process writes until both pipes reach end of file
/// (its task has exited and closed them), reaping ended children between
/// reads (the command's status into `status` if it is among them).
fn drain(rd: [i32; 2], cmd: i32, status: &mut Option<i32>) {
    let mut fds = [pollfd { fd: rd[0], events: POLLIN as i16, revents: 0 }, pollfd { fd: rd[1], events: POLLIN as i16, revents: 0 }];
    let mut buf = [0u8; output::CHUNK * 4];
    while fds.iter().any(|p| p.fd >= 0) {
        reap_ended_children(cmd, status);
        if let Err(e) = lkl::syscall(nr::POLL, &[fds.as_mut_ptr() as i64, 2, REAP_EVERY_MS]) {
            if e == Errno::EINTR {
                continue;
            }
            println!("lkl server: poll on the process's output: {}", e.0);
            return;
        }
        for (i, p) in fds.iter_mut().enumerate() {
            if p.fd < 0 || p.revents == 0 {
                continue;
            }
            match lsys::read(p.fd, &mut buf) {
                Ok(0) | Err(_) => {
                    let _ = lsys::close(p.fd);
                    p.fd = -1;
                }
                Ok(n) => output::data(i == 1, &buf[..n]),
            }
        }
    }
}
