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

/// Counts [`pages_gone`] and [`pages_clean`] calls, by a hash of the
/// file pages they are about: a page fetched from Linux before one began
/// may be gone from the file already, or clean, and is not installed. A
/// count per page (or few) keeps the writeback of other pages from
/// making a fetch start over again and again.
const BUCKETS: usize = 256;
static GONE: [AtomicU64; BUCKETS] = [const { AtomicU64::new(0) }; BUCKETS];

fn bucket(mapping: u64, index: u64) -> &'static AtomicU64 {
    let h = (mapping >> 6).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index;
    &GONE[h as usize % BUCKETS]
}

/// Counts a change of page cache `mapping`'s file pages [first, last].
fn changed(mapping: u64, first: u64, last: u64) {
    if last.saturating_sub(first) >= BUCKETS as u64 {
        for g in &GONE {
            g.fetch_add(1, Ordering::AcqRel);
        }
        return;
    }
    for index in first..=last {
        bucket(mapping, index).fetch_add(1, Ordering::AcqRel);
    }
}

/// How many page-cache pages processes have mapped now: with none,
/// Linux's calls about file pages (every writeback) have nothing to do.
static MAPPED: AtomicU64 = AtomicU64::new(0);

/// Where the count of changes to file page `index` of page cache
/// `mapping` is now: taken before the page is fetched, compared when it
/// is installed.
pub(crate) fn generation(mapping: u64, index: u64) -> u64 {
    bucket(mapping, index).load(Ordering::Acquire)
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
    /// (file id, file page) -> address: one address per page of a file id
    /// (a mapping shows each file page once), for Linux's calls about
    /// file pages.
    by_index: BTreeMap<(u32, u64), u64>,
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

    /// How many pages are mapped.
    pub fn mapped(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Mapped pages of [start, end), by address.
    pub fn pages_in(&self, start: u64, end: u64) -> Vec<(u64, FilePage)> {
        self.pages.range(start..end).map(|(&va, &p)| (va, p)).collect()
    }

    /// Records page `page` at `va` (its generation checked by the caller).
    pub fn install(&mut self, va: u64, page: FilePage) {
        self.pages.insert(va, page);
        self.by_index.insert((page.id, page.index), va);
        MAPPED.fetch_add(1, Ordering::AcqRel);
    }

    pub fn set_writable(&mut self, va: u64, writable: bool) {
        if let Some(p) = self.pages.get_mut(&va) {
            p.writable = writable;
        }
    }

    /// Forgets the page at `va`; its pin to give back (dirtied if it was
    /// writable, unless `discard`).
    pub fn remove(&mut self, va: u64, discard: bool) -> Option<Release> {
        let p = self.pages.remove(&va)?;
        self.by_index.remove(&(p.id, p.index));
        MAPPED.fetch_sub(1, Ordering::AcqRel);
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
        Files { files: self.files.clone(), next_id: self.next_id, pages: BTreeMap::new(), by_index: BTreeMap::new() }
    }

    /// The pages of file page cache `mapping` within file pages
    /// [first, last], by address.
    pub fn pages_of(&self, mapping: u64, first: u64, last: u64) -> Vec<u64> {
        let mut out = Vec::new();
        for (&id, _) in self.files.iter().filter(|(_, f)| f.mapping() == mapping) {
            out.extend(self.by_index.range((id, first)..=(id, last)).map(|(_, &va)| va));
        }
        out
    }
}

/// Linux's file_pages_gone: the pages [first, last] of page cache
/// `mapping` have left it (truncate, hole punching). Every process lets
/// go of them (undirtied: their bytes are no longer the file's), so a
/// later touch meets SIGBUS past the end of the file or the page the
/// cache has now. Runs inside Linux, which the pins go back to.
pub fn pages_gone(mapping: u64, first: u64, last: u64) {
    changed(mapping, first, last);
    if MAPPED.load(Ordering::Acquire) == 0 {
        return;
    }
    for r in crate::pages::drop_file_pages(mapping, first, last) {
        r.run();
    }
}

/// Linux's file_pages_clean: the pages [first, last] of page cache
/// `mapping` are about to be written back. Every process maps them
/// read-only again, so a later write faults and makes the page dirty
/// once more (Linux with an MMU write-protects them: folio_mkclean), and
/// gives them back undirtied unless written again. Runs inside Linux.
pub fn pages_clean(mapping: u64, first: u64, last: u64) {
    // A fetch under way may have made its page dirty before this; it
    // asks again rather than map it writable.
    changed(mapping, first, last);
    if MAPPED.load(Ordering::Acquire) == 0 {
        return;
    }
    for r in crate::pages::clean_file_pages(mapping, first, last) {
        r.run();
    }
}
