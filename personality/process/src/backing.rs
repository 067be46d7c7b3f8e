//! What backs a process's address space: the ranges it may touch
//! (`Areas`) and the frames put under the pages touched so far. A page
//! gets its frame on first touch (a page fault, or the server's copy in
//! or out of it), zeroed; fork shares frames instead of copying them and
//! maps private writable ones read-only on both sides, and the first
//! write by either copies the frame (or, once the other side has let go
//! of it, only maps it writable again). PROT_NONE pages keep their frame
//! unmapped, so a later mprotect finds their contents again.
//!
//! The page-table entry of a backed page follows from its range and its
//! frame: mapped if the range allows any access, writable only if the
//! range allows writes and the frame is not shared copy-on-write. Entries
//! may be stricter than that (the other side of a fork let go of a
//! frame): a fault then only maps it again.
//!
//! A shared file mapping's pages are Linux's page-cache pages instead
//! (`filecache`): a touch there that finds no page (or a read-only one,
//! for a write) is a [`Fetch`] for the caller to get from Linux with no
//! lock held, then [`Backing::install_file`]; what such pages and files
//! let go of waits in [`Backing::take_leaving`].

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use cellux_abi::err::Error;
use cellux_abi::ops::{self, PERM_EXEC, PERM_WRITE};
use cellux_rt::cap::Pgtbl;
use cellux_rt::mem::UT;
use cellux_personality::areas::{Access, Areas, FileSpan};
use linux_abi::Errno;

use crate::filecache::{CachedFile, FilePage, Files, Release, SyncSpan};
use crate::{frames, scratch};

pub const PAGE: u64 = 4096;
/// The most pages one unmap call takes (the kernel's bound is larger).
const MAX_RUN: u64 = 1 << 16;

/// How a page is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    Read,
    Write,
    Exec,
}

impl Touch {
    /// From a #PF error code (bit 1: write, bit 4: instruction fetch).
    pub fn of_error(err: u64) -> Touch {
        if err & 0x10 != 0 {
            Touch::Exec
        } else if err & 2 != 0 {
            Touch::Write
        } else {
            Touch::Read
        }
    }
}

/// What a touch came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The page is now there with the access: retry.
    Backed,
    /// No range holds the address (SEGV_MAPERR).
    Unmapped,
    /// Its range does not allow the access (SEGV_ACCERR).
    Denied,
    /// No frame to back it with.
    NoMemory,
    /// A shared file mapping's page past the end of the file, or one
    /// Linux could not read (SIGBUS).
    NoFilePage,
}

/// A touch of a shared file mapping that needs Linux: file page `index`
/// of `file` for page `va`, or (`upgrade`) only made dirty, the page
/// being there read-only and written to now.
pub struct Fetch {
    pub va: u64,
    pub id: u32,
    pub index: u64,
    pub write: bool,
    pub upgrade: bool,
    pub file: Arc<dyn CachedFile>,
}

/// Fork copies writable private frames at once instead of sharing them:
/// only for measuring what copy-on-write saves (a build with
/// CELLUX_EAGER_FORK set in the environment).
pub const EAGER_FORK: bool = option_env!("CELLUX_EAGER_FORK").is_some();

pub fn pages_of(start: u64, end: u64) -> impl Iterator<Item = u64> {
    (start & !(PAGE - 1)..end).step_by(PAGE as usize)
}

pub struct Backing {
    pt: u32,
    areas: Areas,
    /// Page address -> the frame backing it (a `kmem` argument).
    frames: BTreeMap<u64, u64>,
    /// Kernel frames of the table's intermediate levels.
    levels: Vec<u64>,
    /// Shared file mappings: their files and the page-cache pages mapped.
    files: Files,
    /// Pins and file references let go of, for Linux once unlocked.
    leaving: Vec<Release>,
    /// Where a fault would continue a run of sequential faults, and how
    /// many pages the last one backed ahead (`fault_ahead`).
    seq_next: u64,
    seq_ahead: u64,
}

