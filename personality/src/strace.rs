//! The syscall tracer's lines, in strace's format: `PID name(args) =
//! result <route>`, errors as `-1 ENAME`, paths and buffers as quoted
//! strings (escaped and cut at 32 bytes as strace does), flags by name for
//! the common calls, and a delivered signal or a process's end as strace
//! shows them. Pure formatting: the trap handler asks for a line only for a
//! traced process, so an untraced one pays one flag test per call.
//!
//! Arguments are read before the call (an execve's are gone after it) and
//! the line is finished after it, when output buffers hold what the call
//! wrote.

use alloc::string::String;
use core::fmt::Write;

use crate::memory::Memory;
use crate::route::{Mm, Route};
use linux_abi::{nr, Errno};

/// How strace shows one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// Signed decimal.
    Int,
    /// Unsigned hexadecimal.
    Hex,
    /// A pointer: NULL or hexadecimal.
    Ptr,
    /// A file descriptor, or AT_FDCWD.
    Fd,
    /// A NUL-terminated string (a path).
    Path,
    /// Bytes the call reads from the process, as many as argument `n` says.
    InBuf(usize),
    /// Bytes the call writes to the process, as many as it returned.
    OutBuf,
    /// open's flags.
    OpenFlags,
    /// A file mode, in octal.
    Mode,
    /// mmap/mprotect's protection.
    Prot,
    /// mmap's flags.
    MapFlags,
    /// A signal number.
    Sig,
    /// execve's argument vector.
    Argv,
    /// execve's environment: strace shows its address and count.
    Envp,
}

use Arg::*;

