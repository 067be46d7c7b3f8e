//! Who serves each x86_64 system call: the one routing table. A trapped
//! `syscall` is looked up here once (`route`), and every place that serves
//! calls (the process library's trap handler, the server's process half,
//! the personality's own calls) matches on the `Route`, never on numbers of
//! its own. The arch port's table (`lkl/overlay/arch/lkl/kernel/
//! syscall_table.c`) refuses exactly the numbers Linux must not serve
//! (`Route::linux_serves`); a unit test holds the two together.

use linux_abi::nr;

/// The address-space calls the personality serves (`dispatch::memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mm {
    Brk,
    Mmap,
    Munmap,
    Mprotect,
    Mremap,
    Madvise,
    Msync,
}

/// The ways to ask for a new process or thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloneCall {
    Fork,
    Vfork,
    /// clone(flags, stack, parent_tid, child_tid, tls).
    Clone,
    /// clone3(struct clone_args *, size).
    Clone3,
}

/// The calls about a process as a whole that its host (the server's process
/// half) serves: new processes and threads, new images, a thread's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// A new process or thread.
    Clone(CloneCall),
    /// execve, execveat: Linux's own execve, then the image built for it.
    Exec,
    /// exit (`group` false) and exit_group: the thread's or the group's end
    /// in Linux, then the thread's here.
    Exit { group: bool },
    /// set_tid_address: Linux's own, in the thread's task (its exit path
    /// clears the word and wakes its futex).
    SetTidAddress,
}

/// Who serves a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The process's address space: the personality (`dispatch::memory`),
    /// one call at a time per address space.
    Memory(Mm),
    /// arch_prctl: the calling thread's own FS/GS base, in its registers.
    ThreadRegs,
    /// The process's lifecycle, served by its host.
    Lifecycle(Lifecycle),
    /// rt_sigreturn: the process library's signal frames.
    SignalReturn,
    /// Linux, in the calling thread's task.
    Linux,
    /// Nobody: -ENOSYS without a round trip. Numbers Linux does not define
    /// on x86_64, and what cellux does not offer a process (reboot: the
    /// machine's life is not a process's; ptrace).
    Refused,
}

impl Route {
    /// Whether Linux's own entry point for the call runs (as the whole
    /// call or as a part of it). The arch port refuses every defined
    /// number for which this is false, so a call routed past Linux can
    /// never reach Linux's version of it by another path.
    pub const fn linux_serves(self) -> bool {
        matches!(
            self,
            Route::Linux | Route::Lifecycle(Lifecycle::Exec | Lifecycle::Exit { .. } | Lifecycle::SetTidAddress)
        )
    }

    /// A short name for traces.
    pub const fn name(self) -> &'static str {
        match self {
            Route::Memory(_) => "mm",
            Route::ThreadRegs => "regs",
            Route::Lifecycle(_) => "process",
            Route::SignalReturn => "sigreturn",
            Route::Linux => "linux",
            Route::Refused => "enosys",
        }
    }
}

/// The routes of the numbers not served by Linux alone.
const SPECIAL: &[(i64, Route)] = &[
    (nr::BRK, Route::Memory(Mm::Brk)),
    (nr::MMAP, Route::Memory(Mm::Mmap)),
    (nr::MUNMAP, Route::Memory(Mm::Munmap)),
    (nr::MPROTECT, Route::Memory(Mm::Mprotect)),
    (nr::MREMAP, Route::Memory(Mm::Mremap)),
    (nr::MADVISE, Route::Memory(Mm::Madvise)),
    (nr::MSYNC, Route::Memory(Mm::Msync)),
    (nr::ARCH_PRCTL, Route::ThreadRegs),
    (nr::FORK, Route::Lifecycle(Lifecycle::Clone(CloneCall::Fork))),
    (nr::VFORK, Route::Lifecycle(Lifecycle::Clone(CloneCall::Vfork))),
    (nr::CLONE, Route::Lifecycle(Lifecycle::Clone(CloneCall::Clone))),
    (nr::CLONE3, Route::Lifecycle(Lifecycle::Clone(CloneCall::Clone3))),
    (nr::EXECVE, Route::Lifecycle(Lifecycle::Exec)),
    (nr::EXECVEAT, Route::Lifecycle(Lifecycle::Exec)),
    (nr::EXIT, Route::Lifecycle(Lifecycle::Exit { group: false })),
    (nr::EXIT_GROUP, Route::Lifecycle(Lifecycle::Exit { group: true })),
    (nr::SET_TID_ADDRESS, Route::Lifecycle(Lifecycle::SetTidAddress)),
    (nr::RT_SIGRETURN, Route::SignalReturn),
    (nr::REBOOT, Route::Refused),
    (nr::PTRACE, Route::Refused),
];

/// Every number syscall_64.tbl assigns goes to Linux, but the special
/// ones; the rest (the gap before 424, the x32 numbers from 512) are
/// refused. Computed at compile time so that `route` is one array load.
const fn build() -> [Route; nr::NR_SYSCALLS as usize] {
    let mut t = [Route::Refused; nr::NR_SYSCALLS as usize];
    let mut n = 0;
    while n < t.len() {
        if nr::name(n as i64).is_some() {
            t[n] = Route::Linux;
        }
        n += 1;
    }
    let mut i = 0;
    while i < SPECIAL.len() {
        t[SPECIAL[i].0 as usize] = SPECIAL[i].1;
        i += 1;
    }
    t
}

static TABLE: [Route; nr::NR_SYSCALLS as usize] = build();

/// The route of call `nr` (as `dispatch::syscall_nr` reads it from eax).
#[inline]
pub fn route(nr: i64) -> Route {
    usize::try_from(nr).ok().and_then(|n| TABLE.get(n)).copied().unwrap_or(Route::Refused)
}

#[cfg(test)]
mod tests;
