//! The hook for every system call the personality does not serve itself:
//! on cellux the LKL server implements it by running the call in the
//! calling process's Linux task.

use linux_abi::Errno;
use crate::memory::Memory;
use crate::signal::Next;

/// Who is calling, as the personality knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// Linux thread id (the pid for a process's first thread).
    pub tid: u64,
}

pub trait Forward {
    /// Runs system call `nr` with `args` for `caller`; returns what goes to
    /// rax (a negative errno on failure). User pointers in `args` are
    /// reached through `mem`.
    fn syscall(&mut self, caller: Caller, nr: i64, args: [u64; 6], mem: &mut dyn Memory) -> i64;

    /// `syscall`, then `signal_pending` as it would answer right after,
    /// for a call whose route makes no other: a host that can look in the
    /// same entry saves one.
    fn syscall_then_look(&mut self, caller: Caller, nr: i64, args: [u64; 6], mem: &mut dyn Memory) -> (i64, bool) {
        let v = self.syscall(caller, nr, args, mem);
        (v, self.signal_pending(caller))
    }

    /// Whether `caller` has an unblocked signal pending: the cheap test
    /// that keeps a return to user mode without one on its fast path.
    fn signal_pending(&mut self, caller: Caller) -> bool {
        let _ = caller;
        false
    }

    /// Linux's next deliverable signal for `caller` (dequeued, the
    /// handler's mask installed), asked on every return to user mode.
    fn next_signal(&mut self, caller: Caller) -> Next {
        let _ = caller;
        Next::None
    }

    /// Takes one line of a traced process's trace (`strace`).
    fn trace(&mut self, line: &str) {
        let _ = line;
    }

    /// Queues `signo` with `info` (si_code, si_addr) on `caller` itself,
    /// as a CPU exception forces it.
    fn raise(&mut self, caller: Caller, signo: u32, info: &[u8; 128]) -> Result<(), Errno> {
        let _ = (caller, signo, info);
        Err(Errno::ENOSYS)
    }
}
