//! x86_64 Linux system-call numbers the routing table names
//! (arch/x86/entry/syscalls/syscall_64.tbl).

pub const READ: u64 = 0;
pub const WRITE: u64 = 1;
pub const MMAP: u64 = 9;
pub const MPROTECT: u64 = 10;
pub const MUNMAP: u64 = 11;
pub const BRK: u64 = 12;
pub const RT_SIGPROCMASK: u64 = 14;
pub const RT_SIGRETURN: u64 = 15;
pub const MREMAP: u64 = 25;
pub const MADVISE: u64 = 28;
pub const CLONE: u64 = 56;
pub const FORK: u64 = 57;
pub const VFORK: u64 = 58;
pub const EXECVE: u64 = 59;
pub const EXIT: u64 = 60;
pub const PTRACE: u64 = 101;
pub const SIGALTSTACK: u64 = 131;
pub const ARCH_PRCTL: u64 = 158;
pub const REBOOT: u64 = 169;
pub const SET_TID_ADDRESS: u64 = 218;
pub const EXIT_GROUP: u64 = 231;
pub const EXECVEAT: u64 = 322;
pub const CLONE3: u64 = 435;

/// One past the highest number Linux 6.12 defines on x86_64; anything at
/// or above it is -ENOSYS without asking the Linux server.
pub const NR_SYSCALLS: u64 = 463;

/// The names of the numbers above, as syscall_64.tbl spells them.
pub fn name(nr: u64) -> Option<&'static str> {
    Some(match nr {
        READ => "read",
        WRITE => "write",
        MMAP => "mmap",
        MPROTECT => "mprotect",
        MUNMAP => "munmap",
        BRK => "brk",
        RT_SIGPROCMASK => "rt_sigprocmask",
        RT_SIGRETURN => "rt_sigreturn",
        MREMAP => "mremap",
        MADVISE => "madvise",
        CLONE => "clone",
        FORK => "fork",
        VFORK => "vfork",
        EXECVE => "execve",
        EXIT => "exit",
        PTRACE => "ptrace",
        SIGALTSTACK => "sigaltstack",
        ARCH_PRCTL => "arch_prctl",
        REBOOT => "reboot",
        SET_TID_ADDRESS => "set_tid_address",
        EXIT_GROUP => "exit_group",
        EXECVEAT => "execveat",
        CLONE3 => "clone3",
        _ => return None,
    })
}