impl Backing {
    pub fn new(pt: u32) -> Self {
        Backing {
            pt,
            areas: Areas::default(),
            frames: BTreeMap::new(),
            levels: Vec::new(),
            files: Files::default(),
            leaving: Vec::new(),
            seq_next: 0,
            seq_ahead: 0,
        }
    }

    /// What changes since the last call let go of: the caller hands it to
    /// Linux ([`Release::run`]) once this backing is unlocked.
    pub fn take_leaving(&mut self) -> Vec<Release> {
        core::mem::take(&mut self.leaving)
    }

    pub fn take_levels(&mut self) -> Vec<u64> {
        core::mem::take(&mut self.levels)
    }

    /// Backed pages of [start, end).
    pub fn backed(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        self.frames.range(start..end).map(|(&va, &k)| (va, k)).collect()
    }

    /// How many pages of [start, end) are backed.
    pub fn backed_count(&self, start: u64, end: u64) -> u64 {
        self.frames.range(start..end).count() as u64
    }

    /// Its resident pages as Linux counts them for the process's rss
    /// (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES): private frames (a
    /// copy-on-write frame counts in each process sharing it), page-cache
    /// pages, frames of shared anonymous mappings.
    pub fn resident(&self) -> [u64; 3] {
        let shmem: u64 = self
            .areas
            .within(0, u64::MAX)
            .iter()
            .filter(|(_, _, a)| a.shared && a.file.is_none())
            .map(|&(s, e, _)| self.backed_count(s, e))
            .sum();
        [self.frames.len() as u64 - shmem, self.files.mapped(), shmem]
    }

    /// The first backed page at or after `from` and before `end`. The
    /// walks that change pages as they go step with it instead of
    /// collecting the pages first: they run when a process ends, often
    /// because memory ran out, and must not need the heap then (a memory
    /// hog's exit collected a list of its 100,000 pages and the server's
    /// heap, out of frames, panicked).
    fn next_backed(&self, from: u64, end: u64) -> Option<u64> {
        self.frames.range(from..end).next().map(|(&va, _)| va)
    }

    /// The frame under `addr` (a `kmem` argument), a page-cache page too.
    pub fn frame_at(&self, addr: u64) -> Option<u64> {
        let va = addr & !(PAGE - 1);
        self.frames.get(&va).copied().or_else(|| self.files.page(va).map(|p| ops::kmem(UT, p.phys)))
    }

    /// Maps one frame, building the missing levels on its path first.
    fn map_frame(&mut self, va: u64, kmem: u64, perms: u64) -> Result<(), Errno> {
        loop {
            match Pgtbl(self.pt).map(va, kmem, perms, 1) {
                Ok(()) => return Ok(()),
                Err((Error::NoTable, _)) => {
                    let kf = frames::kernel().map_err(|_| Errno::ENOMEM)?;
                    if Pgtbl(self.pt).cons(va, kf).is_err() {
                        frames::free_kernel(kf);
                        return Err(Errno::ENOMEM);
                    }
                    self.levels.push(kf);
                }
                Err(_) => return Err(Errno::ENOMEM),
            }
        }
    }

    /// The entry's permissions for frame `kmem` in a range allowing `acc`.
    fn entry(acc: Access, kmem: u64) -> Option<u64> {
        let cow = !acc.shared && frames::is_shared(kmem);
        acc.perms.map(|p| if cow { p & !PERM_WRITE } else { p })
    }

    /// The entry's permissions for page-cache page `page` in a range
    /// allowing `acc`: writable only once pinned for writing (dirty).
    fn file_entry(acc: Access, page: FilePage) -> Option<u64> {
        acc.perms.map(|p| if page.writable { p } else { p & !PERM_WRITE })
    }

