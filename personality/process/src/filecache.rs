//! Shared file mappings (MAP_SHARED of a file): a process's pages there
//! are the page-cache pages of the file themselves, which the handler's
//! Linux lends it ([`PageCache`]), so read(), write() and every process
//! mapping the file meet in the same frames.
//!
//! Each process keeps the files its shared mappings show ([`Files`]: a
//! reference each, shared with the children a fork makes) and the pages
//! it has mapped so far, each pinned in Linux's page cache until it is
//! unmapped (munmap, exit, exec) and made dirty then if it was mapped
//! writable, so what the process wrote goes back to the file. A page is
//! mapped read-only until the first write (which makes it dirty in
//! Linux, as a write(2) of it would); a page past the end of the file is
//! SIGBUS; truncation takes pages out of every process ([`pages_gone`]).
//!
//! Linux is never called with a process's backing locked: a call may
//! sleep, and Linux may call back ([`pages_gone`]) and take that lock.
//! What a backing change lets go of ([`Release`]) is handed to Linux
//! once the lock is dropped.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use linux_abi::Errno;

use cellux_rt::sync::SpinLocked;

/// One open file a shared mapping shows, as the handler's Linux lends
/// its pages. Dropping the last reference closes it.
pub trait CachedFile: Send + Sync {
    /// The name of the file's page cache (the same for every open file
    /// of its inode): what [`pages_gone`] is told.
    fn mapping(&self) -> u64;
    /// Whether a mapping of it may be made writable.
    fn may_write(&self) -> bool;
    /// The physical address of file page `index`, pinned until
    /// [`CachedFile::release`]; `write`: made dirty too. ENXIO past the
    /// end of the file.
    fn page(&self, index: u64, write: bool) -> Result<u64, Errno>;
    /// Unpins a page `page` gave, first made dirty again if `dirtied`.
    fn release(&self, index: u64, phys: u64, dirtied: bool);
    /// Makes page `index` dirty again (written through a mapping since).
    fn dirty(&self, index: u64) -> Result<(), Errno>;
    /// Writes the file's bytes [start, end) back and waits.
    fn sync(&self, start: u64, end: u64) -> Result<(), Errno>;
}

/// Linux's page cache as the handler lends it.
pub trait PageCache: Sync {
    /// The file the calling thread's task has open as `fd`, for a shared
    /// mapping (`write`: PROT_WRITE now), with mmap(2)'s errors.
    fn open(&self, fd: u64, write: bool) -> Result<Arc<dyn CachedFile>, Errno>;
}

static CACHE: SpinLocked<Option<&'static dyn PageCache>> = SpinLocked::new(None);

/// Installs the page cache shared file mappings use (once, at start);
/// without one they are ENODEV.
pub fn install(cache: &'static dyn PageCache) {
    CACHE.with(|c| *c = Some(cache));
}

pub(crate) fn open(fd: u64, write: bool) -> Result<Arc<dyn CachedFile>, Errno> {
    let cache = CACHE.with(|c| *c).ok_or(Errno::ENODEV)?;
    cache.open(fd, write)
}

/// Counts [`pages_gone`] calls: a page fetched from Linux before one
/// began may be gone from the file already, and is not installed.
static GONE: AtomicU64 = AtomicU64::new(0);

/// Where the count of truncations is now, to be passed to
/// [`Files::install`] for a page fetched after it.
pub(crate) fn generation() -> u64 {
    GONE.load(Ordering::Acquire)
}

/// A page-cache page mapped at some address of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePage {
    /// The file ([`Files`] id) and page within it.
    pub id: u32,
    pub index: u64,
    pub phys: u64,
    /// Pinned for writing (dirty in Linux): it may be mapped writable.
    pub writable: bool,
}

/// What msync has to do for one shared file mapping: make the file
/// pages written through it (`written`, mapped writable) dirty again,
/// and with MS_SYNC write back the file's bytes [start, end) it shows.
pub struct SyncSpan {
    pub file: Arc<dyn CachedFile>,
    pub written: Vec<u64>,
    pub start: u64,
    pub end: u64,
}

