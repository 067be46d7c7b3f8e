//! The pure parts of the cellux kernel (Hubris keeps the same split as
//! `sys/kerncore`): rules with no hardware access, so they are unit-tested
//! on the host and the image (`kernel/src`) only adds the direct map,
//! reference counts and the CPU around them. The retype table
//! (`retype`), capability-table slots (`slots`), page-table entry
//! encoding and walks (`pte`, `ptwalk`), and the planning of
//! kernel-mediated copies (`copy`). Outside tests nothing here is
//! `unsafe`, and the lint keeps it so.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), forbid(unsafe_code))]

pub mod copy;
pub mod pte;
pub mod ptwalk;
pub mod retype;
pub mod slots;
