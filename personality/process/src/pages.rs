//! A process's page table as the personality's `Memory`, driven through
//! its capability. Mapping records ranges only; pages get frames on
//! first touch (`backing`). Every thread of the process reaches the same
//! backing (a thread's `Pages` is a view of its process's), and so does
//! the server's own copy path through the page table's slot
//! ([`resolve`]), so that a touch by any of them backs the page.
//! The table's intermediate levels are built from frames of ours and
//! come back once the table is gone ([`Pages::take_levels`]).
//! Shared file mappings' pages come from Linux's page cache
//! (`filecache`), asked for with no backing locked ([`touch`]).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use cellux_abi::ops::{kmem_split, PERM_EXEC, PERM_WRITE};
use cellux_personality::addrspace::prot;
use linux_abi::Errno;
use cellux_personality::addrspace::Effect;
use cellux_personality::memory::Memory;
use cellux_rt::mem;

use crate::backing::{pages_of, Backing, Fetch, Touch, Verdict, PAGE};
use crate::filecache::{self, Release};
use crate::frames;
use crate::view;
use cellux_rt::sync::SpinLocked;

type Space = SpinLocked<Backing>;

/// Page-table slot -> the backing of the process it belongs to, for the
/// server's copies that only know the slot.
static SPACES: SpinLocked<BTreeMap<u32, Arc<Space>>> = SpinLocked::new(BTreeMap::new());

pub struct Pages {
    pt: u32,
    space: Arc<Space>,
}

/// Present pages are always readable on x86 (PROT_WRITE alone maps as
/// read-write, as on Linux); only PROT_NONE leaves them out.
fn perms_of(p: u32) -> Option<u64> {
    if p & (prot::READ | prot::WRITE | prot::EXEC) == 0 {
        return None;
    }
    Some((if p & prot::WRITE != 0 { PERM_WRITE } else { 0 }) | (if p & prot::EXEC != 0 { PERM_EXEC } else { 0 }))
}

/// The server's access to `addr` in the process whose page table has
/// slot `pt` failed: backs the page (or unshares it, for a write) if its
/// range allows the access. Whether a retry can now get further.
/// The copy was on its way to `end`: the pages after `addr` are backed
/// as well where they can be.
pub fn resolve(pt: u32, addr: u64, end: u64, write: bool) -> bool {
    let Some(space) = SPACES.with(|m| m.get(&pt).cloned()) else { return false };
    let how = if write { Touch::Write } else { Touch::Read };
    touch_run(&space, addr, end, how) == Verdict::Backed
}

/// The physical address of the shared-memory page under `addr` in the
/// process whose page table has slot `pt` (backed first if need be): a
/// name for it that every process sharing it agrees on, which keys the
/// futexes processes share. None for private memory or no memory.
pub fn shared_page(pt: u32, addr: u64) -> Option<u64> {
    let space = SPACES.with(|m| m.get(&pt).cloned())?;
    if let Some(k) = with(&space, |b| b.shared_frame(addr)) {
        return Some(kmem_split(k).1);
    }
    if touch(&space, addr, Touch::Read) != Verdict::Backed {
        return None;
    }
    with(&space, |b| b.shared_frame(addr)).map(|k| kmem_split(k).1)
}

/// The resident pages of the process whose page table has slot `pt`
/// (`Backing::resident`); None if there is none. Takes no lock but the
/// backing's, which nobody holds while calling Linux: Linux may ask.
pub fn resident(pt: u32) -> Option<[u64; 3]> {
    let space = SPACES.with(|m| m.get(&pt).cloned())?;
    Some(space.with(|b| b.resident()))
}

/// Unmaps and gives back every page of the process whose page table has
/// slot `pt` (its handler let go of the address space: exit, exec).
pub fn clear_space(pt: u32) {
    if let Some(space) = SPACES.with(|m| m.get(&pt).cloned()) {
        with(&space, |b| b.clear());
    }
}

/// Marks in `vec` (one byte a page from `addr`) the pages backed now in
/// the process whose page table has slot `pt` (mincore). Takes no lock
/// but the backing's, as `resident`.
pub fn backed(pt: u32, addr: u64, vec: &mut [u8]) {
    let Some(space) = SPACES.with(|m| m.get(&pt).cloned()) else { return };
    space.with(|b| {
        for (i, v) in vec.iter_mut().enumerate() {
            if b.frame_at(addr.wrapping_add(i as u64 * PAGE)).is_some() {
                *v = 1;
            }
        }
    });
}

/// Runs `f` on the backing, then hands what it let go of to Linux (and
/// its frames to the pool), the lock dropped.
fn with<R>(space: &Space, f: impl FnOnce(&mut Backing) -> R) -> R {
    let (r, leaving) = space.with(|b| {
        let r = f(b);
        (r, b.take_leaving())
    });
    for x in leaving {
        x.run();
    }
    frames::release();
    r
}

