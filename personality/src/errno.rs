//! Linux errno values the personality returns at the ABI edge.

/// A Linux error number; the syscall result is its negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EPERM: Errno = Errno(1);
    pub const EBADF: Errno = Errno(9);
    pub const ENOMEM: Errno = Errno(12);
    pub const EACCES: Errno = Errno(13);
    pub const EFAULT: Errno = Errno(14);
    pub const EEXIST: Errno = Errno(17);
    pub const ENODEV: Errno = Errno(19);
    pub const EINVAL: Errno = Errno(22);
    pub const ENOSYS: Errno = Errno(38);

    /// The value a syscall returns in rax for this error.
    pub const fn as_return(self) -> i64 {
        -(self.0 as i64)
    }
}
