//! Shared file mappings: the pages of Linux's page cache, mapped by the
//! host into its processes (Linux's RAM is the host's memory, named by
//! physical address), so read(), write() and every mapping of a file
//! meet in the same frames. A [`MappedFile`] is the host's reference to
//! the open file; each page it hands out is pinned until released.
//! `lkl_host.h` ("Shared file mappings") is the contract; every call runs
//! in the calling thread's task, from a process's fault or from inside
//! Linux (a host op) alike.

use crate::Errno;
use crate::ffi;
use core::ffi::{c_int, c_ulong, c_ulonglong};

/// A reference to an open file for a MAP_SHARED mapping; dropping it
/// drops the reference (the last one closes the file).
#[derive(Debug)]
pub struct MappedFile {
    handle: c_ulong,
    mapping: u64,
    may_write: bool,
}

impl MappedFile {
    /// The file the calling thread's task has open as `fd`, with
    /// mmap(2)'s checks for a shared mapping (`write`: PROT_WRITE asked
    /// for now): EBADF, EACCES, ENODEV (no page cache).
    pub fn open(fd: i32, write: bool) -> Result<MappedFile, Errno> {
        let (mut handle, mut mapping): (c_ulong, c_ulong) = (0, 0);
        // SAFETY: Linux writes the two words and nothing else.
        let r = Errno::result(unsafe { ffi::lkl_file_map(fd as c_int, write as c_int, &mut handle, &mut mapping) } as i64)?;
        Ok(MappedFile { handle, mapping: mapping as u64, may_write: r == 1 })
    }

    /// The name of the file's page cache, the same for every open file of
    /// its inode: what [`set_pages_gone`]'s callback is told.
    pub fn mapping(&self) -> u64 {
        self.mapping
    }

    /// Whether a mapping of it may be made writable (open for writing,
    /// not append-only): mprotect's PROT_WRITE check.
    pub fn may_write(&self) -> bool {
        self.may_write
    }

    /// The physical address of the page-cache page at file page `index`,
    /// pinned until [`MappedFile::release`]; `write`: made dirty too.
    /// ENXIO past the end of the file.
    pub fn page(&self, index: u64, write: bool) -> Result<u64, Errno> {
        let mut phys: c_ulong = 0;
        // SAFETY: `handle` is a live reference of ours; Linux writes `phys` only.
        Errno::result(unsafe { ffi::lkl_file_page(self.handle, index as c_ulong, write as c_int, &mut phys) } as i64)?;
        Ok(phys as u64)
    }

    /// Unpins a page [`MappedFile::page`] gave; `dirtied`: it was mapped
    /// writable, so what was written there goes back to the file.
    pub fn release(&self, index: u64, phys: u64, dirtied: bool) -> Result<(), Errno> {
        // SAFETY: `handle` is live; Linux checks `phys` is a page of its RAM.
        let r = unsafe { ffi::lkl_file_page_release(self.handle, index as c_ulong, phys as c_ulong, dirtied as c_int) };
        Errno::result(r as i64).map(|_| ())
    }

    /// Makes the page at `index` dirty again (msync of a writable mapping).
    pub fn dirty(&self, index: u64) -> Result<(), Errno> {
        // SAFETY: `handle` is live.
        Errno::result(unsafe { ffi::lkl_file_page_dirty(self.handle, index as c_ulong) } as i64).map(|_| ())
    }

    /// Writes the file's bytes [start, end) back and waits (MS_SYNC).
    pub fn sync(&self, start: u64, end: u64) -> Result<(), Errno> {
        // SAFETY: `handle` is live.
        Errno::result(unsafe { ffi::lkl_file_sync(self.handle, start as c_ulonglong, end as c_ulonglong) } as i64).map(|_| ())
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: our reference, given back once.
        unsafe { ffi::lkl_file_put(self.handle) }
    }
}
