//! Page tables as kernel objects: a root (PML4) frame whose lower half user
//! level fills with `map`, after building the intermediate levels itself
//! with `cons` from frames it retyped to kernel memory.

use crate::mem::{self, frame_ptr};
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::USER_END;
use cellux_kernel::pte;
use cellux_kernel::retype::{Obj, Ty};

type Table = [u64; 512];

fn tbl(p: u64) -> &'static mut Table {
    // SAFETY: p is a page-table frame (root or node object, or the boot
    // PML4), mapped through the direct map; the kernel is single-threaded
    // and no other reference to it is held across this use.
    unsafe { &mut *frame_ptr::<Table>(p) }
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
    let k = tbl(kernel_pml4());
    let r = tbl(root);
    r[256..].copy_from_slice(&k[256..]);
}

fn check_va(va: u64) -> KResult<()> {
    if va & 0xfff != 0 || va < cellux_abi::layout::USER_START || va >= USER_END {
        return Err(Error::Inval);
    }
    Ok(())
}

/// The level-1 entry for va, if every intermediate level exists.
fn leaf_slot(root: u64, va: u64) -> Option<&'static mut u64> {
    let mut t = root;
    for level in [4, 3, 2] {
        let e = tbl(t)[pte::index(va, level)];
        if e & pte::P == 0 {
            return None;
        }
        t = e & pte::ADDR;
    }
    Some(&mut tbl(t)[pte::index(va, 1)])
}

pub fn lookup(root: u64, va: u64) -> Option<u64> {
    if va >= USER_END {
        return None;
    }
    let e = *leaf_slot(root, va & !0xfff)?;
    (e & pte::P != 0).then_some(e)
}

/// Builds the first missing level on the path to va from kernel frame `kf`.
pub fn cons(root: u64, va: u64, kf: u64) -> KResult<u64> {
    check_va(va & !0xfff)?;
    let mut t = root;
    for level in [4u32, 3, 2] {
        let slot = &mut tbl(t)[pte::index(va, level)];
        if *slot & pte::P == 0 {
            mem::table().make_obj(kf, Obj::PtNode)?;
            mem::zero_frame(kf);
            *slot = pte::table(kf);
            return Ok(level as u64 - 1);
        }
        t = *slot & pte::ADDR;
    }
    Err(Error::Busy)
}

/// Maps one frame: a retyped user frame (takes a reference) or a device frame.
pub fn map(root: u64, va: u64, pa: u64, perms: u64, device: bool) -> KResult<()> {
    check_va(va)?;
    let slot = leaf_slot(root, va).ok_or(Error::NoTable)?;
    if *slot & pte::P != 0 {
        return Err(Error::Mapped);
    }
    if !device {
        mem::table().get(pa, Ty::User)?;
    }
    *slot = pte::leaf(pa, perms, device);
    Ok(())
}

pub fn unmap(root: u64, va: u64) -> KResult<()> {
    check_va(va)?;
    let slot = leaf_slot(root, va).ok_or(Error::NotMapped)?;
    let e = *slot;
    if e & pte::P == 0 {
        return Err(Error::NotMapped);
    }
    *slot = 0;
    if crate::cpu::read_cr3() == root {
        crate::cpu::invlpg(va);
    }
    if e & pte::DEVICE == 0 {
        mem::table().put(e & pte::ADDR);
    }
    Ok(())
}

/// Tears down the user half: drops every mapping's reference and frees
/// every intermediate node. Work is bounded by the nodes user level built.
pub fn destroy(root: u64) {
    let mut t = mem::table();
    for e4 in tbl(root)[..256].iter_mut() {
        if *e4 & pte::P == 0 {
            continue;
        }
        let n3 = *e4 & pte::ADDR;
        for e3 in tbl(n3).iter() {
            if *e3 & pte::P == 0 {
                continue;
            }
            let n2 = *e3 & pte::ADDR;
            for e2 in tbl(n2).iter() {
                if *e2 & pte::P == 0 {
                    continue;
                }
                let n1 = *e2 & pte::ADDR;
                for e1 in tbl(n1).iter() {
                    if *e1 & pte::P != 0 && *e1 & pte::DEVICE == 0 {
                        t.put(*e1 & pte::ADDR);
                    }
                }
                t.put(n1);
                t.free_obj(n1);
            }
            t.put(n2);
            t.free_obj(n2);
        }
        t.put(n3);
        t.free_obj(n3);
        *e4 = 0;
    }
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