    /// Brings the entry of backed page `va` in line with its range (none
    /// when the range is gone or PROT_NONE).
    fn remap(&mut self, va: u64) -> Result<(), Errno> {
        if let Some(page) = self.files.page(va) {
            let _ = Pgtbl(self.pt).unmap(va, 1);
            return match self.areas.find(va).and_then(|a| Self::file_entry(a, page)) {
                Some(perms) => self.map_frame(va, ops::kmem(UT, page.phys), perms),
                None => Ok(()),
            };
        }
        let Some(&kmem) = self.frames.get(&va) else { return Ok(()) };
        // Not mapped is fine: PROT_NONE pages have no entry.
        let _ = Pgtbl(self.pt).unmap(va, 1);
        match self.areas.find(va).and_then(|a| Self::entry(a, kmem)) {
            Some(perms) => self.map_frame(va, kmem, perms),
            None => Ok(()),
        }
    }

    /// Maps frames `kmems` at `va` onwards, a run per kernel call,
    /// building the missing levels on the way.
    fn map_frames(&mut self, va: u64, kmems: &[u64], perms: u64) -> Result<(), Errno> {
        let mut done = 0;
        while done < kmems.len() {
            let at = va + done as u64 * PAGE;
            match Pgtbl(self.pt).map_list(at, &kmems[done..], perms) {
                Ok(()) => return Ok(()),
                Err((Error::NoTable, k)) => {
                    done += k as usize;
                    let kf = frames::kernel().map_err(|_| Errno::ENOMEM)?;
                    if Pgtbl(self.pt).cons(va + done as u64 * PAGE, kf).is_err() {
                        frames::free_kernel(kf);
                        return Err(Errno::ENOMEM);
                    }
                    self.levels.push(kf);
                }
                Err(_) => return Err(Errno::ENOMEM),
            }
        }
        Ok(())
    }

    /// The entry backed page `va` should have (None: none), and whether it
    /// is a page-cache page (those go one at a time: `remap`).
    fn wanted(&self, va: u64) -> (Option<u64>, bool) {
        if self.files.page(va).is_some() {
            return (None, true);
        }
        let perms = self.frames.get(&va).and_then(|&k| self.areas.find(va).and_then(|a| Self::entry(a, k)));
        (perms, false)
    }

    /// Brings the entries of [start, end) in line with their ranges: a run
    /// of backed pages that want the same entry in two kernel calls (unmap,
    /// map), whatever its length up to `RUN` pages.
    fn remap_range(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        const RUN: usize = 64;
        let mut at = start;
        while let Some(first) = self.next_backed(at, end) {
            let (perms, file) = self.wanted(first);
            if file {
                self.remap(first)?;
                at = first + PAGE;
                continue;
            }
            let mut run = [0u64; RUN];
            let mut n = 0;
            let mut va = first;
            while va < end && n < RUN && self.wanted(va) == (perms, false) {
                let Some(&k) = self.frames.get(&va) else { break };
                run[n] = k;
                n += 1;
                va += PAGE;
            }
            // Not mapped is fine: PROT_NONE pages have no entry.
            let _ = Pgtbl(self.pt).unmap(first, n as u64);
            if let Some(p) = perms {
                self.map_frames(first, &run[..n], p)?;
            }
            at = va;
        }
        for (va, _) in self.files.pages_in(start, end) {
            self.remap(va)?;
        }
        Ok(())
    }

    fn drop_page(&mut self, va: u64) {
        if let Some(kmem) = self.frames.remove(&va) {
            let _ = Pgtbl(self.pt).unmap(va, 1);
            frames::free(kmem);
        }
        self.drop_file_page(va, false);
    }

    /// Unmaps the page-cache page at `va`; its pin goes back dirtied if
    /// it was writable, unless `discard`.
    fn drop_file_page(&mut self, va: u64, discard: bool) {
        if let Some(r) = self.files.remove(va, discard) {
            let _ = Pgtbl(self.pt).unmap(va, 1);
            self.leaving.push(r);
        }
    }