/// A pin to give back, or a file reference to drop, once no backing is
/// locked.
pub struct Release {
    file: Arc<dyn CachedFile>,
    page: Option<(u64, u64, bool)>,
}

impl Release {
    pub fn run(self) {
        if let Some((index, phys, dirtied)) = self.page {
            self.file.release(index, phys, dirtied);
        }
    }
}

/// The shared file mappings of one process: the files (by the id their
/// ranges name) and the pages mapped, by address.
#[derive(Default)]
pub struct Files {
    files: BTreeMap<u32, Arc<dyn CachedFile>>,
    next_id: u32,
    pages: BTreeMap<u64, FilePage>,
}

impl Files {
    /// Holds `file` for a new mapping; its id.
    pub fn add(&mut self, file: Arc<dyn CachedFile>) -> u32 {
        while self.files.contains_key(&self.next_id) {
            self.next_id = self.next_id.wrapping_add(1);
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.files.insert(id, file);
        id
    }

    pub fn file(&self, id: u32) -> Option<&Arc<dyn CachedFile>> {
        self.files.get(&id)
    }

    pub fn page(&self, va: u64) -> Option<FilePage> {
        self.pages.get(&va).copied()
    }

    /// Mapped pages of [start, end), by address.
    pub fn pages_in(&self, start: u64, end: u64) -> Vec<(u64, FilePage)> {
        self.pages.range(start..end).map(|(&va, &p)| (va, p)).collect()
    }

    /// Records page `page` at `va`, fetched at generation `gen`; false
    /// if a truncation began since (the caller gives the pin back and
    /// asks again).
    pub fn install(&mut self, va: u64, page: FilePage, gen: u64) -> bool {
        if generation() != gen {
            return false;
        }
        self.pages.insert(va, page);
        true
    }

    pub fn set_writable(&mut self, va: u64) {
        if let Some(p) = self.pages.get_mut(&va) {
            p.writable = true;
        }
    }

    /// Forgets the page at `va`; its pin to give back (dirtied if it was
    /// writable, unless `discard`).
    pub fn remove(&mut self, va: u64, discard: bool) -> Option<Release> {
        let p = self.pages.remove(&va)?;
        let file = self.files.get(&p.id)?.clone();
        Some(Release { file, page: Some((p.index, p.phys, p.writable && !discard)) })
    }

    /// Drops the files no range shows any more (`live`: the ids that
    /// some range names); their references go with `out`.
    pub fn keep_only(&mut self, live: &[u32], out: &mut Vec<Release>) {
        let dead: Vec<u32> = self.files.keys().copied().filter(|id| !live.contains(id)).collect();
        for id in dead {
            if let Some(file) = self.files.remove(&id) {
                out.push(Release { file, page: None });
            }
        }
    }

    /// The files a forked child shares (no pages: it maps its own on
    /// first touch, the same page-cache pages).
    pub fn for_child(&self) -> Files {
        Files { files: self.files.clone(), next_id: self.next_id, pages: BTreeMap::new() }
    }

    /// The pages of file page cache `mapping` within file pages
    /// [first, last], by address.
    pub fn pages_of(&self, mapping: u64, first: u64, last: u64) -> Vec<u64> {
        self.pages
            .iter()
            .filter(|(_, p)| {
                (first..=last).contains(&p.index) && self.files.get(&p.id).is_some_and(|f| f.mapping() == mapping)
            })
            .map(|(&va, _)| va)
            .collect()
    }
}

/// Linux's file_pages_gone: the pages [first, last] of page cache
/// `mapping` have left it (truncate, hole punching). Every process lets
/// go of them (undirtied: their bytes are no longer the file's), so a
/// later touch meets SIGBUS past the end of the file or the page the
/// cache has now. Runs inside Linux, which the pins go back to.
pub fn pages_gone(mapping: u64, first: u64, last: u64) {
    GONE.fetch_add(1, Ordering::AcqRel);
    for r in crate::pages::drop_file_pages(mapping, first, last) {
        r.run();
    }
}
