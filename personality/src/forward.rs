//! The hook for every system call the personality does not serve itself:
//! on cellux the LKL server implements it by running the call in the
//! calling process's Linux task.

use crate::errno::Errno;
use crate::memory::Memory;

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
    fn syscall(&mut self, caller: Caller, nr: u64, args: [u64; 6], mem: &mut dyn Memory) -> i64;

    /// Reads file bytes at `offset` of open file `fd` for a private file
    /// mapping; returns how many were read (short at end of file).
    fn read_file(&mut self, caller: Caller, fd: u64, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let _ = (caller, fd, offset, buf);
        Err(Errno::ENODEV)
    }
}
