//! The Linux personality: the part of Linux's process model that is about a
//! process's own address space and threads, which cellux keeps outside the
//! Linux library (Linux runs with CONFIG_MMU=n and owns no page tables).
//!
//! Pure logic lives here and is unit-tested on the host; the server
//! component applies its decisions to page tables through kernel calls
//! (the [`memory::Memory`] it passes to [`dispatch::syscall`]).
#![no_std]
#![cfg_attr(not(test), forbid(unsafe_code))]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod addrspace;
pub mod areas;
pub mod dispatch;
pub mod fault;
pub mod forward;
pub mod memory;
mod mmcalls;
pub mod sigframe;
pub mod signal;
pub mod route;
pub mod sigreturn;
pub mod strace;
