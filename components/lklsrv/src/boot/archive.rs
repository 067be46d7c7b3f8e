//! The boot archive the booter maps into every component (the server's
//! copy in its region, at `SERVER_ARCHIVE_VA`): the server takes
//! test images and the command to run (`run`) from it.

use cellux_rt::abi::archive::{Archive, MAGIC};
use cellux_rt::abi::layout::{boot_slot, SERVER_ARCHIVE_VA};
use cellux_rt::cap::Pgtbl;

fn mapped(va: u64) -> bool {
    Pgtbl(boot_slot::SELF_PT).lookup(va).is_ok()
}

pub fn archive() -> Option<Archive<'static>> {
    if !mapped(SERVER_ARCHIVE_VA) {
        return None;
    }
    // The kernel maps the archive from the start of its first page; the
    // header starts within that page (the module's offset in its frame).
    for off in (0..4096u64).step_by(8) {
        let at = SERVER_ARCHIVE_VA + off;
        // SAFETY: the booter mapped the archive's first page read-only here
        // (checked above), and 8 bytes at an 8-aligned offset stay inside it.
        let head = unsafe { core::slice::from_raw_parts(at as *const u8, 8) };
        if head == MAGIC {
            if !mapped(at + 16) {
                return None;
            }
            // SAFETY: as above; the length field is at offset 16 and the
            // parser checks it and the checksum before trusting anything.
            let bytes = unsafe {
                let total = core::ptr::read_unaligned((at + 16) as *const u64).min(1 << 30);
                core::slice::from_raw_parts(at as *const u8, total as usize)
            };
            return Archive::parse(bytes).ok();
        }
    }
    None
}

/// The bytes of archive entry `name`.
pub fn find(name: &str) -> Option<&'static [u8]> {
    archive()?.find(name).map(|e| e.data)
}
