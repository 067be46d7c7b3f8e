//! Linux's view of a process's address space: the host keeps the map and
//! the page table, and tells Linux each change, for which Linux keeps
//! VMAs in the task's mm as it would with an MMU (its own /proc: maps,
//! status, statm, stat; fork copies them). `lkl_host.h` ("Linux's view of
//! a process's address space") is the contract; `None` for the task is
//! the calling thread's own.

use crate::ffi;
use crate::task::Task;
use crate::Errno;
use core::ffi::{c_int, c_ulong, c_ulonglong};

/// What a mapping shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shows {
    /// Memory of its own (zeroes at first).
    Anonymous,
    /// The file the task has open as `fd`, from byte `offset`.
    File { fd: i32, offset: u64 },
    /// The task's executable, from byte `offset` (an image's segment).
    Executable { offset: u64 },
}

/// A mapping's kind beyond what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kind {
    /// PROT_* bits (read 1, write 2, exec 4).
    pub prot: u32,
    /// MAP_SHARED.
    pub shared: bool,
    /// The initial stack.
    pub stack: bool,
}

fn handle(task: Option<Task>) -> ffi::lkl_task_t {
    task.map_or(0, |t| t.0)
}

fn prot_flags(prot: u32) -> c_ulong {
    c_ulong::from(prot) & (ffi::LKL_VMA_READ | ffi::LKL_VMA_WRITE | ffi::LKL_VMA_EXEC)
}

fn check(r: i64) -> Result<(), Errno> {
    Errno::result(r).map(|_| ())
}

/// [start, end) is now one mapping of `kind` showing `shows`.
pub fn map(task: Option<Task>, start: u64, end: u64, kind: Kind, shows: Shows) -> Result<(), Errno> {
    let mut flags = prot_flags(kind.prot);
    if kind.shared {
        flags |= ffi::LKL_VMA_SHARED;
    }
    if kind.stack {
        flags |= ffi::LKL_VMA_STACK;
    }
    let (fd, offset) = match shows {
        Shows::Anonymous => (-1, 0),
        Shows::File { fd, offset } => {
            flags |= ffi::LKL_VMA_FILE;
            (fd, offset)
        }
        Shows::Executable { offset } => {
            flags |= ffi::LKL_VMA_EXE;
            (-1, offset)
        }
    };
    // SAFETY: plain values; Linux checks them all.
    check(unsafe { ffi::lkl_vma_map(handle(task), start as c_ulong, end as c_ulong, flags, fd as c_int, offset as c_ulonglong) } as i64)
}

/// [start, end) is no longer mapped.
pub fn unmap(task: Option<Task>, start: u64, end: u64) -> Result<(), Errno> {
    // SAFETY: plain values; Linux checks them.
    check(unsafe { ffi::lkl_vma_unmap(handle(task), start as c_ulong, end as c_ulong) } as i64)
}

/// The mapped parts of [start, end) now allow `prot`.
pub fn protect(task: Option<Task>, start: u64, end: u64, prot: u32) -> Result<(), Errno> {
    // SAFETY: plain values; Linux checks them.
    check(unsafe { ffi::lkl_vma_protect(handle(task), start as c_ulong, end as c_ulong, prot_flags(prot)) } as i64)
}

/// Where a new image lies, as Linux's ELF loader records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Image {
    pub start_code: u64,
    pub end_code: u64,
    pub start_data: u64,
    pub end_data: u64,
    pub start_brk: u64,
    pub brk: u64,
    pub start_stack: u64,
}

/// Records a new image's layout in the task's mm.
pub fn set_image(task: Option<Task>, i: &Image) -> Result<(), Errno> {
    let words = [i.start_code, i.end_code, i.start_data, i.end_data, i.start_brk, i.brk, i.start_stack].map(|v| v as c_ulong);
    // SAFETY: seven words that outlive the call.
    check(unsafe { ffi::lkl_task_set_image(handle(task), words.as_ptr()) } as i64)
}

/// The program break is now `brk`.
pub fn set_brk(task: Option<Task>, brk: u64) -> Result<(), Errno> {
    // SAFETY: a plain value.
    check(unsafe { ffi::lkl_task_set_brk(handle(task), brk as c_ulong) } as i64)
}