    /// Unmaps and lets go of every page of [start, end): a run of backed
    /// pages in one kernel call (which skips those a PROT_NONE range left
    /// unmapped), their frames in batches (`frames::flush`).
    fn drop_range(&mut self, start: u64, end: u64) {
        let mut at = start;
        while let Some(first) = self.next_backed(at, end) {
            let mut next = first + PAGE;
            while next < end && next - first < MAX_RUN * PAGE && self.frames.contains_key(&next) {
                next += PAGE;
            }
            let _ = Pgtbl(self.pt).unmap(first, (next - first) / PAGE);
            for va in (first..next).step_by(PAGE as usize) {
                if let Some(kmem) = self.frames.remove(&va) {
                    frames::free(kmem);
                }
            }
            at = next;
        }
        frames::flush();
        for (va, _) in self.files.pages_in(start, end) {
            self.drop_file_page(va, false);
        }
    }

    /// Lets go of the files no range shows any more.
    fn forget_unshown_files(&mut self) {
        let mut live: Vec<u32> = self.areas.within(0, u64::MAX).iter().filter_map(|(_, _, a)| a.file.map(|f| f.id)).collect();
        live.dedup();
        self.files.keep_only(&live, &mut self.leaving);
    }

    /// The pages of page cache `mapping`'s file pages [first, last] leave
    /// this process (the file lost them), undirtied.
    pub fn drop_file_pages(&mut self, mapping: u64, first: u64, last: u64) {
        for va in self.files.pages_of(mapping, first, last) {
            self.drop_file_page(va, true);
        }
    }

    /// The pages of page cache `mapping`'s file pages [first, last] are
    /// clean (being written back): mapped read-only until written again.
    pub fn clean_file_pages(&mut self, mapping: u64, first: u64, last: u64) {
        for va in self.files.pages_of(mapping, first, last) {
            self.files.set_writable(va, false);
            if self.remap(va).is_err() {
                self.drop_file_page(va, true);
            }
        }
    }

    /// Puts frame `kmem` (ours to give) under page `va` and maps it as
    /// its range says; on an error the frame is given back.
    fn install(&mut self, va: u64, kmem: u64) -> Result<(), Errno> {
        self.frames.insert(va, kmem);
        // An unbacked page has no entry: nothing to unmap first.
        let r = match self.areas.find(va).and_then(|a| Self::entry(a, kmem)) {
            Some(perms) => self.map_frame(va, kmem, perms),
            None => Ok(()),
        };
        r.inspect_err(|_| self.drop_page(va))
    }

    /// A first touch, or a write to a frame shared copy-on-write; a
    /// [`Fetch`] when a shared file mapping's page is needed from Linux.
    pub fn touch(&mut self, addr: u64, how: Touch) -> Result<Verdict, Fetch> {
        let va = addr & !(PAGE - 1);
        let Some(acc) = self.areas.find(va) else { return Ok(Verdict::Unmapped) };
        let Some(perms) = acc.perms else { return Ok(Verdict::Denied) };
        let allowed = match how {
            Touch::Read => true,
            Touch::Write => perms & PERM_WRITE != 0,
            Touch::Exec => perms & PERM_EXEC != 0,
        };
        if !allowed {
            return Ok(Verdict::Denied);
        }
        if let Some(span) = acc.file {
            return self.touch_file(va, span, how == Touch::Write);
        }
        let r = match self.frames.get(&va).copied() {
            None => frames::alloc().and_then(|k| self.install(va, k)),
            Some(old) if how == Touch::Write && !acc.shared && frames::is_shared(old) => self.unshare(va, old),
            // Already there (a sibling thread backed it first), or an
            // entry stricter than it needs to be.
            Some(_) => self.remap(va),
        };
        Ok(match r {
            Ok(()) => Verdict::Backed,
            Err(_) => Verdict::NoMemory,
        })
    }

    /// A touch of page `va` of a shared file mapping showing `span`.
    fn touch_file(&mut self, va: u64, span: FileSpan, write: bool) -> Result<Verdict, Fetch> {
        let page = self.files.page(va);
        if page.is_some_and(|p| p.writable || !write) {
            // There already (another thread's touch), or an entry
            // stricter than it needs to be.
            return Ok(if self.remap(va).is_ok() { Verdict::Backed } else { Verdict::NoMemory });
        }
        let Some(file) = self.files.file(span.id).cloned() else { return Ok(Verdict::Unmapped) };
        Err(Fetch { va, id: span.id, index: span.index(va), write, upgrade: page.is_some(), file })
    }

