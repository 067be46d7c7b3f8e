//! A process's page table, driven through its capability: every page the
//! process may touch is backed eagerly by a frame of ours (so the kernel's
//! copy op reaches all of it without a fault-in path), PROT_* become the
//! page-table permissions, and PROT_NONE pages are unmapped but keep their
//! frame so a later mprotect finds their contents again. The table's
//! intermediate levels are built here from frames of ours, and kept on a
//! list: the kernel frees them with the table, and they come back to us
//! once it is gone ([`Pages::take_levels`]).

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use cellux_abi::err::Error;
use cellux_abi::ops::{pt_op, PERM_EXEC, PERM_WRITE};
use cellux_personality::addrspace::prot;
use cellux_personality::errno::Errno;
use cellux_personality::memory::Memory;
use cellux_rt::{mem, sys};

use crate::frames;

const PAGE: u64 = 4096;

#[derive(Debug, Clone, Copy)]
struct Page {
    kmem: u64,
    /// Page-table permissions while mapped; None: PROT_NONE (not mapped).
    perms: Option<u64>,
}

pub struct Pages {
    pt: u32,
    pages: BTreeMap<u64, Page>,
    /// Kernel frames of the table's intermediate levels.
    levels: Vec<u64>,
}

/// Present pages are always readable on x86 (PROT_WRITE alone maps as
/// read-write, as on Linux); only PROT_NONE leaves them out.
fn perms_of(p: u32) -> Option<u64> {
    if p & (prot::READ | prot::WRITE | prot::EXEC) == 0 {
        return None;
    }
    Some((if p & prot::WRITE != 0 { PERM_WRITE } else { 0 }) | (if p & prot::EXEC != 0 { PERM_EXEC } else { 0 }))
}

fn pages_of(start: u64, end: u64) -> impl Iterator<Item = u64> {
    (start & !(PAGE - 1)..end).step_by(PAGE as usize)
}

impl Pages {
    /// `pt` is the slot of the process's page-table capability in our table.
    pub fn new(pt: u32) -> Self {
        Pages { pt, pages: BTreeMap::new(), levels: Vec::new() }
    }

    /// The frames of the table's levels, for giving back once the table
    /// (its capability removed) is gone.
    pub fn take_levels(&mut self) -> Vec<u64> {
        core::mem::take(&mut self.levels)
    }

    /// Maps one frame, building the missing levels on its path first.
    fn map_frame(&mut self, va: u64, kmem: u64, perms: u64) -> Result<(), Errno> {
        loop {
            match sys::call(self.pt, pt_op::MAP, [va, kmem, perms, 1, 0, 0]).ok() {
                Ok(_) => return Ok(()),
                Err(Error::NoTable) => {
                    let kf = frames::kernel().map_err(|_| Errno::ENOMEM)?;
                    if sys::op(self.pt, pt_op::CONS, [va, kf, 0, 0, 0, 0]).is_err() {
                        frames::free_kernel(kf);
                        return Err(Errno::ENOMEM);
                    }
                    self.levels.push(kf);
                }
                Err(_) => return Err(Errno::ENOMEM),
            }
        }
    }

    pub fn pt(&self) -> u32 {
        self.pt
    }

    fn kmap(&mut self, va: u64, pg: Page) -> Result<(), Errno> {
        match pg.perms {
            Some(perms) => self.map_frame(va, pg.kmem, perms),
            None => Ok(()),
        }
    }

    fn kunmap(&self, va: u64, pg: Page) {
        if pg.perms.is_some() {
            let _ = sys::op(self.pt, pt_op::UNMAP, [va, 1, 0, 0, 0, 0]);
        }
    }

    fn put(&mut self, va: u64, perms: Option<u64>) -> Result<(), Errno> {
        let pg = Page { kmem: frames::alloc()?, perms };
        if let Err(e) = self.kmap(va, pg) {
            frames::free(pg.kmem);
            return Err(e);
        }
        self.pages.insert(va, pg);
        Ok(())
    }

    fn drop_page(&mut self, va: u64) {
        if let Some(pg) = self.pages.remove(&va) {
            self.kunmap(va, pg);
            frames::free(pg.kmem);
        }
    }

    /// Makes sure [start, end) is backed and mapped with at least `perms`,
    /// keeping pages already there (segments sharing a page); the loader's
    /// way in.
    pub fn ensure(&mut self, start: u64, end: u64, perms: u64) -> Result<(), Errno> {
        for va in pages_of(start, end) {
            match self.pages.get(&va).copied() {
                Some(pg) if pg.perms.is_some_and(|p| p & perms == perms) => {}
                Some(pg) => {
                    let pg = self.private(va, pg)?;
                    self.kunmap(va, pg);
                    let up = Page { perms: Some(pg.perms.unwrap_or(0) | perms), ..pg };
                    self.kmap(va, up)?;
                    self.pages.insert(va, up);
                }
                None => self.put(va, Some(perms))?,
            }
        }
        Ok(())
    }

