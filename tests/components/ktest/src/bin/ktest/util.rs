//! Helpers the tests share: building components from the boot archive.

use cellux_rt::abi::archive::Archive;
use cellux_rt::abi::layout::{boot_slot, BOOT_ARCHIVE_VA};
use cellux_rt::abi::ops::{kmem_split, RETYPE_UNTYPED};
use cellux_rt::cap::{Captbl, Comp, Untyped};
use cellux_rt::loader::{self, Built};
use cellux_rt::slots;

pub fn archive() -> Option<Archive<'static>> {
    // SAFETY: the booter mapped the archive read-only here; the parser
    // checks the length and checksum before anything is used.
    let bytes = unsafe {
        let total = core::ptr::read_unaligned((BOOT_ARCHIVE_VA + 16) as *const u64).min(1 << 30);
        core::slice::from_raw_parts(BOOT_ARCHIVE_VA as *const u8, total as usize)
    };
    Archive::parse(bytes).ok()
}

/// Loads a component image from the archive and gives it the console.
pub fn load(name: &str, flags: u64) -> Option<Built> {
    let ar = archive()?;
    let e = ar.find(name)?;
    let b = loader::load(e.data, flags).ok()?;
    Captbl(b.ct).copy(boot_slot::HW, boot_slot::HW).ok()?;
    Some(b)
}

/// Loads a component with its own tables and a small untyped range, but
/// no hardware capability.
pub fn load_bare(name: &str) -> Option<Built> {
    let ar = archive()?;
    let b = loader::load(ar.find(name)?.data, 0).ok()?;
    for (dst, src) in [(boot_slot::SELF_CT, b.ct), (boot_slot::SELF_PT, b.pt), (boot_slot::SELF_COMP, b.comp)] {
        Captbl(b.ct).copy(dst, src).ok()?;
    }
    // 64 frames of our own memory, never used by us afterwards.
    let first = kmem_split(cellux_rt::mem::user_frames(64).ok()?).1;
    Untyped(boot_slot::UNTYPED).retype(first, 64, RETYPE_UNTYPED).ok()?;
    Captbl(b.ct).new_untyped(boot_slot::UNTYPED, boot_slot::UNTYPED, first, 64).ok()?;
    Some(b)
}

/// A gate into `b` in our table.
pub fn gate(b: &Built, token: u64) -> Option<u32> {
    let s = slots::alloc();
    Captbl(boot_slot::SELF_CT).new_sinv(s, b.comp, b.entry, token).ok()?;
    Some(s)
}

pub fn handler_gate(token: u64) -> Option<u32> {
    extern "C" {
        fn _start();
    }
    let s = slots::alloc();
    Captbl(boot_slot::SELF_CT).new_sinv(s, boot_slot::SELF_COMP, _start as *const () as u64, token).ok()?;
    Some(s)
}

pub fn kind_of(slot: u32) -> u64 {
    Captbl(boot_slot::SELF_CT).kind(slot).unwrap_or(99)
}

pub fn set_handler(comp: u32, gate: u32) -> bool {
    Comp(comp).set_handler(gate).is_ok()
}