    /// Puts page-cache page `phys` that `fetch` got from Linux at
    /// generation `gen` under its page (or, for an upgrade, marks the
    /// page there writable). False if the map changed meanwhile (the
    /// range is gone, shows another file page, or the file lost pages):
    /// the caller gives back what it got and touches again.
    pub fn install_file(&mut self, fetch: &Fetch, phys: Option<u64>, gen: u64) -> bool {
        let va = fetch.va;
        let same = self.areas.find(va).and_then(|a| a.file).is_some_and(|s| s.id == fetch.id && s.index(va) == fetch.index);
        if !same || crate::filecache::generation(fetch.file.mapping(), fetch.index) != gen {
            return false;
        }
        match (phys, self.files.page(va)) {
            (None, Some(_)) => self.files.set_writable(va, true),
            (Some(phys), None) => {
                self.files.install(va, FilePage { id: fetch.id, index: fetch.index, phys, writable: fetch.write });
            }
            // A sibling thread got there first: our pin is one too many.
            _ => return false,
        }
        if self.remap(va).is_err() {
            self.drop_file_page(va, false);
        }
        true
    }

    /// The frame under `addr` if its range is shared memory (MAP_SHARED,
    /// the same frame in every process that shares it) and backed; None
    /// for private memory, or no memory yet.
    pub fn shared_frame(&self, addr: u64) -> Option<u64> {
        let va = addr & !(PAGE - 1);
        if !self.areas.find(va)?.shared {
            return None;
        }
        self.frame_at(va)
    }

    /// After a copy the kernel stopped at a page that is now backed:
    /// `touch`es the rest of its way, [from, end), while they come back
    /// `Backed` (at most `RUN` pages, and not past a shared file page
    /// that needs Linux), so the retry does not stop again at every page.
    /// Pages already there as the access needs are left alone.
    pub fn touch_ahead(&mut self, from: u64, end: u64, how: Touch) {
        const RUN: u64 = 1024;
        let end = end.min(from.saturating_add(RUN * PAGE));
        let mut fresh_to = from;
        for va in pages_of(from, end) {
            if va < fresh_to {
                continue;
            }
            fresh_to = va + self.back_fresh_run(va, end, how) * PAGE;
            if va < fresh_to {
                continue;
            }
            let cow = |k| frames::is_shared(k) && !self.areas.find(va).is_some_and(|a| a.shared);
            let ready = self.frames.get(&va).is_some_and(|&k| how != Touch::Write || !cow(k));
            if !ready && !matches!(self.touch(va, how), Ok(Verdict::Backed)) {
                break;
            }
        }
    }

    /// After a fault at `addr` (backed now): a fault that continues a run
    /// of sequential ones (the page after the last fault's, or after the
    /// pages it backed ahead) backs never-touched private anonymous pages
    /// ahead of it, twice as many as last time, from 8 up to 64, so a
    /// program writing through fresh memory faults once per run instead
    /// of once per page (each fault a trip through the kernel). Memory
    /// touched here and there gets nothing ahead.
    pub fn fault_ahead(&mut self, addr: u64, how: Touch) {
        const FIRST: u64 = 8;
        const MAX: u64 = 64;
        let va = addr & !(PAGE - 1);
        let ahead = if va == self.seq_next { (self.seq_ahead * 2).clamp(FIRST, MAX) } else { 0 };
        let from = va + PAGE;
        let backed = if ahead > 0 { self.back_fresh_run(from, from + ahead * PAGE, how) } else { 0 };
        self.seq_ahead = ahead;
        self.seq_next = from + backed * PAGE;
    }

