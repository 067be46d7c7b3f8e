//! What the personality needs from a process's page table: fresh zeroed
//! pages with a protection, unmapping, protection changes, and reaching
//! user memory (with EFAULT on bad addresses). On cellux a page-table
//! capability and the kernel's copy op implement it; host tests use a fake.

use linux_abi::Errno;

use crate::addrspace::Effect;

pub trait Memory {
    /// Maps fresh zero-filled pages over [start, end) with `prot`
    /// (`addrspace::prot` bits; PROT_NONE pages need not be backed yet).
    fn map(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno>;
    /// As `map`, for MAP_SHARED|MAP_ANONYMOUS: the pages stay shared with
    /// the children a fork makes (each sees the other's writes).
    fn map_shared(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno> {
        self.map(start, end, prot)
    }
    /// Maps the page-cache pages of open file `fd` from byte `offset` over
    /// [start, end) (MAP_SHARED of a file: every mapping of the file, and
    /// read() and write(), see the same bytes); mmap(2)'s errors for the
    /// file (EACCES, ENODEV...).
    fn map_file(&mut self, start: u64, end: u64, prot: u32, fd: u64, offset: u64) -> Result<(), Errno> {
        let _ = (start, end, prot, fd, offset);
        Err(Errno::ENODEV)
    }
    /// Whether [start, end) may take protection `prot` (a shared file
    /// mapping of a file not open for writing never becomes writable:
    /// EACCES), asked before the change.
    fn may_protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno> {
        let _ = (start, end, prot);
        Ok(())
    }
    /// msync(2) of [start, end): what was written through shared file
    /// mappings there goes to the file, and with `wait` (MS_SYNC) to its
    /// disk before returning.
    fn sync(&mut self, start: u64, end: u64, wait: bool) -> Result<(), Errno> {
        let _ = (start, end, wait);
        Ok(())
    }
    /// Drops every page of [start, end); unmapped holes are fine.
    fn unmap(&mut self, start: u64, end: u64);
    /// Moves the contents of [from, from + len) to [to, to + len), a
    /// fresh readable and writable mapping (mremap's move); pages that can
    /// not be read (PROT_NONE) arrive zeroed. The old range is unmapped
    /// afterwards by the caller.
    fn relocate(&mut self, from: u64, to: u64, len: u64) -> Result<(), Errno> {
        let mut page = alloc::vec![0u8; 4096];
        let mut off = 0;
        while off < len {
            if self.read(from + off, &mut page).is_ok() {
                self.write(to + off, &page)?;
            }
            off += 4096;
        }
        Ok(())
    }
    /// Backs the pages of [start, end) now, as they are about to be
    /// written whole (a private file mapping's fill), so that the writes
    /// do not stop at every page. A hint: a page left unbacked here is
    /// backed by its first touch, as any.
    fn populate(&mut self, start: u64, end: u64) {
        let _ = (start, end);
    }
    /// Changes the protection of [start, end), keeping contents.
    fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno>;
    /// Replaces the pages of [start, end) that exist by zeroed ones,
    /// keeping their protection (MADV_DONTNEED on private memory).
    fn zero(&mut self, start: u64, end: u64) -> Result<(), Errno>;
    /// Linux's view of the map (its /proc/PID/maps, status, statm): `e`
    /// has just been applied, for Linux to record. Linux only shows what
    /// it is told; a failure to tell it changes nothing for the process.
    fn record(&mut self, e: &Effect) {
        let _ = e;
    }
    /// As `record`, for the program break, now `brk`.
    fn record_brk(&mut self, brk: u64) {
        let _ = brk;
    }
    /// copy_from_user: all of `buf` or EFAULT.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// copy_to_user: all of `buf` or EFAULT.
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno>;
}