/// The arguments strace shows for the calls it knows by name; `None`:
/// every register in hex, as strace does for calls it does not know.
fn signature(name: &str) -> Option<&'static [Arg]> {
    Some(match name {
        "read" => &[Fd, OutBuf, Int],
        "pread64" => &[Fd, OutBuf, Int, Int],
        "write" => &[Fd, InBuf(2), Int],
        "pwrite64" => &[Fd, InBuf(2), Int, Int],
        "open" => &[Path, OpenFlags, Mode],
        "openat" => &[Fd, Path, OpenFlags, Mode],
        "close" | "dup" | "fsync" | "fdatasync" | "fchdir" => &[Fd],
        "dup2" => &[Fd, Fd],
        "dup3" => &[Fd, Fd, Hex],
        "stat" | "lstat" => &[Path, Ptr],
        "fstat" => &[Fd, Ptr],
        "newfstatat" => &[Fd, Path, Ptr, Hex],
        "statx" => &[Fd, Path, Hex, Hex, Ptr],
        "lseek" => &[Fd, Int, Int],
        "mmap" => &[Ptr, Int, Prot, MapFlags, Fd, Int],
        "mprotect" => &[Ptr, Int, Prot],
        "munmap" => &[Ptr, Int],
        "brk" => &[Ptr],
        "mremap" => &[Ptr, Int, Int, Hex, Ptr],
        "madvise" => &[Ptr, Int, Int],
        "rt_sigaction" => &[Sig, Ptr, Ptr, Int],
        "rt_sigprocmask" => &[Int, Ptr, Ptr, Int],
        "rt_sigreturn" => &[],
        "ioctl" | "fcntl" => &[Fd, Hex, Hex],
        "readv" | "writev" => &[Fd, Ptr, Int],
        "access" => &[Path, Int],
        "faccessat" | "faccessat2" => &[Fd, Path, Int, Hex],
        "pipe" => &[Ptr],
        "pipe2" => &[Ptr, Hex],
        "nanosleep" => &[Ptr, Ptr],
        "getpid" | "getppid" | "gettid" | "getuid" | "geteuid" | "getgid" | "getegid" | "getpgrp" | "setsid"
        | "fork" | "vfork" | "sched_yield" | "pause" | "sync" => &[],
        "clone" => &[Hex, Ptr, Ptr, Ptr, Hex],
        "clone3" => &[Ptr, Int],
        "execve" => &[Path, Argv, Envp],
        "execveat" => &[Fd, Path, Argv, Envp, Hex],
        "exit" | "exit_group" => &[Int],
        "wait4" => &[Int, Ptr, Hex, Ptr],
        "kill" => &[Int, Sig],
        "tkill" => &[Int, Sig],
        "tgkill" => &[Int, Int, Sig],
        "uname" | "sysinfo" | "set_tid_address" => &[Ptr],
        "getcwd" => &[OutBuf, Int],
        "chdir" | "rmdir" | "unlink" | "chroot" => &[Path],
        "mkdir" | "chmod" | "creat" => &[Path, Mode],
        "mkdirat" => &[Fd, Path, Mode],
        "unlinkat" => &[Fd, Path, Hex],
        "rename" | "link" | "symlink" => &[Path, Path],
        "renameat" | "renameat2" | "linkat" => &[Fd, Path, Fd, Path, Hex],
        "readlink" => &[Path, OutBuf, Int],
        "readlinkat" => &[Fd, Path, OutBuf, Int],
        "getdents64" => &[Fd, Ptr, Int],
        "arch_prctl" => &[Hex, Hex],
        "prlimit64" => &[Int, Int, Ptr, Ptr],
        "getrandom" => &[Ptr, Int, Hex],
        "futex" => &[Ptr, Int, Int, Ptr, Ptr, Int],
        "set_robust_list" => &[Ptr, Int],
        "setpgid" => &[Int, Int],
        "getpgid" | "getsid" => &[Int],
        "umask" => &[Mode],
        "chown" | "lchown" => &[Path, Int, Int],
        "truncate" => &[Path, Int],
        "ftruncate" => &[Fd, Int],
        "socket" => &[Int, Int, Int],
        "connect" | "bind" => &[Fd, Ptr, Int],
        "listen" => &[Fd, Int],
        "poll" => &[Ptr, Int, Int],
        "ppoll" => &[Ptr, Int, Ptr, Ptr, Int],
        "select" | "pselect6" => &[Int, Ptr, Ptr, Ptr, Ptr],
        "rseq" => &[Ptr, Int, Hex, Hex],
        "clock_gettime" | "clock_getres" | "clock_settime" => &[Int, Ptr],
        "clock_nanosleep" => &[Int, Hex, Ptr, Ptr],
        "gettimeofday" => &[Ptr, Ptr],
        "sched_getaffinity" | "sched_setaffinity" => &[Int, Int, Ptr],
        "getrlimit" | "setrlimit" => &[Int, Ptr],
        "getrusage" => &[Int, Ptr],
        "sigaltstack" => &[Ptr, Ptr],
        "accept" | "getsockname" | "getpeername" => &[Fd, Ptr, Ptr],
        "accept4" => &[Fd, Ptr, Ptr, Hex],
        "sendto" => &[Fd, InBuf(2), Int, Hex, Ptr, Int],
        "recvfrom" => &[Fd, OutBuf, Int, Hex, Ptr, Ptr],
        "epoll_create1" | "eventfd2" | "inotify_init1" => &[Hex],
        "epoll_ctl" => &[Fd, Int, Fd, Ptr],
        "epoll_wait" => &[Fd, Ptr, Int, Int],
        "mknod" => &[Path, Mode, Hex],
        "utimensat" => &[Fd, Path, Ptr, Hex],
        "fchmod" => &[Fd, Mode],
        "fchown" => &[Fd, Int, Int],
        "statfs" => &[Path, Ptr],
        "fstatfs" => &[Fd, Ptr],
        "mount" => &[Path, Path, Path, Hex, Ptr],
        "umount2" => &[Path, Hex],
        _ => return None,
    })
}

/// How much of a string or buffer strace shows.
const MAX_STR: usize = 32;
/// How many argv entries strace shows.
const MAX_ARGS: usize = 32;
const AT_FDCWD: i64 = -100;
const O_CREAT: u64 = 0o100;
const O_TMPFILE: u64 = 0o20200000;

/// Whether open's flags make it create a file (O_TMPFILE includes
/// O_DIRECTORY's bit, so all of its bits must be there).
fn creates(flags: u64) -> bool {
    flags & O_CREAT != 0 || flags & O_TMPFILE == O_TMPFILE
}

