//! The console tty's input side: bytes typed on the console go to Linux's
//! tty layer (`lkl_console_input`), where n_tty does echo, line editing and
//! the keyboard signals. Its output side is the `console_write` host op.

use crate::Errno;
use crate::ffi;
use core::ffi::{c_char, c_int};

/// Offers `bytes` to the console's line discipline; returns how many were
/// queued (fewer when Linux's input queue is full).
pub fn input(bytes: &[u8]) -> Result<usize, Errno> {
    if !crate::kernel::is_running() {
        return Err(Errno::ENODEV);
    }
    let len = bytes.len().min(c_int::MAX as usize) as c_int;
    // SAFETY: `len` readable bytes; Linux copies them before returning.
    let r = unsafe { ffi::lkl_console_input(bytes.as_ptr() as *const c_char, len) };
    Errno::result(r as i64).map(|n| n as usize)
}

/// `input` until all of `bytes` is queued, calling `wait` whenever the
/// queue is full (it drains as Linux's tty layer takes the bytes).
pub fn input_all(mut bytes: &[u8], mut wait: impl FnMut()) -> Result<(), Errno> {
    while !bytes.is_empty() {
        let n = input(bytes)?;
        bytes = &bytes[n..];
        if n == 0 {
            wait();
        }
    }
    Ok(())
}

/// The console tty's behaviour, checked the same way by the hosted tests
/// (lkl/tests/console.rs) and the LKL server's self-tests: each step gives
/// `Err((what failed, value))`. Input is offered with `input` as a host
/// that read it off a UART would.
#[doc(hidden)]
pub mod check {
    use super::input;
    use crate::consts::*;
    use crate::structs::termios;
    use crate::{nr, sys, syscall, Errno};
    use core::sync::atomic::{AtomicU32, Ordering};

