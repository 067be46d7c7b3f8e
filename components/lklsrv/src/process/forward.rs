//! The personality's `Forward` hook on the server: every call it does not
//! serve runs in the calling process's Linux task (the migrated thread has
//! adopted it, so Linux finds it through the TLS key), with the process's
//! user pointers reached through its page table (`Tcb::user_pt`).

use crate::host::tcb;
use crate::process::output;
use cellux_personality::strace;
use lkl::Errno;
use cellux_personality::forward::{Caller, Forward};
use cellux_personality::memory::Memory;
use cellux_personality::signal::{self, Handler, Next};
use cellux_rt::abi::layout::MAX_THREADS;
use core::sync::atomic::{AtomicBool, Ordering};
use lkl::task::{Signal, Task};

/// Per thread id: a fatal signal ended the thread's task inside Linux, so
/// the process's end must not end it again (the thread is taskless, and a
/// taskless thread's next Linux call would get a fresh task of init's).
static KILLED: [AtomicBool; MAX_THREADS] = [const { AtomicBool::new(false) }; MAX_THREADS];

/// Whether Linux itself ended the calling thread's task by a signal since
/// the last ask.
pub fn take_killed() -> bool {
    KILLED[tcb::tid()].swap(false, Ordering::AcqRel)
}

/// Runs `f` with Linux's user copies going to server memory, for calls
/// whose pointers are ours rather than the process's.
pub(super) fn on_server_memory<R>(f: impl FnOnce() -> R) -> R {
    let me = tcb::me();
    let pt = me.user_pt.swap(0, Ordering::AcqRel);
    let r = f();
    me.user_pt.store(pt, Ordering::Release);
    r
}

pub struct LklForward {
    /// The calling thread is traced: its signals and end go to the trace.
    pub trace: bool,
}

impl Forward for LklForward {
    fn syscall(&mut self, _: Caller, nr: i64, args: [u64; 6], _: &mut dyn Memory) -> i64 {
        // Pointers among the arguments are process addresses, reaching
        // Linux only through copy_*_user on this thread's user page table.
        // Numbers Linux does not implement come back as -ENOSYS. Linux
        // runs (processes start after lkl::start), so the result is
        // lkl_syscall's own, folded back into one raw value.
        lkl::syscall(nr, &args.map(|v| v as i64)).unwrap_or_else(|e| -e.0)
    }

    fn syscall_then_look(&mut self, _: Caller, nr: i64, args: [u64; 6], _: &mut dyn Memory) -> (i64, bool) {
        let (r, pending) = lkl::syscall_from_user(nr, &args.map(|v| v as i64));
        (r.unwrap_or_else(|e| -e.0), pending)
    }

    fn trace(&mut self, line: &str) {
        output::trace(line);
    }

    fn signal_pending(&mut self, _: Caller) -> bool {
        Task::caller_signal_pending()
    }

    fn next_signal(&mut self, who: Caller) -> Next {
        match Task::next_signal() {
            Ok(Some(Signal::Handler { signo, handler, flags, restorer, old_mask, siginfo, altstack, .. })) => {
                if self.trace {
                    output::trace(&strace::signal_line(who.tid, signo as u32, &siginfo));
                }
                Next::Handler(Handler {
                    signo: signo as u32,
                    handler,
                    flags,
                    restorer,
                    old_mask,
                    siginfo,
                    alt: signal::alt_stack(altstack.0, altstack.1, altstack.2),
                })
            }
            Ok(Some(Signal::Exit { status })) => {
                if self.trace {
                    output::trace(&strace::exit_line(who.tid, status as u32));
                }
                KILLED[tcb::tid()].store(true, Ordering::Release);
                Next::Killed(status as u32)
            }
            _ => Next::None,
        }
    }

    fn raise(&mut self, _: Caller, signo: u32, info: &[u8; 128]) -> Result<(), Errno> {
        // rt_tgsigqueueinfo to itself may carry a kernel si_code (a
        // fault's), which Linux refuses only towards other processes.
        let tid = lkl::syscall(lkl::nr::GETTID, &[])?;
        let tgid = lkl::syscall(lkl::nr::GETPID, &[])?;
        on_server_memory(|| {
            lkl::syscall(lkl::nr::RT_TGSIGQUEUEINFO, &[tgid, tid, i64::from(signo), info.as_ptr() as i64])
        })
        .map(|_| ())
    }
}
