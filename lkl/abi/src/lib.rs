//! The x86_64 Linux ABI as cellux speaks it, in one place: syscall numbers
//! (`nr`), uapi flags and constants (`consts`), errno values (`Errno`), uapi
//! structs (`structs`) and the top of a process's address space
//! (`TASK_SIZE_MAX`). Everything but TASK_SIZE_MAX is generated at build
//! time from Debian's linux-source-6.12 (see build.rs), so no number is
//! spelt twice and none can drift from the Linux that serves the calls.
//!
//! The crate needs only Linux's source tree, never its built object: the
//! host-tested pure crates (personality, loader) use it as the `lkl` crate
//! and the server do (`lkl` re-exports it).

#![no_std]
#![allow(missing_docs)]

#[cfg(test)]
extern crate std;

mod errno;

pub use errno::Errno;

include!(concat!(env!("OUT_DIR"), "/linux_gen.rs"));

/// The credentials a new image is told of in its auxiliary vector
/// (AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE), as Linux's exec set
/// them: a set-ID file's owner, `no_new_privs` and all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecCreds {
    pub uid: u64,
    pub euid: u64,
    pub gid: u64,
    pub egid: u64,
    /// The exec gained privilege (set-ID or capabilities): libcs then
    /// ignore the environment variables that could subvert it.
    pub secure: bool,
}

/// The page size of x86_64.
pub const PAGE_SIZE: u64 = 4096;

/// The first address above user space with 4-level paging, as Linux's
/// `task_size_max()` computes it (arch/x86/include/asm/page_64_types.h:
/// `(1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE`, the shift 47): the top page
/// of the lower half stays unmapped so that a `syscall` at its very end
/// cannot return to a non-canonical address. Not in the uapi headers, so
/// not generated; the test below holds it to the sum.
pub const TASK_SIZE_MAX: u64 = (1 << 47) - PAGE_SIZE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_numbers_are_x86_64s() {
        assert_eq!(nr::READ, 0);
        assert_eq!(nr::GETPID, 39);
        assert_eq!(nr::WAIT4, 61);
        assert_eq!(nr::OPENAT, 257);
        assert_eq!(nr::RESTART_SYSCALL, 219);
        assert_eq!(nr::name(39), Some("getpid"));
        assert_eq!(nr::name(335), Some("uretprobe"), "Debian's 6.12 has it");
        assert_eq!(nr::name(336), None, "the gap before io_uring_setup");
        assert_eq!(nr::NR_SYSCALLS, 463, "one past mseal in 6.12");
        assert!(LINUX_VERSION.starts_with("6.12."));
    }

    #[test]
    fn flags_and_struct_layouts_are_x86_64s() {
        assert_eq!(consts::O_CREAT, 0o100);
        assert_eq!(consts::O_DIRECTORY, 0o200000);
        assert_eq!(consts::AT_FDCWD, -100);
        assert_eq!(consts::SIGCHLD, 17);
        assert_eq!(core::mem::size_of::<structs::stat>(), 144);
        assert_eq!(core::mem::size_of::<structs::epoll_event>(), 12);
        assert_eq!(core::mem::size_of::<structs::new_utsname>(), 6 * 65);
    }

    #[test]
    fn task_size_is_the_lower_half_less_a_page() {
        assert_eq!(TASK_SIZE_MAX, 0x7fff_ffff_f000);
    }
}
