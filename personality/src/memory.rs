//! What the personality needs from a process's page table: fresh zeroed
//! pages with a protection, unmapping, protection changes, and reaching
//! user memory (with EFAULT on bad addresses). On cellux a page-table
//! capability and the kernel's copy op implement it; host tests use a fake.

use crate::errno::Errno;

pub trait Memory {
    /// Maps fresh zero-filled pages over [start, end) with `prot`
    /// (`addrspace::prot` bits; PROT_NONE pages need not be backed yet).
    fn map(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno>;
    /// Drops every page of [start, end); unmapped holes are fine.
    fn unmap(&mut self, start: u64, end: u64);
    /// Changes the protection of [start, end), keeping contents.
    fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno>;
    /// Replaces the pages of [start, end) that exist by zeroed ones,
    /// keeping their protection (MADV_DONTNEED on private memory).
    fn zero(&mut self, start: u64, end: u64) -> Result<(), Errno>;
    /// copy_from_user: all of `buf` or EFAULT.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// copy_to_user: all of `buf` or EFAULT.
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno>;
}
