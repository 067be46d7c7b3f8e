//! Starting, calling and halting Linux. Linux exists once per process and
//! cannot be restarted after a halt, so the life cycle is a one-way state
//! machine; every call outside "running" is an `ENODEV` error, not a crash.

use crate::Errno;
use crate::ffi;
use core::ffi::{c_int, c_long, CStr};
use core::sync::atomic::{AtomicU8, Ordering};

const NEW: u8 = 0;
const STARTING: u8 = 1;
const RUNNING: u8 = 2;
const HALTING: u8 = 3;
const HALTED: u8 = 4;

static STATE: AtomicU8 = AtomicU8::new(NEW);

/// Proof that Linux is running; `halt` consumes it.
#[derive(Debug)]
pub struct Kernel {
    _private: (),
}

/// Boots Linux with `ops` (which must stay valid until halt, hence
/// `'static`) and the command line, returning once syscalls are served.
pub fn start(ops: &'static ffi::lkl_host_ops, cmdline: &CStr) -> Result<Kernel, Errno> {
    if STATE.compare_exchange(NEW, STARTING, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return Err(Errno::EBUSY);
    }
    // SAFETY: `ops` is a complete table that lives for the rest of the
    // process; the state machine guarantees lkl_init runs once.
    let ret = unsafe { ffi::lkl_init(ops) };
    if ret < 0 {
        STATE.store(HALTED, Ordering::Release);
        return Err(Errno(-(ret as i64)));
    }
    // SAFETY: lkl_init succeeded and `cmdline` is NUL-terminated; Linux
    // copies it during boot.
    let ret = unsafe { ffi::lkl_start_kernel(cmdline.as_ptr()) };
    if ret < 0 {
        STATE.store(HALTED, Ordering::Release);
        return Err(Errno(-(ret as i64)));
    }
    STATE.store(RUNNING, Ordering::Release);
    Ok(Kernel { _private: () })
}

/// True between a successful `start` and `halt`.
pub fn is_running() -> bool {
    STATE.load(Ordering::Acquire) == RUNNING
}

/// Runs x86_64 syscall `nr` with up to six arguments in the calling host
/// thread's Linux task.
pub fn syscall(nr: i64, args: &[i64]) -> Result<i64, Errno> {
    if args.len() > ffi::LKL_SYSCALL_ARGS {
        return Err(Errno::EINVAL);
    }
    // Linux's lkl_syscall answers ENODEV itself when it is not running:
    // no second look here, on every process's every call.
    let mut params: [c_long; ffi::LKL_SYSCALL_ARGS] = [0; ffi::LKL_SYSCALL_ARGS];
    for (p, a) in params.iter_mut().zip(args) {
        *p = *a as c_long;
    }
    // SAFETY: `params` holds the six arguments lkl_syscall reads; pointers
    // inside them are the caller's business and reach Linux only through
    // copy_{from,to}_user, which turn bad ones into EFAULT.
    let ret = unsafe { ffi::lkl_syscall(nr as c_long, params.as_mut_ptr()) };
    Errno::result(ret as i64)
}

/// A process's syscall (`syscall`), and whether its task has a signal to
/// take on the way back to user mode, looked at as
/// `Task::caller_signal_pending` does, in the same entry into Linux.
pub fn syscall_from_user(nr: i64, args: &[i64; 6]) -> (Result<i64, Errno>, bool) {
    let mut params: [c_long; ffi::LKL_SYSCALL_ARGS] = [0; ffi::LKL_SYSCALL_ARGS];
    for (p, a) in params.iter_mut().zip(args) {
        *p = *a as c_long;
    }
    let mut pending: c_int = 0;
    // SAFETY: as in `syscall`; `pending` is a writable int.
    let ret = unsafe { ffi::lkl_syscall_from_user(nr as c_long, params.as_mut_ptr(), &mut pending) };
    (Errno::result(ret as i64), pending > 0)
}

impl Kernel {
    /// Shuts Linux down; later syscalls fail with ENODEV.
    pub fn halt(self) -> Result<(), Errno> {
        halt()
    }
}

/// Shuts Linux down if it runs (for callers that did not keep the token).
pub fn halt() -> Result<(), Errno> {
    if STATE.compare_exchange(RUNNING, HALTING, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return Err(Errno::ENODEV);
    }
    // SAFETY: Linux is running and this is the only halt (state machine).
    let ret = unsafe { ffi::lkl_sys_halt() };
    // SAFETY: after halt Linux no longer uses what lkl_init set up.
    unsafe { ffi::lkl_cleanup() };
    STATE.store(HALTED, Ordering::Release);
    Errno::result(ret as i64).map(|_| ())
}

/// Test only: Linux's own `panic()` (the server's crash test). Linux
/// prints its panic and calls the host's panic operation, which does not
/// return.
pub fn panic_test() -> ! {
    // SAFETY: takes no arguments; valid whether Linux runs or not (panic()
    // only prints and calls the host).
    unsafe { ffi::lkl_panic_test() }
}
