//! x86_64 Linux system-call numbers the personality itself serves
//! (arch/x86/entry/syscalls/syscall_64.tbl).

pub const WRITE: u64 = 1;
pub const MMAP: u64 = 9;
pub const MPROTECT: u64 = 10;
pub const MUNMAP: u64 = 11;
pub const BRK: u64 = 12;
pub const MREMAP: u64 = 25;
pub const MADVISE: u64 = 28;
pub const EXIT: u64 = 60;
pub const ARCH_PRCTL: u64 = 158;
pub const SET_TID_ADDRESS: u64 = 218;
pub const EXIT_GROUP: u64 = 231;

/// One past the highest number Linux 6.12 defines on x86_64; anything at
/// or above it is -ENOSYS without asking the Linux server.
pub const NR_SYSCALLS: u64 = 463;
