//! Creates the first component, the booter, from the boot archive: its
//! capability table (with the boot capabilities), page table, image,
//! the archive mapped read-only, and its first thread. Everything else is
//! built by the booter from user level.

use crate::captbl::{self, Cap};
use crate::console as c;
use crate::{comp, mem, obj, pgtbl, thread};
use cellux_abi::archive::{Archive, ArchiveError};
use cellux_abi::elf::{self, ElfError};
use cellux_abi::layout::{boot_slot, BOOT_ARCHIVE_VA};
use cellux_abi::ops::{CapKind, PERM_EXEC, PERM_WRITE};
use cellux_kerncore::retype::{Obj, Ty};

pub enum BootError {
    NoModule,
    Archive(ArchiveError),
    NoBooter,
    Image(ElfError),
    OutOfMemory,
    Map,
}

pub fn report(e: &BootError) {
    c::str("cellux: boot module refused: ");
    match e {
        BootError::NoModule => c::str("no boot module (pass the component archive with -initrd)"),
        BootError::Archive(a) => {
            c::str("boot archive (module 0) is malformed: ");
            c::str(match a {
                ArchiveError::TooShort => "too short",
                ArchiveError::BadMagic => "bad magic",
                ArchiveError::BadLength => "length mismatch",
                ArchiveError::BadChecksum => "checksum mismatch",
                ArchiveError::TooManyEntries => "too many entries",
                ArchiveError::EntryOutOfBounds(_) => "an entry lies outside the archive",
                ArchiveError::BadName(_) => "an entry has a bad name",
            });
        }
        BootError::NoBooter => c::str("the archive has no component named 'booter'"),
        BootError::Image(e) => {
            c::str("component image 'booter' is not a valid static x86_64 ELF: ");
            c::str(elf_error(e));
        }
        BootError::OutOfMemory => c::str("out of memory building the booter"),
        BootError::Map => c::str("could not map the booter's image"),
    }
    c::str("\n");
}

pub fn elf_error(e: &ElfError) -> &'static str {
    match e {
        ElfError::TooShort => "too short",
        ElfError::BadMagic => "bad magic",
        ElfError::NotElf64LittleEndian => "not ELF64 little-endian",
        ElfError::NotX86_64 => "not x86_64",
        ElfError::NotExecutable => "not an executable",
        ElfError::BadProgramHeaders => "bad program headers",
        ElfError::TooManySegments => "too many segments",
        ElfError::SegmentOutOfFile(_) => "a segment lies outside the file",
        ElfError::SegmentOutOfRange(_) => "a segment lies outside user space",
        ElfError::SegmentsOverlap(_) => "segments overlap",
        ElfError::EntryNotExecutable => "entry point not in executable code",
    }
}

fn take(ty: Ty) -> Result<u64, BootError> {
    mem::boot_take(ty).ok_or(BootError::OutOfMemory)
}

fn take_obj(kind: Obj) -> Result<u64, BootError> {
    let f = take(Ty::Kernel)?;
    obj::make(f, kind).map_err(|_| BootError::OutOfMemory)?;
    Ok(f)
}

fn map_page(root: u64, va: u64, pa: u64, perms: u64) -> Result<(), BootError> {
    for _ in 0..4 {
        match pgtbl::map(root, va, pa, perms, false) {
            Ok(()) => return Ok(()),
            Err(cellux_abi::err::Error::NoTable) => {
                let kf = take(Ty::Kernel)?;
                pgtbl::cons(root, va, kf).map_err(|_| BootError::Map)?;
            }
            Err(_) => return Err(BootError::Map),
        }
    }
    Err(BootError::Map)
}

/// Returns the booter's thread, ready to run.
pub fn create(info: &crate::arch::pvh::BootInfo, ram_top: u64) -> Result<u64, BootError> {
    let m = info.modules.first().ok_or(BootError::NoModule)?;
    // SAFETY: QEMU loaded the module into RAM below 4 GiB (direct-mapped);
    // its frames are Reserved in the retype table so nothing else uses them.
    let bytes = unsafe { core::slice::from_raw_parts(mem::phys_to_virt(m.paddr) as *const u8, m.size as usize) };
    let ar = Archive::parse(bytes).map_err(BootError::Archive)?;
    let entry = ar.find("booter").ok_or(BootError::NoBooter)?;
    let img = elf::parse(entry.data).map_err(BootError::Image)?;

    let ct = take_obj(Obj::Captbl)?;
    let pt = take_obj(Obj::PtRoot)?;
    pgtbl::init_root(pt);
    for s in img.segments() {
        let perms = if s.writable { PERM_WRITE } else { 0 } | if s.executable { PERM_EXEC } else { 0 };
        let mut va = s.page_start();
        while va < s.page_end() {
            let f = take(Ty::User)?;
            // Copy the part of the file that falls in this page.
            let lo = va.max(s.vaddr);
            let hi = (va + 4096).min(s.vaddr + s.filesz);
            if hi > lo {
                let src = &entry.data[(s.offset + (lo - s.vaddr)) as usize..(s.offset + (hi - s.vaddr)) as usize];
                // SAFETY: f is a fresh user frame in the direct map; the
                // destination range stays inside it.
                unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), (mem::phys_to_virt(f) + (lo - va)) as *mut u8, src.len()) };
            }
            map_page(pt, va, f, perms)?;
            va += 4096;
        }
    }
    // The archive, read-only, so the booter can build the others from it.
    let mut off = 0;
    while off < m.size {
        let pa = (m.paddr & !0xfff) + off;
        mem::table().set_type(pa, Ty::User);
        map_page(pt, BOOT_ARCHIVE_VA + off, pa, 0)?;
        off += 4096;
    }

    let cm = take_obj(Obj::Comp)?;
    for o in [ct, pt] {
        obj::get(o).map_err(|_| BootError::OutOfMemory)?;
    }
    comp::get(cm).captbl = ct;
    comp::get(cm).pgtbl = pt;
    let th = take_obj(Obj::Thd)?;
    thread::init(th, cm, img.entry, m.paddr & 0xfff, 0).map_err(|_| BootError::OutOfMemory)?;

    let caps = [
        (boot_slot::SELF_CT, Cap::new(CapKind::Captbl, ct, 0, 0)),
        (boot_slot::SELF_PT, Cap::new(CapKind::Pgtbl, pt, 0, 0)),
        (boot_slot::SELF_COMP, Cap::new(CapKind::Comp, cm, 0, 0)),
        (boot_slot::SELF_THD, Cap::new(CapKind::Thd, th, 0, 0)),
        (boot_slot::UNTYPED, Cap::new(CapKind::Untyped, 0, ram_top >> 12, 0)),
        (boot_slot::HW, Cap::new(CapKind::Hw, 0, 0, 0)),
    ];
    for (slot, cap) in caps {
        captbl::insert(ct, slot as u64, cap).map_err(|_| BootError::OutOfMemory)?;
    }
    // The references the creation took are now held by the capabilities.
    for o in [ct, pt, cm, th] {
        obj::put(o);
    }
    Ok(th)
}
