//! Linux processes on the cellux kernel. A process is a component of its
//! own (own capability table and page table, marked Linux-ABI) whose
//! `syscall`s and CPU exceptions trap to a handler component; this crate is
//! the handler's side: [`spawn`] builds one from a static ELF image,
//! [`pages::Pages`] is its page table as the personality's `Memory`, and
//! [`trap::handle`] turns a trapped upcall into the personality's answer.
//!
//! The handler component (the LKL server, or the ptest harness) provides a
//! global allocator and the `Forward` hook.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod backing;
mod entropy;
pub mod filecache;
pub mod fork;
pub mod frames;
pub mod pages;
pub mod proc;
mod scratch;
mod signals;
pub mod spawn;
pub mod trap;
pub mod view;

pub use proc::Proc;
pub use spawn::{exec, spawn, SpawnError, Spec};