    /// Sets the permissions of the pages of [start, end) exactly.
    pub fn set_perms(&mut self, start: u64, end: u64, perms: Option<u64>) -> Result<(), Errno> {
        for va in pages_of(start, end) {
            match self.pages.get(&va).copied() {
                Some(pg) if pg.perms == perms => {}
                Some(pg) => {
                    let pg = self.private(va, pg)?;
                    self.kunmap(va, pg);
                    let new = Page { perms, ..pg };
                    self.pages.insert(va, new);
                    self.kmap(va, new)?;
                }
                None if perms.is_some() => self.put(va, perms)?,
                None => {}
            }
        }
        Ok(())
    }

    /// `pg` (at `va`) with a frame of its own: a frame a fork shares is
    /// copied first, before anything may change its permissions (the only
    /// way a shared page could become writable).
    fn private(&mut self, va: u64, pg: Page) -> Result<Page, Errno> {
        if !frames::is_shared(pg.kmem) {
            return Ok(pg);
        }
        // Shared pages are mapped, readable, never written.
        let mut buf = vec![0u8; PAGE as usize];
        self.copy(va, buf.as_mut_ptr() as u64, buf.len(), false)?;
        let own = Page { kmem: frames::alloc()?, perms: pg.perms };
        self.kunmap(va, pg);
        frames::free(pg.kmem);
        // Its levels exist (the shared frame was mapped there): mapping
        // and copying cannot fail for want of memory.
        let writable = Page { perms: Some(PERM_WRITE), ..own };
        let filled = self.kmap(va, writable).and_then(|_| self.copy(va, buf.as_ptr() as u64, buf.len(), true));
        self.kunmap(va, writable);
        self.pages.insert(va, own);
        filled?;
        self.kmap(va, own)?;
        Ok(own)
    }

    /// Unmaps everything and gives every frame back.
    pub fn clear(&mut self) {
        let all: Vec<u64> = self.pages.keys().copied().collect();
        for va in all {
            self.drop_page(va);
        }
    }

    /// A copy of every page (contents and permissions) into `child`, an
    /// empty table: fork's address space, copied eagerly except for
    /// read-only pages, whose frames both map. PROT_NONE pages
    /// cannot be read through the copy op, so the child gets them zeroed.
    /// On an error the caller gives back what `child` holds.
    pub fn duplicate_into(&self, child: &mut Pages) -> Result<(), Errno> {
        let mut buf = vec![0u8; PAGE as usize];
        for (&va, pg) in &self.pages {
            // Read-only pages are shared, not copied: neither side can
            // write them, and a change of permissions makes a copy first.
            if pg.perms.is_some_and(|p| p & PERM_WRITE == 0) {
                frames::share(pg.kmem);
                if let Err(e) = child.kmap(va, *pg) {
                    frames::free(pg.kmem);
                    return Err(e);
                }
                child.pages.insert(va, *pg);
                continue;
            }
            // Written through a writable mapping, then given its own
            // permissions (the copy op honours them).
            child.put(va, pg.perms.map(|p| p | PERM_WRITE))?;
            if pg.perms.is_some() {
                self.copy(va, buf.as_mut_ptr() as u64, buf.len(), false)?;
                child.copy(va, buf.as_ptr() as u64, buf.len(), true)?;
            }
            if pg.perms != pg.perms.map(|p| p | PERM_WRITE) {
                child.set_perms(va, va + PAGE, pg.perms)?;
            }
        }
        Ok(())
    }

    fn copy(&self, addr: u64, local: u64, len: usize, to_pt: bool) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        match mem::copy(self.pt, addr, local, len as u64, to_pt) {
            Ok((n, None)) if n == len as u64 => Ok(()),
            _ => Err(Errno::EFAULT),
        }
    }
}

impl Memory for Pages {
    fn map(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        // Refused up front, as Linux's overcommit heuristic refuses more
        // than there is: backing page by page would take every frame (and
        // time) before failing.
        if perms_of(p).is_some() {
            let want = (end.saturating_sub(start & !(PAGE - 1)) + PAGE - 1) / PAGE;
            let have = self.pages.range(start & !(PAGE - 1)..end).count() as u64;
            if want > frames::available() + have {
                return Err(Errno::ENOMEM);
            }
        }
        for va in pages_of(start, end) {
            self.drop_page(va);
            // PROT_NONE needs no frame until mprotect makes it accessible.
            if let Some(perms) = perms_of(p) {
                self.put(va, Some(perms))?;
            }
        }
        Ok(())
    }

    fn unmap(&mut self, start: u64, end: u64) {
        let inside: Vec<u64> = self.pages.range(start..end).map(|(&va, _)| va).collect();
        for va in inside {
            self.drop_page(va);
        }
    }

    fn protect(&mut self, start: u64, end: u64, p: u32) -> Result<(), Errno> {
        self.set_perms(start, end, perms_of(p))
    }

    fn zero(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        let inside: Vec<(u64, Page)> = self.pages.range(start..end).map(|(&va, &pg)| (va, pg)).collect();
        for (va, pg) in inside {
            self.drop_page(va);
            if pg.perms.is_some() {
                self.put(va, pg.perms)?;
            }
        }
        Ok(())
    }

    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.copy(addr, buf.as_mut_ptr() as u64, buf.len(), false)
    }

    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.copy(addr, buf.as_ptr() as u64, buf.len(), true)
    }
}
