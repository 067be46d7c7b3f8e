//! Helpers the tests share: building components from the boot archive.

use cellux_rt::abi::archive::Archive;
use cellux_rt::abi::layout::{boot_slot, BOOT_ARCHIVE_VA};
use cellux_rt::abi::ops::{self, captbl_op};
use cellux_rt::loader::{self, Built};
use cellux_rt::{slots, sys};

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
    sys::op(b.ct, captbl_op::COPY, [boot_slot::HW as u64, boot_slot::HW as u64, 0, 0, 0, 0]).ok()?;
    Some(b)
}

/// Loads a component with its own tables and a small untyped range, but
/// no hardware capability.
pub fn load_bare(name: &str) -> Option<Built> {
    let ar = archive()?;
    let b = loader::load(ar.find(name)?.data, 0).ok()?;
    for (dst, src) in [(boot_slot::SELF_CT, b.ct), (boot_slot::SELF_PT, b.pt), (boot_slot::SELF_COMP, b.comp)] {
        sys::op(b.ct, captbl_op::COPY, [dst as u64, src as u64, 0, 0, 0, 0]).ok()?;
    }
    // 64 frames of our own memory, never used by us afterwards.
    let first = cellux_rt::abi::ops::kmem_split(cellux_rt::mem::user_frames(64).ok()?).1;
    sys::op(boot_slot::UNTYPED, cellux_rt::abi::ops::untyped_op::RETYPE, [first, 64, cellux_rt::abi::ops::RETYPE_UNTYPED, 0, 0, 0]).ok()?;
    sys::op(b.ct, captbl_op::NEW_UNTYPED, [boot_slot::UNTYPED as u64, boot_slot::UNTYPED as u64, first, 64, 0, 0]).ok()?;
    Some(b)
}

/// A gate into `b` in our table.
pub fn gate(b: &Built, token: u64) -> Option<u32> {
    let s = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [s as u64, b.comp as u64, b.entry, token, 0, 0]).ok()?;
    Some(s)
}

pub fn handler_gate(token: u64) -> Option<u32> {
    extern "C" {
        fn _start();
    }
    let s = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [s as u64, boot_slot::SELF_COMP as u64, _start as *const () as u64, token, 0, 0]).ok()?;
    Some(s)
}

pub fn kind_of(slot: u32) -> u64 {
    sys::op(boot_slot::SELF_CT, captbl_op::KIND, [slot as u64, 0, 0, 0, 0, 0]).unwrap_or(99)
}

pub fn set_handler(comp: u32, gate: u32) -> bool {
    sys::op(comp, ops::comp_op::SET_HANDLER, [gate as u64, 0, 0, 0, 0, 0]).is_ok()
}
