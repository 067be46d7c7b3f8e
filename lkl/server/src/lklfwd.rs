//! The personality's `Forward` hook on the server: every call it does not
//! serve runs in the calling process's Linux task (the migrated thread has
//! adopted it, so Linux finds it through the TLS key), with the process's
//! user pointers reached through its page table (`Tcb::user_pt`).

use crate::tcb;
use cellux_personality::errno::Errno;
use cellux_personality::forward::{Caller, Forward};
use cellux_personality::memory::Memory;
use core::sync::atomic::Ordering;

pub struct LklForward;

impl Forward for LklForward {
    fn syscall(&mut self, _: Caller, nr: u64, args: [u64; 6], _: &mut dyn Memory) -> i64 {
        let mut a = args.map(|v| v as i64);
        // SAFETY: six arguments as lkl_syscall reads; pointers among them
        // are process addresses, reaching Linux only through
        // copy_*_user on this thread's user page table. Numbers Linux does
        // not implement come back as -ENOSYS.
        unsafe { lkl::ffi::lkl_syscall(nr as i64, a.as_mut_ptr()) }
    }

    fn read_file(&mut self, _: Caller, fd: u64, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        // `buf` is server memory: for this one call, Linux's user copies
        // go to our own page table instead of the process's.
        let me = tcb::me();
        let pt = me.user_pt.swap(0, Ordering::AcqRel);
        let r = lkl::syscall(lkl::nr::PREAD64, &[fd as i64, buf.as_mut_ptr() as i64, buf.len() as i64, offset as i64]);
        me.user_pt.store(pt, Ordering::Release);
        r.map(|n| n as usize).map_err(|e| Errno(e.0 as i32))
    }
}