    /// Backs the run of never-touched pages of one private anonymous range
    /// from `va` (before `end`) that `how` may touch, with fresh frames
    /// mapped in one kernel call; returns how many (0: `va` is not such a
    /// page, or memory ran out, for `touch` to find out one page at a time).
    fn back_fresh_run(&mut self, va: u64, end: u64, how: Touch) -> u64 {
        const RUN: usize = 64;
        let Some(acc) = self.areas.find(va) else { return 0 };
        let Some(perms) = acc.perms else { return 0 };
        let allowed = match how {
            Touch::Read => true,
            Touch::Write => perms & PERM_WRITE != 0,
            Touch::Exec => perms & PERM_EXEC != 0,
        };
        if !allowed || acc.shared || acc.file.is_some() {
            return 0;
        }
        let mut run = [0u64; RUN];
        let mut n = 0;
        let mut at = va;
        while at < end && n < RUN && !self.frames.contains_key(&at) && self.areas.find(at) == Some(acc) {
            let Ok(k) = frames::alloc() else { break };
            run[n] = k;
            n += 1;
            at += PAGE;
        }
        for (i, &k) in run[..n].iter().enumerate() {
            self.frames.insert(va + i as u64 * PAGE, k);
        }
        if n > 0 && self.map_frames(va, &run[..n], perms).is_err() {
            self.drop_range(va, at);
            return 0;
        }
        n as u64
    }

    /// Page `va` gets a copy of its shared frame `old` of its own.
    fn unshare(&mut self, va: u64, old: u64) -> Result<(), Errno> {
        let own = frames::alloc()?;
        if let Err(e) = scratch::copy_frame(old, own) {
            frames::free(own);
            return Err(e);
        }
        self.frames.insert(va, own);
        // Replaces the old frame's entry; its levels exist.
        let r = self.remap(va);
        frames::free(old);
        r
    }

    /// Fresh zero-filled memory over [start, end), backed on first touch.
    pub fn map(&mut self, start: u64, end: u64, perms: Option<u64>, shared: bool) {
        self.drop_range(start, end);
        self.areas.update(start, end, |_| Some(Access { perms, shared, file: None }));
        self.forget_unshown_files();
    }

    /// The page-cache pages of `file` from byte `offset` over [start,
    /// end), mapped on first touch.
    pub fn map_file(&mut self, start: u64, end: u64, perms: Option<u64>, file: Arc<dyn CachedFile>, offset: u64) {
        self.drop_range(start, end);
        let id = self.files.add(file);
        let span = FileSpan::new(id, start, offset);
        self.areas.update(start, end, |_| Some(Access { perms, shared: true, file: Some(span) }));
        self.forget_unshown_files();
    }

    /// Whether every shared file mapping in [start, end) may be writable.
    pub fn files_writable(&self, start: u64, end: u64) -> bool {
        self.areas.within(start, end).iter().all(|(_, _, a)| {
            a.file.is_none_or(|s| self.files.file(s.id).is_some_and(|f| f.may_write()))
        })
    }

    /// What msync of [start, end) has to do, per shared file mapping.
    pub fn file_spans(&self, start: u64, end: u64) -> Vec<SyncSpan> {
        let mut out = Vec::new();
        for (s, e, acc) in self.areas.within(start, end) {
            let Some(span) = acc.file else { continue };
            let Some(file) = self.files.file(span.id).cloned() else { continue };
            let written = self.files.pages_in(s, e).into_iter().filter(|(_, p)| p.writable).map(|(_, p)| p.index).collect();
            out.push(SyncSpan { file, written, start: span.index(s) * PAGE, end: span.index(e - 1) * PAGE + PAGE });
        }
        out
    }

    pub fn unmap(&mut self, start: u64, end: u64) {
        self.drop_range(start, end);
        self.areas.update(start, end, |_| None);
        self.forget_unshown_files();
    }

    /// New permissions for the mapped parts of [start, end), contents kept.
    pub fn protect(&mut self, start: u64, end: u64, perms: Option<u64>) -> Result<(), Errno> {
        self.areas.update(start, end, |a| a.map(|a| Access { perms, ..a }));
        self.remap_range(start, end)
    }

