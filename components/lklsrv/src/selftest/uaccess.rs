//! Linux reaching a process's memory through that process's page-table
//! capability: a fresh page table stands in for a process, with one page
//! mapped; a thread bound to it writes from it to a file and reads back
//! into it, and an unmapped address in it is -EFAULT.

use crate::host::uaccess;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::abi::ops::PERM_WRITE;
use cellux_rt::cap::Captbl;
use cellux_rt::{mem, slots};
use lkl::consts::*;
use lkl::{nr, sys as lsys, Errno};

type Outcome = Result<(), (&'static str, i64)>;

/// Where the stand-in process has its page.
const VA: u64 = 0x40_0000;

pub fn run() -> Outcome {
    let pt = slots::alloc();
    let kf = mem::kernel_frame().map_err(|_| ("kernel frame", 0))?;
    Captbl(boot_slot::SELF_CT).new_pgtbl(pt, kf).map_err(|_| ("new page table", 0))?;
    mem::map_new(pt, VA, 1, PERM_WRITE).map_err(|_| ("map the process page", 0))?;
    let msg = b"from the process's own memory";
    mem::copy(pt, VA, msg.as_ptr() as u64, msg.len() as u64, true).map_err(|_| ("fill the page", 0))?;

    let fd = lsys::open(c"/tmp/u", O_CREAT | O_RDWR | O_TRUNC, 0o644).map_err(|x| ("create", -x.0))?;
    uaccess::bind(pt);
    let wrote = lkl::syscall(nr::WRITE, &[fd as i64, VA as i64, msg.len() as i64]);
    let seek = lkl::syscall(nr::LSEEK, &[fd as i64, 0, SEEK_SET]);
    let read = lkl::syscall(nr::READ, &[fd as i64, (VA + 2048) as i64, msg.len() as i64]);
    let fault = lkl::syscall(nr::WRITE, &[fd as i64, (VA + 4096) as i64, 4]);
    uaccess::bind(0);
    let _ = lsys::close(fd);

    let mut back = [0u8; 29];
    mem::copy(pt, VA + 2048, back.as_mut_ptr() as u64, back.len() as u64, false).map_err(|_| ("read the page", 0))?;
    if wrote != Ok(msg.len() as i64) {
        return Err(("write from the process page", wrote.unwrap_or_else(|x| -x.0)));
    }
    if seek.is_err() || read != Ok(msg.len() as i64) || back[..] != msg[..] {
        return Err(("read into the process page", read.unwrap_or_else(|x| -x.0)));
    }
    if fault != Err(Errno::EFAULT) {
        return Err(("unmapped process address not EFAULT", fault.unwrap_or_else(|x| -x.0)));
    }
    Ok(())
}
