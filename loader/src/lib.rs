//! What the loader component needs to know to start a static Linux binary:
//! which bytes go where with which protection ([`elf`]), and the initial
//! stack the x86_64 SysV ABI and Linux promise at the entry point ([`stack`]).
//!
//! Pure and allocation-light so it runs both in the no_std loader component
//! and in host unit tests; building page tables from it is the component's job.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod elf;
pub mod stack;

/// x86_64 pages: the granule segments are mapped and protected at.
pub use linux_abi::PAGE_SIZE;