    pub type Outcome = Result<(), (&'static str, i64)>;

    fn e(why: &'static str) -> impl Fn(Errno) -> (&'static str, i64) {
        move |err| (why, -err.0)
    }

    fn ok(cond: bool, why: &'static str, v: i64) -> Outcome {
        if cond { Ok(()) } else { Err((why, v)) }
    }

    fn ioctl(fd: i32, req: i64, arg: i64) -> Result<i64, Errno> {
        syscall(nr::IOCTL, &[fd as i64, req, arg])
    }

    pub fn tcgetattr(fd: i32) -> Result<termios, Errno> {
        let mut t = termios::zeroed();
        ioctl(fd, TCGETS, &mut t as *mut termios as i64)?;
        Ok(t)
    }

    pub fn tcsetattr(fd: i32, t: &termios) -> Result<(), Errno> {
        ioctl(fd, TCSETS, t as *const termios as i64).map(|_| ())
    }

    fn feed(bytes: &[u8]) -> Outcome {
        let n = input(bytes).map_err(e("lkl_console_input"))?;
        ok(n == bytes.len(), "input queue took fewer bytes", n as i64)
    }

    /// Opens /dev/console (no controlling tty) and writes `hello` to it.
    pub fn open_and_write(hello: &[u8]) -> Result<i32, (&'static str, i64)> {
        let fd = sys::open(c"/dev/console", O_RDWR | O_NOCTTY, 0).map_err(e("open /dev/console"))?;
        sys::write_all(fd, hello).map_err(e("write /dev/console"))?;
        // Stale input from an earlier step must not answer this one.
        ioctl(fd, TCFLSH, TCIFLUSH).map_err(e("TCFLSH"))?;
        Ok(fd)
    }

    /// Canonical mode: nothing is readable before the newline; erase
    /// edits the line; the line comes back whole.
    pub fn canonical(fd: i32) -> Outcome {
        let t = tcgetattr(fd).map_err(e("TCGETS"))?;
        ok(t.c_lflag as i64 & (ICANON | ECHO) == ICANON | ECHO, "not canonical with echo", t.c_lflag as i64)?;
        feed(b"abd\x7f")?;
        let nb = sys::open(c"/dev/console", O_RDWR | O_NOCTTY | O_NONBLOCK, 0).map_err(e("open nonblocking"))?;
        let mut buf = [0u8; 64];
        let r = sys::read(nb, &mut buf);
        let _ = sys::close(nb);
        ok(r == Err(Errno::EAGAIN), "a partial line was readable", r.map_or_else(|x| -x.0, |n| n as i64))?;
        feed(b"c\n")?;
        let n = sys::read(fd, &mut buf).map_err(e("read"))?;
        ok(&buf[..n] == b"abc\n", "the line read back differs (length)", n as i64)
    }

    /// TCSETS then TCGETS gives back what was set; the old state returns.
    pub fn termios_roundtrip(fd: i32) -> Outcome {
        let old = tcgetattr(fd).map_err(e("TCGETS"))?;
        let mut t = old;
        t.c_lflag &= !(ECHO as u32);
        t.c_cc[VMIN as usize] = 3;
        t.c_cc[VTIME as usize] = 7;
        tcsetattr(fd, &t).map_err(e("TCSETS"))?;
        let back = tcgetattr(fd).map_err(e("TCGETS after TCSETS"))?;
        tcsetattr(fd, &old).map_err(e("TCSETS restore"))?;
        ok(back.c_lflag == t.c_lflag && back.c_cc == t.c_cc && back.c_iflag == t.c_iflag
            && back.c_oflag == t.c_oflag && back.c_cflag == t.c_cflag, "TCGETS differs from TCSETS", back.c_lflag as i64)?;
        let again = tcgetattr(fd).map_err(e("TCGETS"))?;
        ok(again.c_lflag == old.c_lflag && again.c_cc == old.c_cc, "not restored", again.c_lflag as i64)
    }

    /// Raw mode (no ICANON, no ECHO, VMIN=1): one byte, no newline.
    pub fn raw(fd: i32) -> Outcome {
        let old = tcgetattr(fd).map_err(e("TCGETS"))?;
        let mut t = old;
        t.c_lflag &= !((ICANON | ECHO) as u32);
        t.c_cc[VMIN as usize] = 1;
        t.c_cc[VTIME as usize] = 0;
        tcsetattr(fd, &t).map_err(e("TCSETS raw"))?;
        let r = feed(b"x").and_then(|_| {
            let mut buf = [0u8; 8];
            let n = sys::read(fd, &mut buf).map_err(e("read"))?;
            ok(n == 1 && buf[0] == b'x', "raw read (length)", n as i64)
        });
        tcsetattr(fd, &old).map_err(e("TCSETS restore"))?;
        r
    }

    /// Set by `job_control_in_task`, read by `job_control`.
    pub static STEP: AtomicU32 = AtomicU32::new(0);
    const READY: u32 = 1;
    const FED: u32 = 2;
    const GAVE_UP: u32 = 3;

    fn sigpending() -> Result<u64, Errno> {
        let mut set = 0u64;
        syscall(nr::RT_SIGPENDING, &[&mut set as *mut u64 as i64, 8])?;
        Ok(set)
    }

    fn bit(sig: i64) -> u64 {
        1 << (sig - 1)
    }

    /// Runs in a fresh process's task (a host thread that adopted it):
    /// becomes a session leader with the console as controlling tty and
    /// its group in the foreground, with the keyboard signals blocked so
    /// they stay pending; waits for `job_control` to type ^C ^Z ^\ and
    /// checks that Linux made SIGINT, SIGTSTP and SIGQUIT pending.
    /// `sleep_ms` waits without holding Linux.
    pub fn job_control_in_task(sleep_ms: impl Fn(u64)) -> Outcome {
        let r = (|| {
            let sid = syscall(nr::SETSID, &[]).map_err(e("setsid"))?;
            let fd = sys::open(c"/dev/console", O_RDWR, 0).map_err(e("open /dev/console"))?;
            ioctl(fd, TIOCSCTTY, 0).map_err(e("TIOCSCTTY"))?;
            let pgrp = sid as i32;
            ioctl(fd, TIOCSPGRP, &pgrp as *const i32 as i64).map_err(e("TIOCSPGRP"))?;
            let mut fg = 0i32;
            ioctl(fd, TIOCGPGRP, &mut fg as *mut i32 as i64).map_err(e("TIOCGPGRP"))?;
            ok(fg == pgrp, "TIOCGPGRP is not our group", fg as i64)?;
            let block = bit(SIGINT) | bit(SIGTSTP) | bit(SIGQUIT);
            syscall(nr::RT_SIGPROCMASK, &[SIG_BLOCK, &block as *const u64 as i64, 0, 8]).map_err(e("sigprocmask"))?;
            ioctl(fd, TCFLSH, TCIFLUSH).map_err(e("TCFLSH"))?;
            STEP.store(READY, Ordering::Release);
            let mut set = 0;
            for _ in 0..500 {
                set = sigpending().map_err(e("rt_sigpending"))?;
                if STEP.load(Ordering::Acquire) == FED && set & block == block {
                    break;
                }
                sleep_ms(10);
            }
            ok(set & bit(SIGINT) != 0, "no SIGINT pending after ^C (pending set)", set as i64)?;
            ok(set & bit(SIGTSTP) != 0, "no SIGTSTP pending after ^Z (pending set)", set as i64)?;
            ok(set & bit(SIGQUIT) != 0, "no SIGQUIT pending after ^\\ (pending set)", set as i64)
        })();
        if r.is_err() {
            STEP.store(GAVE_UP, Ordering::Release);
        }
        r
    }

    /// The typing side of `job_control_in_task`: waits for it to be ready.
    /// Once per process (STEP is not reset).
    pub fn job_control_feed(sleep_ms: impl Fn(u64)) -> Outcome {
        for _ in 0..1000 {
            let step = STEP.load(Ordering::Acquire);
            if step == GAVE_UP {
                return Err(("the task failed before typing", 0));
            }
            if step == READY {
                feed(b"\x03\x1a\x1c")?;
                STEP.store(FED, Ordering::Release);
                return Ok(());
            }
            sleep_ms(10);
        }
        Err(("the task never got ready", 0))
    }
}
