//! Linux tasks beyond LKL: a host thread runs its syscalls in "its" task;
//! tasks can be new processes (own pid, fd table, cwd) or threads, end with
//! an exit status their parent reaps with wait4, and have their signals
//! fetched for delivery by the host (the personality builds the frames).

use crate::Errno;
use crate::ffi;
use core::ffi::c_ulong;
use crate::kernel::is_running;

/// A Linux task handle. It stays valid until the task has ended and been
/// reaped, or `put` released it.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Task(pub ffi::lkl_task_t);

/// The next signal to act on, after Linux applied its default actions.
#[derive(Debug, Clone)]
pub enum Signal {
    /// Run a user handler: build a frame with this.
    Handler {
        signo: i32,
        handler: u64,
        flags: u64,
        restorer: u64,
        /// Blocked while the handler runs (already installed in Linux).
        mask: u64,
        /// To restore from the frame on rt_sigreturn.
        old_mask: u64,
        siginfo: [u8; 128],
        /// The sigaltstack (sp, size, flags) for SA_ONSTACK frames.
        altstack: (u64, u64, i32),
    },
    /// The thread group was killed; the wait status.
    Exit { status: i32 },
}

fn running() -> Result<(), Errno> {
    if is_running() {
        Ok(())
    } else {
        Err(Errno::ENODEV)
    }
}

fn check(ret: i64) -> Result<i64, Errno> {
    Errno::result(ret)
}

impl Task {
    /// The calling host thread's task (created on first use). Borrowed:
    /// valid while this thread stays bound to it; do not `put` it.
    pub fn current() -> Result<Task, Errno> {
        running()?;
        // SAFETY: Linux is running; the call has no arguments.
        let t = unsafe { ffi::lkl_task_current() };
        if t == 0 {
            Err(Errno::ENOMEM)
        } else {
            Ok(Task(t))
        }
    }

    /// Creates a task as clone(2) with `flags` would from the caller's task
    /// (no CLONE_THREAD: a new process). Returns it and its tid.
    pub fn clone_from_current(flags: u64, exit_signal: i32) -> Result<(Task, i32), Errno> {
        Self::clone_with_pidfd(flags, exit_signal, 0)
    }

    /// As `clone_from_current`; with CLONE_PIDFD in `flags`, Linux stores
    /// the child's new pidfd at user address `pidfd` of the calling
    /// process (EFAULT, and no child, if it cannot).
    pub fn clone_with_pidfd(flags: u64, exit_signal: i32, pidfd: u64) -> Result<(Task, i32), Errno> {
        running()?;
        let mut task: ffi::lkl_task_t = 0;
        let mut tid: core::ffi::c_int = 0;
        // SAFETY: both out-pointers point to live locals; `pidfd` is a
        // user address, which Linux checks as it stores through it.
        let ret = unsafe { ffi::lkl_task_clone(flags as _, exit_signal, pidfd as _, &mut task, &mut tid) };
        check(ret as i64)?;
        Ok((Task(task), tid))
    }

    /// Makes this the calling host thread's task (the binding holds its own
    /// reference). When the thread ends while bound, the task exits(0).
    pub fn adopt(self) -> Result<(), Errno> {
        running()?;
        // SAFETY: `self` is a handle Linux gave out and has not released.
        check(unsafe { ffi::lkl_task_adopt(self.0) } as i64).map(|_| ())
    }

    /// Ends the caller's task (`group`: its whole thread group) with the
    /// wait status `status`; the host thread goes on without a task.
    pub fn exit_current(status: i32, group: bool) -> Result<(), Errno> {
        running()?;
        // SAFETY: Linux is running; the caller's task is its own business.
        unsafe { ffi::lkl_task_exit(status, group as _) };
        Ok(())
    }

    /// Unbinds the calling host thread from its task and returns the
    /// binding's reference as a handle for another thread to adopt (the
    /// task goes on); None when the thread has no task.
    pub fn detach_current() -> Result<Task, Errno> {
        running()?;
        // SAFETY: Linux is running; the call has no arguments.
        match unsafe { ffi::lkl_task_detach() } {
            0 => Err(Errno::ESRCH),
            t => Ok(Task(t)),
        }
    }

    /// Releases a handle from `clone_from_current` or `detach_current`.
    pub fn put(self) {
        if is_running() {
            // SAFETY: `self` is a live handle, consumed here.
            unsafe { ffi::lkl_task_put(self.0) };
        }
    }

    /// Names this task's address space `host` for Linux (given back to
    /// the `process_access` host op) and, after an exec, where its argument
    /// and environment strings lie: `[arg_start, arg_end, env_start,
    /// env_end]`, which /proc/PID/cmdline and environ read.
    pub fn set_mm(self, host: u64, layout: Option<[u64; 4]>) -> Result<(), Errno> {
        running()?;
        let l = layout.map(|l| l.map(|v| v as c_ulong));
        let p = l.as_ref().map_or(core::ptr::null(), |l| l.as_ptr());
        // SAFETY: `self` is a live handle; `p` is null or four words that
        // outlive the call.
        check(unsafe { ffi::lkl_task_set_mm(self.0, host as c_ulong, p) } as i64).map(|_| ())
    }

    /// Whether this task has an unblocked signal pending.
    pub fn signal_pending(self) -> Result<bool, Errno> {
        running()?;
        // SAFETY: `self` is a live handle.
        Ok(unsafe { ffi::lkl_task_signal_pending(self.0) } > 0)
    }

    /// Whether the calling host thread's task has an unblocked signal
    /// pending, without entering Linux: the flag is read as it stands
    /// (the look after every syscall, where an entry of its own, with the
    /// CPU lock's get and put, cost half the round trip). A signal made
    /// pending after the look is not missed: the look re-arms the task's
    /// kick first (lkl_task_signal_pending). A thread without a task has
    /// none pending (no task is made for it, as `current` would).
    pub fn caller_signal_pending() -> bool {
        // SAFETY: 0 names the caller's task, found through the TLS key;
        // the call only reads its flags and works before Linux runs too.
        is_running() && unsafe { ffi::lkl_task_signal_pending(0) } > 0
    }

    /// Dequeues the caller's next deliverable signal, if any.
    pub fn next_signal() -> Result<Option<Signal>, Errno> {
        running()?;
        let mut d = ffi::lkl_signal_delivery {
            signo: 0,
            action: 0,
            handler: 0,
            flags: 0,
            restorer: 0,
            mask: 0,
            old_mask: 0,
            siginfo: [0; 128],
            ss_sp: 0,
            ss_size: 0,
            ss_flags: 0,
        };
        // SAFETY: `d` is a live, correctly laid out out-parameter.
        check(unsafe { ffi::lkl_task_next_signal(&mut d) } as i64)?;
        Ok(match d.action {
            ffi::LKL_SIGACT_HANDLER => Some(Signal::Handler {
                signo: d.signo,
                handler: d.handler as u64,
                flags: d.flags as u64,
                restorer: d.restorer as u64,
                mask: d.mask as u64,
                old_mask: d.old_mask as u64,
                siginfo: d.siginfo,
                altstack: (d.ss_sp as u64, d.ss_size as u64, d.ss_flags),
            }),
            ffi::LKL_SIGACT_EXIT => Some(Signal::Exit { status: d.signo }),
            _ => None,
        })
    }
}
