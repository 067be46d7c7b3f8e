//! Self-tests of the console tty on the real machine: the steps of
//! `lkl::console::check`, with input offered as the COM1 thread offers it
//! and output going out of COM1 (the suite looks for it there).

use crate::host::thread;
use core::ffi::c_void;
use core::sync::atomic::{AtomicI64, Ordering};
use lkl::console::check::{self, Outcome};
use lkl::consts::*;
use lkl::sys as lsys;
use lkl::task::Task;

fn sleep_ms(ms: u64) {
    let _ = lsys::nanosleep(ms * 1_000_000);
}

fn with_console(f: impl FnOnce(i32) -> Outcome) -> Outcome {
    let fd = check::open_and_write(b"")?;
    let r = f(fd);
    let _ = lsys::close(fd);
    r
}

pub fn open_write() -> Outcome {
    let fd = check::open_and_write(b"lklsrv: hello from /dev/console\n")?;
    lsys::close(fd).map_err(|x| ("close", -x.0))
}

pub fn canonical() -> Outcome {
    with_console(check::canonical)
}

pub fn termios() -> Outcome {
    with_console(check::termios_roundtrip)
}

pub fn raw() -> Outcome {
    with_console(check::raw)
}

/// The worker's verdict: 0 passed, else the failing step's value; the
/// step's name goes through WHY.
static RESULT: AtomicI64 = AtomicI64::new(i64::MIN);
static mut WHY: &str = "";

unsafe extern "C" fn job_task(arg: *mut c_void) {
    let task = Task(arg as u64);
    let r = match task.adopt() {
        Ok(()) => check::job_control_in_task(sleep_ms),
        Err(x) => Err(("adopt", -x.0)),
    };
    let (why, v) = r.err().unwrap_or(("", 0));
    // SAFETY: written once here before RESULT is released; read only
    // after the acquire below in `job_control`.
    unsafe { WHY = why };
    RESULT.store(v, Ordering::Release);
    let _ = Task::exit_current(0, true);
}

pub fn job_control() -> Outcome {
    let (task, pid) = Task::clone_from_current(0, SIGCHLD as i32).map_err(|x| ("clone", -x.0))?;
    let h = thread::spawn(job_task, task.0 as *mut c_void).map_err(|_| ("spawn", 0))?;
    let fed = check::job_control_feed(sleep_ms);
    let _ = thread::join(h);
    let _ = lsys::wait4(pid, 0);
    // The echo of ^\ ends without a newline: end its line on COM1 so the
    // PASS line after it starts one of its own.
    sleep_ms(20);
    let _ = check::open_and_write(b"\n").map(lsys::close);
    fed?;
    let v = RESULT.load(Ordering::Acquire);
    // SAFETY: the worker wrote WHY before its release store, which we
    // acquired; it ended before join returned.
    let why = unsafe { WHY };
    if v == 0 && why.is_empty() { Ok(()) } else { Err((if why.is_empty() { "no verdict" } else { why }, v)) }
}
