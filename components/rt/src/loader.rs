//! Builds a component from an ELF image: a new capability table and page
//! table from our kernel memory, the image's segments copied in through
//! the kernel-mediated copy, and the component object.

use crate::cap::{Captbl, Pgtbl};
use crate::{mem, slots};
use cellux_abi::elf::{self, ElfError};
use cellux_abi::err::Error;
use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{PERM_EXEC, PERM_WRITE};

#[derive(Debug)]
pub enum LoadError {
    Image(ElfError),
    Kernel(Error),
}

impl From<Error> for LoadError {
    fn from(e: Error) -> Self {
        LoadError::Kernel(e)
    }
}

/// Slots, in the caller's table, of what was built.
#[derive(Clone, Copy, Debug)]
pub struct Built {
    pub ct: u32,
    pub pt: u32,
    pub comp: u32,
    pub entry: u64,
}

/// Pages of the capability table a loaded component gets (128 slots each);
/// `slots::alloc` hands out slots up to this size.
pub const CAPTBL_PAGES: u64 = 4;

pub fn load(image: &[u8], comp_flags: u64) -> Result<Built, LoadError> {
    let img = elf::parse(image).map_err(LoadError::Image)?;
    let own = Captbl(boot_slot::SELF_CT);
    let (ct, pt, comp) = (slots::alloc(), slots::alloc(), slots::alloc());
    own.new_captbl(ct, mem::kernel_frames(CAPTBL_PAGES)?, CAPTBL_PAGES)?;
    own.new_pgtbl(pt, mem::kernel_frame()?)?;
    for s in img.segments() {
        let perms = if s.writable { PERM_WRITE } else { 0 } | if s.executable { PERM_EXEC } else { 0 };
        let pages = (s.page_end() - s.page_start()) / 4096;
        let frames = mem::user_frames(pages)?;
        mem::map(pt, s.page_start(), frames, pages, perms)?;
        let data = &image[s.offset as usize..(s.offset + s.filesz) as usize];
        // The kernel-mediated copy honours the target's permissions, so
        // read-only segments are filled through a temporary writable mapping.
        if !s.writable && s.filesz > 0 {
            Pgtbl(pt).unmap(s.page_start(), pages)?;
            mem::map(pt, s.page_start(), frames, pages, PERM_WRITE)?;
        }
        if s.filesz > 0 {
            let (n, _) = mem::copy(pt, s.vaddr, data.as_ptr() as u64, s.filesz, true)?;
            if n != s.filesz {
                return Err(LoadError::Kernel(Error::BadAddr));
            }
        }
        if !s.writable && s.filesz > 0 {
            Pgtbl(pt).unmap(s.page_start(), pages)?;
            mem::map(pt, s.page_start(), frames, pages, perms)?;
        }
    }
    own.new_comp(comp, ct, pt, mem::kernel_frame()?, comp_flags)?;
    Ok(Built { ct, pt, comp, entry: img.entry })
}
