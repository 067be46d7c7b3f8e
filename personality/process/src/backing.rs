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

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use cellux_abi::err::Error;
use cellux_abi::ops::{PERM_EXEC, PERM_WRITE};
use cellux_rt::cap::Pgtbl;
use cellux_personality::areas::{Access, Areas};
use linux_abi::Errno;

use crate::{frames, scratch};

pub const PAGE: u64 = 4096;

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
}

impl Backing {
    pub fn new(pt: u32) -> Self {
        Backing { pt, areas: Areas::default(), frames: BTreeMap::new(), levels: Vec::new() }
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

    /// The first backed page at or after `from` and before `end`. The
    /// walks that change pages as they go step with it instead of
    /// collecting the pages first: they run when a process ends, often
    /// because memory ran out, and must not need the heap then (a memory
    /// hog's exit collected a list of its 100,000 pages and the server's
    /// heap, out of frames, panicked).
    fn next_backed(&self, from: u64, end: u64) -> Option<u64> {
        self.frames.range(from..end).next().map(|(&va, _)| va)
    }

    pub fn frame_at(&self, addr: u64) -> Option<u64> {
        self.frames.get(&(addr & !(PAGE - 1))).copied()
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

    /// Brings the entry of backed page `va` in line with its range (none
    /// when the range is gone or PROT_NONE).
    fn remap(&mut self, va: u64) -> Result<(), Errno> {
        let Some(&kmem) = self.frames.get(&va) else { return Ok(()) };
        // Not mapped is fine: PROT_NONE pages have no entry.
        let _ = Pgtbl(self.pt).unmap(va, 1);
        match self.areas.find(va).and_then(|a| Self::entry(a, kmem)) {
            Some(perms) => self.map_frame(va, kmem, perms),
            None => Ok(()),
        }
    }

    fn remap_range(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        let mut at = start;
        while let Some(va) = self.next_backed(at, end) {
            self.remap(va)?;
            at = va + PAGE;
        }
        Ok(())
    }

    fn drop_page(&mut self, va: u64) {
        if let Some(kmem) = self.frames.remove(&va) {
            let _ = Pgtbl(self.pt).unmap(va, 1);
            frames::free(kmem);
        }
    }

    fn drop_range(&mut self, start: u64, end: u64) {
        let mut at = start;
        while let Some(va) = self.next_backed(at, end) {
            self.drop_page(va);
            at = va + PAGE;
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

    /// A first touch, or a write to a frame shared copy-on-write.
    pub fn touch(&mut self, addr: u64, how: Touch) -> Verdict {
        let va = addr & !(PAGE - 1);
        let Some(acc) = self.areas.find(va) else { return Verdict::Unmapped };
        let Some(perms) = acc.perms else { return Verdict::Denied };
        let allowed = match how {
            Touch::Read => true,
            Touch::Write => perms & PERM_WRITE != 0,
            Touch::Exec => perms & PERM_EXEC != 0,
        };
        if !allowed {
            return Verdict::Denied;
        }
        let r = match self.frames.get(&va).copied() {
            None => frames::alloc().and_then(|k| self.install(va, k)),
            Some(old) if how == Touch::Write && !acc.shared && frames::is_shared(old) => self.unshare(va, old),
            // Already there (a sibling thread backed it first), or an
            // entry stricter than it needs to be.
            Some(_) => self.remap(va),
        };
        match r {
            Ok(()) => Verdict::Backed,
            Err(_) => Verdict::NoMemory,
        }
    }

    /// The frame under `addr` if its range is shared memory (MAP_SHARED,
    /// the same frame in every process that shares it), backed first if
    /// it was not yet; None for private memory, or no memory at all.
    pub fn shared_frame(&mut self, addr: u64) -> Option<u64> {
        let va = addr & !(PAGE - 1);
        if !self.areas.find(va)?.shared {
            return None;
        }
        if !self.frames.contains_key(&va) && self.touch(va, Touch::Read) != Verdict::Backed {
            return None;
        }
        self.frame_at(va)
    }

    /// A copy the kernel stopped at `addr` on its way to `end`: `touch`
    /// of that page, then of the rest of the way while they come back
    /// `Backed` (at most `RUN` pages), so the retry does not stop again
    /// at every page. Pages already there as the access needs are left
    /// alone. The first page's verdict.
    pub fn touch_run(&mut self, addr: u64, end: u64, how: Touch) -> Verdict {
        const RUN: u64 = 1024;
        let first = self.touch(addr, how);
        if first != Verdict::Backed {
            return first;
        }
        let from = (addr & !(PAGE - 1)) + PAGE;
        let end = end.min(from.saturating_add(RUN * PAGE));
        for va in pages_of(from, end) {
            let cow = |k| frames::is_shared(k) && !self.areas.find(va).is_some_and(|a| a.shared);
            let ready = self.frames.get(&va).is_some_and(|&k| how != Touch::Write || !cow(k));
            if !ready && self.touch(va, how) != Verdict::Backed {
                break;
            }
        }
        first
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
        self.areas.update(start, end, |_| Some(Access { perms, shared }));
    }

    pub fn unmap(&mut self, start: u64, end: u64) {
        self.drop_range(start, end);
        self.areas.update(start, end, |_| None);
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
            Some(Access { perms: Some(had | perms), shared: a.is_some_and(|a| a.shared) })
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

    /// Fork's address space into `child` (empty): the same ranges; frames
    /// shared (copy-on-write for private ones, for good for MAP_SHARED
    /// ones, which are backed in full first so both sides meet in the
    /// same frames). On an error the caller gives back what `child` holds.
    pub fn duplicate_into(&mut self, child: &mut Backing) -> Result<(), Errno> {
        for (s, e, acc) in self.areas.within(0, u64::MAX) {
            if acc.shared {
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
            child.install(va, kmem)?;
            if !acc.shared && acc.perms.is_some_and(|p| p & PERM_WRITE != 0) {
                // Shared now: no longer writable here either.
                self.remap(va)?;
            }
        }
        Ok(())
    }
}