/// Linux's restart codes, which a traced call shows when a signal
/// interrupted it (they never reach the process: the return path turns
/// them into a restart or EINTR).
fn restart_name(r: i64) -> Option<&'static str> {
    Some(match r {
        -512 => "ERESTARTSYS",
        -513 => "ERESTARTNOINTR",
        -514 => "ERESTARTNOHAND",
        -516 => "ERESTART_RESTARTBLOCK",
        _ => return None,
    })
}

/// A traced call's line, begun before the call.
pub struct Call {
    nr: i64,
    args: [u64; 6],
    line: String,
    /// Where the arguments after an output buffer resume: the line is cut
    /// there and the buffer shown once the call has filled it.
    pending: Option<(usize, u64)>,
}

fn push_escaped(s: &mut String, bytes: &[u8], more: bool) {
    s.push('"');
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\{:o}", b);
            }
        }
    }
    s.push('"');
    if more {
        s.push_str("...");
    }
}

/// A NUL-terminated string at `addr`, up to MAX_STR bytes shown.
fn push_cstr(s: &mut String, mem: &mut dyn Memory, addr: u64) {
    if addr == 0 {
        s.push_str("NULL");
        return;
    }
    let mut buf = [0u8; MAX_STR + 1];
    let mut n = 0;
    while n < buf.len() {
        // Byte by byte within a page would be slow; a page-bounded read.
        let at = addr + n as u64;
        let room = (4096 - (at % 4096)) as usize;
        let k = room.min(buf.len() - n);
        if mem.read(at, &mut buf[n..n + k]).is_err() {
            if n == 0 {
                let _ = write!(s, "{:#x}", addr);
                return;
            }
            break;
        }
        if let Some(z) = buf[n..n + k].iter().position(|&c| c == 0) {
            push_escaped(s, &buf[..n + z], false);
            return;
        }
        n += k;
    }
    let shown = n.min(MAX_STR);
    push_escaped(s, &buf[..shown], true);
}

fn push_buf(s: &mut String, mem: &mut dyn Memory, addr: u64, len: u64) {
    let shown = (len as usize).min(MAX_STR);
    let mut buf = [0u8; MAX_STR];
    if len as i64 <= 0 {
        s.push_str("\"\"");
    } else if mem.read(addr, &mut buf[..shown]).is_err() {
        let _ = write!(s, "{:#x}", addr);
    } else {
        push_escaped(s, &buf[..shown], len as usize > shown);
    }
}

fn push_flags(s: &mut String, mut v: u64, names: &[(u64, &str)], zero: &str) {
    if v == 0 {
        s.push_str(zero);
        return;
    }
    let mut first = true;
    for &(bit, name) in names {
        if bit != 0 && v & bit == bit {
            if !first {
                s.push('|');
            }
            s.push_str(name);
            first = false;
            v &= !bit;
        }
    }
    if v != 0 {
        if !first {
            s.push('|');
        }
        let _ = write!(s, "{:#x}", v);
    }
}

fn push_open_flags(s: &mut String, v: u64) {
    s.push_str(match v & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    });
    const F: &[(u64, &str)] = &[
        (0o100, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (0o4010000, "O_SYNC"),
        (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"),
        (0o2000000, "O_CLOEXEC"),
        (0o10000000, "O_PATH"),
        (0o100000, "O_LARGEFILE"),
    ];
    let rest = v & !3;
    if rest != 0 {
        s.push('|');
        push_flags(s, rest, F, "");
    }
}

fn push_sig(s: &mut String, v: u64) {
    match signal_name(v as u32) {
        Some(n) => s.push_str(n),
        None => {
            let _ = write!(s, "{}", v as i64);
        }
    }
}

/// The name of signal `n`.
pub fn signal_name(n: u32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
        "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
        "SIGIO", "SIGPWR", "SIGSYS",
    ];
    NAMES.get((n as usize).wrapping_sub(1)).copied()
}

