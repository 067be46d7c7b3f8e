//! The hvm_start_info QEMU hands over at the PVH entry.

use crate::mem::phys_to_virt;

#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    _reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct MemEntry {
    pub addr: u64,
    pub size: u64,
    pub kind: u32,
    _reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Module {
    pub paddr: u64,
    pub size: u64,
    _cmdline: u64,
    _reserved: u64,
}

pub const RAM: u32 = 1;

pub struct BootInfo {
    pub memmap: &'static [MemEntry],
    pub modules: &'static [Module],
}

#[derive(Debug)]
pub enum PvhError {
    BadMagic,
    NoMemoryMap,
}

pub fn read(start_info_phys: u64) -> Result<BootInfo, PvhError> {
    // SAFETY: QEMU placed the start_info (and the tables it points to) in
    // RAM below 4 GiB, which the direct map covers; we only read it.
    unsafe {
        let si = &*(phys_to_virt(start_info_phys) as *const StartInfo);
        if si.magic != 0x336e_c578 {
            return Err(PvhError::BadMagic);
        }
        if si.version < 1 || si.memmap_entries == 0 || si.memmap_entries > 128 {
            return Err(PvhError::NoMemoryMap);
        }
        let memmap = core::slice::from_raw_parts(phys_to_virt(si.memmap_paddr) as *const MemEntry, si.memmap_entries as usize);
        let n = (si.nr_modules as usize).min(8);
        let modules = if n == 0 { &[][..] } else { core::slice::from_raw_parts(phys_to_virt(si.modlist_paddr) as *const Module, n) };
        Ok(BootInfo { memmap, modules })
    }
}
