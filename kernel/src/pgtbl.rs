//! Page tables as kernel objects: a root (PML4) frame whose lower half user
//! level fills with `map`, after building the intermediate levels itself
//! with `cons` from frames it retyped to kernel memory. The structure
//! rules are `cellux_kerncore::ptwalk`; this adds the direct map, reference
//! counting and TLB maintenance.

use crate::mem::{self, frame_ptr};
use cellux_abi::err::KResult;
use cellux_kerncore::ptwalk::{self, Frames};
use cellux_kerncore::pte;
use cellux_kerncore::retype::{Obj, Ty};

/// Page-table frames through the direct map.
struct Direct;

impl Frames for Direct {
    fn table(&mut self, pa: u64) -> &mut [u64; 512] {
        // SAFETY: pa is a page-table frame (a root or node object, or the
        // boot PML4) reached through the direct map; the kernel is
        // single-threaded and holds no other reference to it.
        unsafe { &mut *frame_ptr::<[u64; 512]>(pa) }
    }
}

extern "C" {
    static boot_pml4: u8;
}

pub fn kernel_pml4() -> u64 {
    // SAFETY: only the (physical, identity-linked) address is taken.
    unsafe { &boot_pml4 as *const u8 as u64 }
}

/// Initializes a new root in a frame already made an object: kernel half
/// shared with the boot table, user half empty.
pub fn init_root(root: u64) {
    mem::zero_frame(root);
    let mut k = [0u64; 256];
    k.copy_from_slice(&Direct.table(kernel_pml4())[256..]);
    Direct.table(root)[256..].copy_from_slice(&k);
}

pub fn lookup(root: u64, va: u64) -> Option<u64> {
    ptwalk::lookup(&mut Direct, root, va)
}

/// Builds the first missing level on the path to va from kernel frame `kf`.
pub fn cons(root: u64, va: u64, kf: u64) -> KResult<u64> {
    ptwalk::cons(&mut Direct, root, va, kf, |n| mem::table().make_obj(n, Obj::PtNode))
}

/// Maps one frame: a retyped user frame (takes a reference) or a device frame.
pub fn map(root: u64, va: u64, pa: u64, perms: u64, device: bool) -> KResult<()> {
    ptwalk::map(&mut Direct, root, va, pte::leaf(pa, perms, device), || if device { Ok(()) } else { mem::table().get(pa, Ty::User) })
}

pub fn unmap(root: u64, va: u64) -> KResult<()> {
    let e = ptwalk::unmap(&mut Direct, root, va)?;
    if crate::arch::cpu::read_cr3() == root {
        crate::arch::cpu::invlpg(va);
    }
    if e & pte::DEVICE == 0 {
        mem::table().put(e & pte::ADDR);
    }
    Ok(())
}

/// Tears down the user half: drops every mapping's reference and frees
/// every intermediate node. Work is bounded by the nodes user level built.
pub fn destroy(root: u64) {
    ptwalk::destroy(
        &mut Direct,
        root,
        |e| {
            if e & pte::DEVICE == 0 {
                mem::table().put(e & pte::ADDR);
            }
        },
        |n| {
            let mut t = mem::table();
            t.put(n);
            t.free_obj(n);
        },
    );
}

/// Translates a user address for a kernel access: present, user, and
/// writable if `write`. Returns the direct-map address.
pub fn translate(root: u64, va: u64, write: bool) -> Option<u64> {
    let e = lookup(root, va)?;
    if e & pte::U == 0 || (write && e & pte::W == 0) || e & pte::DEVICE != 0 {
        return None;
    }
    Some(mem::phys_to_virt((e & pte::ADDR) + (va & 0xfff)))
}
