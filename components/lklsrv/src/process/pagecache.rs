//! Linux's page cache, lent to the processes' shared file mappings
//! (`cellux_process::filecache`): each mapped file is a reference Linux
//! holds for us (`lkl::filemap::MappedFile`), and its pages are Linux's
//! own page-cache pages, which processes map at their physical address
//! (Linux's RAM is ours, identity-mapped, from the same untyped memory
//! their frames come from). Linux tells us of pages leaving the cache
//! through the `file_pages_gone` host op (`host::table`).

use alloc::sync::Arc;
use cellux_process::filecache::{CachedFile, PageCache};
use linux_abi::Errno;
use lkl::filemap::MappedFile;

struct Linux;

/// The page cache `cellux_process::filecache::install` is given at boot.
pub static LINUX: &dyn PageCache = &Linux;

struct File(MappedFile);

impl PageCache for Linux {
    fn open(&self, fd: u64, write: bool) -> Result<Arc<dyn CachedFile>, Errno> {
        let fd = i32::try_from(fd).map_err(|_| Errno::EBADF)?;
        Ok(Arc::new(File(MappedFile::open(fd, write)?)))
    }
}

impl CachedFile for File {
    fn mapping(&self) -> u64 {
        self.0.mapping()
    }
    fn may_write(&self) -> bool {
        self.0.may_write()
    }
    fn page(&self, index: u64, write: bool) -> Result<u64, Errno> {
        self.0.page(index, write)
    }
    fn release(&self, index: u64, phys: u64, dirtied: bool) {
        // A failed writeback is Linux's to report (the file's error,
        // seen by the next fsync), as it is for a page written by write().
        let _ = self.0.release(index, phys, dirtied);
    }
    fn dirty(&self, index: u64) -> Result<(), Errno> {
        self.0.dirty(index)
    }
    fn sync(&self, start: u64, end: u64) -> Result<(), Errno> {
        self.0.sync(start, end)
    }
}
