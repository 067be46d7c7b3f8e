//! The contract between the cellux kernel and its user-level components.
//! Pure data and parsing: it builds for the freestanding images and for the
//! host, where its parsers are unit-tested.
#![cfg_attr(not(test), no_std)]

#[macro_use]
pub mod args;
pub mod archive;
pub mod counters;
pub mod elf;
pub mod err;
pub mod layout;
pub mod ops;
pub mod regs;

#[cfg(any(cellux_image, test))]
mod mem;