/// A touch of `addr` (`Backing::touch`), getting the page-cache pages
/// of shared file mappings from Linux on the way, and the frames it
/// needs from the pool when its stock ran out, no lock held.
fn touch(space: &Space, addr: u64, how: Touch) -> Verdict {
    let mut replenished = false;
    loop {
        frames::refill();
        let fetch = match with(space, |b| b.touch(addr, how)) {
            // Once: a touch takes a frame or two, and a second shortage
            // is not the stock's (no kernel frame for a table level).
            Ok(Verdict::NoMemory) if !replenished && frames::replenish() => {
                replenished = true;
                continue;
            }
            Ok(v) => return v,
            Err(f) => f,
        };
        let gen = filecache::generation(fetch.file.mapping(), fetch.index);
        match get(&fetch) {
            Err(v) => return v,
            Ok(phys) => {
                if !with(space, |b| b.install_file(&fetch, phys, gen)) {
                    // The map or the file changed meanwhile: ours goes
                    // back, and the touch starts over.
                    if let Some(phys) = phys {
                        fetch.file.release(fetch.index, phys, false);
                    }
                }
            }
        }
    }
}

/// What `fetch` asks of Linux: the pinned page (None for an upgrade,
/// which only makes the page there dirty).
fn get(fetch: &Fetch) -> Result<Option<u64>, Verdict> {
    let r = if fetch.upgrade {
        fetch.file.dirty(fetch.index).map(|()| None)
    } else {
        fetch.file.page(fetch.index, fetch.write).map(Some)
    };
    r.map_err(|e| if e == Errno::ENOMEM { Verdict::NoMemory } else { Verdict::NoFilePage })
}

/// A copy the kernel stopped at `addr` on its way to `end`: `touch` of
/// that page, then of the rest of the way as far as it goes without
/// Linux (`Backing::touch_ahead`). The first page's verdict.
fn touch_run(space: &Space, addr: u64, end: u64, how: Touch) -> Verdict {
    let first = touch(space, addr, how);
    if first == Verdict::Backed {
        with(space, |b| b.touch_ahead((addr & !(PAGE - 1)) + PAGE, end, how));
    }
    first
}

/// Runs `f` on every process's backing in turn; what they let go of.
fn on_every_space(mut f: impl FnMut(&mut Backing)) -> Vec<Release> {
    let spaces: Vec<Arc<Space>> = SPACES.with(|m| m.values().cloned().collect());
    let mut out = Vec::new();
    for space in spaces {
        space.with(|b| {
            f(b);
            out.extend(b.take_leaving());
        });
    }
    out
}

/// Every process maps its pages of page cache `mapping`'s file pages
/// [first, last] read-only (`filecache::pages_clean`); what that let go of.
pub(crate) fn clean_file_pages(mapping: u64, first: u64, last: u64) -> Vec<Release> {
    on_every_space(|b| b.clean_file_pages(mapping, first, last))
}

/// Every process lets go of its pages of page cache `mapping`'s file
/// pages [first, last] (`filecache::pages_gone`); their pins.
pub(crate) fn drop_file_pages(mapping: u64, first: u64, last: u64) -> Vec<Release> {
    on_every_space(|b| b.drop_file_pages(mapping, first, last))
}

impl Pages {
    /// `pt` is the slot of the process's page-table capability in our
    /// table; the new, empty address space is found by it until
    /// [`Pages::retire`].
    pub fn new(pt: u32) -> Self {
        let space = Arc::new(SpinLocked::new(Backing::new(pt)));
        SPACES.with(|m| m.insert(pt, space.clone()));
        Pages { pt, space }
    }

    /// Another handle on the same address space (a thread's).
    pub fn view(&self) -> Pages {
        Pages { pt: self.pt, space: self.space.clone() }
    }

    pub fn pt(&self) -> u32 {
        self.pt
    }

    /// The frames of the table's levels, for giving back once the table
    /// (its capability removed) is gone.
    pub fn take_levels(&mut self) -> Vec<u64> {
        self.space.with(|b| b.take_levels())
    }

    /// Gives every frame back and makes the space unreachable by its
    /// slot (before the slot can be reused).
    pub fn retire(&mut self) {
        SPACES.with(|m| {
            if m.get(&self.pt).is_some_and(|s| Arc::ptr_eq(s, &self.space)) {
                m.remove(&self.pt);
            }
        });
        self.clear();
    }

    /// Unmaps everything and gives every frame back.
    pub fn clear(&mut self) {
        with(&self.space, |b| b.clear());
    }

    /// A page fault at `addr` with #PF error code `err`.
    pub fn fault(&self, addr: u64, err: u64) -> Verdict {
        let how = Touch::of_error(err);
        let v = touch(&self.space, addr, how);
        if v == Verdict::Backed {
            with(&self.space, |b| b.fault_ahead(addr, how));
        }
        v
    }

    /// The physical frame backing `addr` now, the same for every process
    /// that shares it (MAP_SHARED across fork). None: not backed yet (a
    /// read of it through `Memory::read` backs it).
    pub fn frame_of(&self, addr: u64) -> Option<u64> {
        self.space.with(|b| b.frame_at(addr)).map(|k| kmem_split(k).1)
    }