    /// Maps [start, end) with at least `perms`, keeping what is there
    /// (the loader's segments sharing a page).
    pub fn ensure(&mut self, start: u64, end: u64, perms: u64) -> Result<(), Errno> {
        self.areas.update(start, end, |a| {
            let had = a.and_then(|a| a.perms).unwrap_or(0);
            Some(Access { perms: Some(had | perms), shared: a.is_some_and(|a| a.shared), file: a.and_then(|a| a.file) })
        });
        self.remap_range(start, end)
    }

    /// MADV_DONTNEED: private pages of [start, end) read back as zero;
    /// shared ones keep their contents (Linux's shmem does).
    pub fn zero(&mut self, start: u64, end: u64) {
        for (s, e, acc) in self.areas.within(start, end) {
            if !acc.shared {
                self.drop_range(s, e);
            }
        }
    }

    pub fn clear(&mut self) {
        self.drop_range(0, u64::MAX);
        self.areas.clear();
        self.forget_unshown_files();
    }

    /// mremap's move: the frames of [from, from + len) go to the same
    /// places of [to, to + len) (a range `map` made), uncopied; pages
    /// never touched stay so.
    pub fn relocate(&mut self, from: u64, to: u64, len: u64) -> Result<(), Errno> {
        for (va, kmem) in self.backed(from, from + len) {
            let _ = Pgtbl(self.pt).unmap(va, 1);
            self.frames.remove(&va);
            let dest = to + (va - from);
            self.drop_page(dest);
            self.install(dest, kmem)?;
        }
        Ok(())
    }

    /// How many fresh frames `duplicate_into` takes: the unbacked pages of
    /// shared anonymous ranges (backed in full first), and with
    /// EAGER_FORK a copy of every private one.
    pub fn frames_to_duplicate(&self) -> u64 {
        let mut n = 0;
        for (s, e, acc) in self.areas.within(0, u64::MAX) {
            let pages = (e - s).div_ceil(PAGE);
            if acc.shared && acc.file.is_none() {
                n += pages.saturating_sub(self.backed_count(s, e));
            } else if EAGER_FORK && !acc.shared {
                n += self.backed_count(s, e);
            }
        }
        n
    }

    /// Fork's address space into `child` (empty): the same ranges; frames
    /// shared (copy-on-write for private ones, for good for MAP_SHARED
    /// ones, which are backed in full first so both sides meet in the
    /// same frames). Shared file mappings show the same files, whose
    /// page-cache pages the child maps on its own first touches. On an
    /// error the caller gives back what `child` holds.
    pub fn duplicate_into(&mut self, child: &mut Backing) -> Result<(), Errno> {
        child.files = self.files.for_child();
        for (s, e, acc) in self.areas.within(0, u64::MAX) {
            if acc.shared && acc.file.is_none() {
                for va in pages_of(s, e).filter(|va| !self.frames.contains_key(va)).collect::<Vec<_>>() {
                    let k = frames::alloc()?;
                    self.install(va, k)?;
                }
            }
        }
        child.areas = self.areas.clone();
        for (va, kmem) in self.backed(0, u64::MAX) {
            let Some(acc) = self.areas.find(va) else { continue };
            if EAGER_FORK && !acc.shared {
                let own = frames::alloc()?;
                if let Err(e) = scratch::copy_frame(kmem, own) {
                    frames::free(own);
                    return Err(e);
                }
                child.install(va, own)?;
                continue;
            }
            frames::share(kmem);
            child.frames.insert(va, kmem);
        }
        // The child's entries, then ours where a private page is shared
        // now (no longer writable here either), a run per kernel call.
        child.remap_range(0, u64::MAX)?;
        for (s, e, acc) in self.areas.within(0, u64::MAX) {
            if !acc.shared && acc.perms.is_some_and(|p| p & PERM_WRITE != 0) {
                self.remap_range(s, e)?;
            }
        }
        Ok(())
    }
}