fn push_argv(s: &mut String, mem: &mut dyn Memory, addr: u64) {
    if addr == 0 {
        s.push_str("NULL");
        return;
    }
    s.push('[');
    for i in 0..=MAX_ARGS {
        let mut w = [0u8; 8];
        if mem.read(addr + 8 * i as u64, &mut w).is_err() {
            let _ = write!(s, "{:#x}", addr);
            break;
        }
        let p = u64::from_le_bytes(w);
        if p == 0 {
            break;
        }
        if i == MAX_ARGS {
            s.push_str(", ...");
            break;
        }
        if i > 0 {
            s.push_str(", ");
        }
        push_cstr(s, mem, p);
    }
    s.push(']');
}

fn push_envp(s: &mut String, mem: &mut dyn Memory, addr: u64) {
    let mut n = 0;
    while n < 4096 {
        let mut w = [0u8; 8];
        if addr == 0 || mem.read(addr + 8 * n, &mut w).is_err() || w == [0; 8] {
            break;
        }
        n += 1;
    }
    if addr == 0 {
        s.push_str("NULL");
    } else {
        let _ = write!(s, "{:#x} /* {} var{} */", addr, n, if n == 1 { "" } else { "s" });
    }
}

/// The name strace prints for call `n`.
fn call_name(n: i64) -> Option<&'static str> {
    nr::name(n)
}

impl Call {
    /// Begins the line of call `nr` with `args` by thread `tid`, reading
    /// what it points at in `mem` now.
    pub fn enter(tid: u64, nr: i64, args: [u64; 6], mem: &mut dyn Memory) -> Call {
        let mut line = String::new();
        let _ = write!(line, "{} ", tid);
        let sig = match call_name(nr) {
            Some(n) => {
                line.push_str(n);
                signature(n)
            }
            None => {
                let _ = write!(line, "syscall_{:#x}", nr);
                None
            }
        };
        line.push('(');
        let mut c = Call { nr, args, line, pending: None };
        match sig {
            Some(kinds) => {
                for (i, &k) in kinds.iter().enumerate() {
                    // open's mode means something only when it creates.
                    if k == Mode && i > 0 && kinds[i - 1] == OpenFlags && !creates(args[i - 1]) {
                        break;
                    }
                    if i > 0 {
                        c.line.push_str(", ");
                    }
                    if k == OutBuf {
                        c.pending = Some((i, args[i]));
                        return c;
                    }
                    c.push_arg(i, k, mem);
                }
            }
            None => {
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        c.line.push_str(", ");
                    }
                    let _ = write!(c.line, "{:#x}", a);
                }
            }
        }
        c
    }

    fn push_arg(&mut self, i: usize, k: Arg, mem: &mut dyn Memory) {
        let v = self.args[i];
        let s = &mut self.line;
        match k {
            Int => {
                let _ = write!(s, "{}", v as i64);
            }
            Hex => {
                let _ = write!(s, "{:#x}", v);
            }
            Ptr if v == 0 => s.push_str("NULL"),
            Ptr => {
                let _ = write!(s, "{:#x}", v);
            }
            Fd if v as i32 as i64 == AT_FDCWD => s.push_str("AT_FDCWD"),
            Fd => {
                let _ = write!(s, "{}", v as i32);
            }
            Path => push_cstr(s, mem, v),
            InBuf(n) => push_buf(s, mem, v, self.args[n]),
            // Shown when the call returns (`finish`).
            OutBuf => {}
            OpenFlags => push_open_flags(s, v),
            Mode => {
                let _ = write!(s, "0{:o}", v);
            }
            Prot => push_flags(
                s,
                v,
                &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (0x0100_0000, "PROT_GROWSDOWN")],
                "PROT_NONE",
            ),
            MapFlags => {
                s.push_str(match v & 3 {
                    1 => "MAP_SHARED",
                    2 => "MAP_PRIVATE",
                    3 => "MAP_SHARED_VALIDATE",
                    _ => "0",
                });
                if v & !3 != 0 {
                    s.push('|');
                    push_flags(
                        s,
                        v & !3,
                        &[(0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x100, "MAP_GROWSDOWN"), (0x2000, "MAP_LOCKED"),
                          (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"), (0x20000, "MAP_STACK"), (0x100000, "MAP_FIXED_NOREPLACE")],
                        "",
                    );
                }
            }
            Sig => push_sig(s, v),
            Argv => push_argv(s, mem, v),
            Envp => push_envp(s, mem, v),
        }
    }

    /// The finished line: the call returned `ret` (`None`: it does not
    /// return, as a successful exit), served by `route`.
    pub fn finish(mut self, ret: Option<i64>, route: Route, mem: &mut dyn Memory) -> String {
        if let Some((i, addr)) = self.pending.take() {
            match ret {
                Some(n) if n >= 0 => push_buf(&mut self.line, mem, addr, n as u64),
                _ => {
                    let _ = write!(self.line, "{:#x}", addr);
                }
            }
            if let Some(kinds) = call_name(self.nr).and_then(signature) {
                for (j, &k) in kinds.iter().enumerate().skip(i + 1) {
                    self.line.push_str(", ");
                    self.push_arg(j, k, mem);
                }
            }
        }
        self.line.push(')');
        match ret {
            None => self.line.push_str(" = ?"),
            Some(r) if restart_name(r).is_some() => {
                let _ = write!(self.line, " = ? {}", restart_name(r).unwrap_or(""));
            }
            Some(r) if (-4095..0).contains(&r) => {
                let e = Errno(-r);
                match e.name() {
                    Some(n) => {
                        let _ = write!(self.line, " = -1 {}", n);
                    }
                    None => {
                        let _ = write!(self.line, " = -1 (errno {})", -r);
                    }
                }
            }
            Some(r) if matches!(route, Route::Memory(Mm::Mmap | Mm::Brk | Mm::Mremap)) || r > 0xffff_ffff => {
                let _ = write!(self.line, " = {:#x}", r);
            }
            Some(r) => {
                let _ = write!(self.line, " = {}", r);
            }
        }
        let _ = write!(self.line, " <{}>", route.name());
        self.line
    }
}

