//! cellux's library-mode Linux 6.12 (our own arch port, see lkl/README.md).
//!
//! The core of this crate is `no_std`: the FFI mirror of the host contract
//! (`ffi`), the Linux ABI (`linux`, re-exported from linux-abi), and a
//! safe API to start Linux with a host-operations table, run syscalls in the
//! calling host thread's task, manage tasks, and halt. The `std` feature
//! adds `host`, the hosted host-operations implementation, and the host side
//! of a virtio-mmio block device over a memory buffer or file.

#![cfg_attr(not(feature = "std"), no_std)]
// C's `unsigned long` is u64 here but not on every host: keep the casts.
#![allow(clippy::unnecessary_cast)]

#[cfg(feature = "std")]
extern crate std;

pub mod console;
pub mod exec;
pub mod ffi;
pub mod filemap;
pub mod jmp;
pub mod kernel;
pub mod linux;
pub mod sys;
pub mod task;
pub mod userpages;
pub mod vmas;
#[cfg(not(lkl_linked))]
mod unlinked;
pub mod virtio;

#[cfg(feature = "std")]
pub mod host;

pub use linux_abi::Errno;
pub use kernel::{halt, is_running, panic_test, start, syscall, syscall_from_user, Kernel};
pub use linux::{consts, nr, structs, LINUX_VERSION};

/// True when this build carries Linux itself (the port's `lkl.o`); false
/// when it was built before the port existed and every call says ENODEV.
pub const LINKED: bool = cfg!(lkl_linked);
