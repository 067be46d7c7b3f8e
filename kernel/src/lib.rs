//! The pure parts of the cellux kernel, kept free of hardware access so
//! they are unit-tested on the host: the retype table and page-table
//! entry encoding.
#![cfg_attr(not(test), no_std)]

pub mod copy;
pub mod pte;
pub mod ptwalk;
pub mod slots;
pub mod retype;