/// A signal delivered to thread `tid`, as strace shows it:
/// `--- SIGCHLD {si_signo=SIGCHLD, si_code=1, si_pid=43} ---`; `info`:
/// the siginfo Linux queued.
pub fn signal_line(tid: u64, signo: u32, info: &[u8; 128]) -> String {
    let word = |at: usize| i32::from_le_bytes([info[at], info[at + 1], info[at + 2], info[at + 3]]);
    let mut s = String::new();
    let _ = write!(s, "{} --- ", tid);
    push_sig(&mut s, signo as u64);
    s.push_str(" {si_signo=");
    push_sig(&mut s, word(0) as u32 as u64);
    let code = word(8);
    let _ = write!(s, ", si_code={}", code);
    match signo {
        // Faults: the address.
        4 | 7 | 8 | 11 => {
            let addr = u64::from_le_bytes(info[16..24].try_into().unwrap_or([0; 8]));
            let _ = write!(s, ", si_addr={:#x}", addr);
        }
        // Sent by a process (code <= 0: SI_USER, SI_TKILL, ...) or a
        // child's news: the sender's pid.
        _ if code <= 0 || signo == 17 => {
            let _ = write!(s, ", si_pid={}, si_uid={}", word(16), word(20));
            if signo == 17 {
                let _ = write!(s, ", si_status={}", word(24));
            }
        }
        _ => {}
    }
    s.push_str("} ---");
    s
}

/// The end of thread `tid`'s process: `+++ exited with N +++` or
/// `+++ killed by SIGX +++`, from its wait status.
pub fn exit_line(tid: u64, status: u32) -> String {
    let mut s = String::new();
    let _ = write!(s, "{} +++ ", tid);
    let sig = status & 0x7f;
    if sig == 0 {
        let _ = write!(s, "exited with {}", (status >> 8) & 0xff);
    } else {
        s.push_str("killed by ");
        push_sig(&mut s, u64::from(sig));
        if status & 0x80 != 0 {
            s.push_str(" (core dumped)");
        }
    }
    s.push_str(" +++");
    s
}

#[cfg(test)]
mod tests;