    /// Makes sure [start, end) is mapped with at least `perms`, keeping
    /// what is there (segments sharing a page); the loader's way in.
    pub fn ensure(&mut self, start: u64, end: u64, perms: u64) -> Result<(), Errno> {
        self.space.with(|b| b.ensure(start, end, perms))
    }

    /// Sets the permissions of the pages of [start, end) exactly.
    pub fn set_perms(&mut self, start: u64, end: u64, perms: Option<u64>) -> Result<(), Errno> {
        self.space.with(|b| b.protect(start, end, perms))
    }

    /// Fork's address space into `child`, an empty one (`Backing::duplicate_into`).
    pub fn duplicate_into(&self, child: &mut Pages) -> Result<(), Errno> {
        let needs = self.space.with(|b| b.frames_to_duplicate());
        if !frames::reserve(needs) {
            return Err(Errno::ENOMEM);
        }
        with(&self.space, |b| child.space.with(|c| b.duplicate_into(c)))
    }

    /// The kernel's copy, backing pages on the way: a copy stopped on our
    /// side of the table at a page its range allows is retried once the
    /// page is there.
    fn copy(&self, addr: u64, local: u64, len: usize, to_pt: bool) -> Result<(), Errno> {
        let len = len as u64;
        let mut done = 0;
        let mut last_stop = None;
        while done < len {
            let (n, stop) = mem::copy(self.pt, addr.wrapping_add(done), local + done, len - done, to_pt).map_err(|_| Errno::EFAULT)?;
            done += n;
            if done == len {
                break;
            }
            let at = addr.wrapping_add(done);
            // Stopped on our side, and not twice at the same place.
            if stop != Some(at) || last_stop == Some(at) {
                return Err(Errno::EFAULT);
            }
            last_stop = Some(at);
            let how = if to_pt { Touch::Write } else { Touch::Read };
            if touch_run(&self.space, at, addr.wrapping_add(len), how) != Verdict::Backed {
                return Err(Errno::EFAULT);
            }
        }
        Ok(())
    }

    fn mapping(&mut self, start: u64, end: u64, p: u32, shared: bool) -> Result<(), Errno> {
        let perms = perms_of(p);
        // Asked before locking: the pool may ask the backing.
        let limit = if perms.is_some() { frames::mapping_limit() } else { 0 };
        with(&self.space, |b| {
            // Refused up front, as Linux's overcommit heuristic refuses a
            // single mapping larger than there is memory to back it.
            let want = (end.saturating_sub(start & !(PAGE - 1)) + PAGE - 1) / PAGE;
            if perms.is_some() && want > limit + b.backed_count(start, end) {
                return Err(Errno::ENOMEM);
            }
            b.map(start, end, perms, shared);
            Ok(())
        })
    }
}

impl Memory for Pages {
    fn map(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        self.mapping(start, end, p, false)
    }

    fn map_shared(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        self.mapping(start, end, p, true)
    }

    fn map_file(&mut self, start: u64, end: u64, p: u32, fd: u64, offset: u64) -> Result<(), Errno> {
        let file = filecache::open(fd, p & prot::WRITE != 0)?;
        with(&self.space, |b| b.map_file(start, end, perms_of(p), file, offset));
        Ok(())
    }

    fn may_protect(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        let ok = p & prot::WRITE == 0 || self.space.with(|b| b.files_writable(start, end));
        if ok { Ok(()) } else { Err(Errno::EACCES) }
    }

    fn sync(&mut self, start: u64, end: u64, wait: bool) -> Result<(), Errno> {
        for span in self.space.with(|b| b.file_spans(start, end)) {
            // Maybe written since it was made dirty and written back:
            // dirty again, so that writeback (now or later) takes it.
            for &index in &span.written {
                span.file.dirty(index)?;
            }
            if wait {
                span.file.sync(span.start, span.end)?;
            }
        }
        Ok(())
    }

    fn relocate(&mut self, from: u64, to: u64, len: u64) -> Result<(), Errno> {
        with(&self.space, |b| b.relocate(from, to, len))
    }

    fn unmap(&mut self, start: u64, end: u64) {
        with(&self.space, |b| b.unmap(start, end));
    }

    fn protect(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        self.set_perms(start, end, perms_of(p))
    }

    fn populate(&mut self, start: u64, end: u64) {
        // A run at a time (`touch_run`); a refusal (out of memory) ends
        // the hint, and the write meets that page as a fault would.
        for va in pages_of(start, end) {
            let backed = self.space.with(|b| b.frame_at(va).is_some());
            if !backed && touch_run(&self.space, va, end, Touch::Write) != Verdict::Backed {
                return;
            }
        }
    }

    fn zero(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        with(&self.space, |b| b.zero(start, end));
        Ok(())
    }

    fn record(&mut self, e: &Effect) {
        if let Some(v) = view::installed() {
            v.record(e);
        }
    }

    fn record_brk(&mut self, brk: u64) {
        if let Some(v) = view::installed() {
            v.record_brk(brk);
        }
    }

    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        self.copy(addr, buf.as_mut_ptr() as u64, buf.len(), false)
    }

    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        self.copy(addr, buf.as_ptr() as u64, buf.len(), true)
    }
}
