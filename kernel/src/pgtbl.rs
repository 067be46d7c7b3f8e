//! Page tables as kernel objects: a root (PML4) frame whose lower half user
//! level fills with `map`, after building the intermediate levels itself
//! with `cons` from frames it retyped to kernel memory. The structure
//! rules are `cellux_kerncore::ptwalk`; this adds the direct map, reference
//! counting, TLB maintenance, and the ops on a page-table capability.

use crate::arch::trap::Frame;
use crate::mem::{self, frame_ptr};
use crate::region;
use cellux_abi::layout::in_server_region;
use crate::syscall::OpResult;
use crate::uaccess;
use crate::untyped::kmem;
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::{self, pgtbl_op, COPY_FROM_PT};
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

/// Initializes a new root in a frame already made an object: the kernel
/// half shared with the boot table, the server region with every root,
/// the user half empty.
pub fn init_root(root: u64) {
    mem::zero_frame(root);
    let mut k = [0u64; 256];
    k.copy_from_slice(&Direct.table(kernel_pml4())[256..]);
    Direct.table(root)[256..].copy_from_slice(&k);
    region::install(Direct.table(root));
}

/// The PML4 slot of the kernel's image (the top 2 GiB): present in a root
/// exactly when the root maps the kernel.
const KERNEL_SLOT: usize = 511;

/// With the Ring 1 design on, a root the server may run in at CPL1 (the
/// server's own, a Linux-ABI process's) must map none of the kernel but
/// the entry area: paging's U/S bit does not keep CPL1 out of supervisor
/// pages. Every other root keeps the kernel, supervisor-only, so that a
/// CPL3 component's kernel calls (the scheduler's above all) switch no
/// root (`maps_kernel`, the entry code's `entry_user_maps_kernel`).
pub fn keep_kernel_out(root: u64) {
    keep_kernel_out_of(Direct.table(root));
}

/// [`keep_kernel_out`] on the top-level table `pml4` of a root.
pub fn keep_kernel_out_of(pml4: &mut [u64; 512]) {
    if !region::AT_CPL1 {
        return;
    }
    let entry_slot = ((crate::arch::entry::ENTRY_BASE >> 39) & 511) as usize;
    for (i, e) in pml4.iter_mut().enumerate().skip(256) {
        if i != entry_slot && !cellux_abi::layout::SERVER_SLOTS.contains(&i) {
            *e = 0;
        }
    }
}

/// Whether `root` maps the kernel (see `keep_kernel_out`).
#[inline(always)]
pub fn maps_kernel(root: u64) -> bool {
    Direct.table(root)[KERNEL_SLOT] != 0
}

/// The present leaf for `va` in what `root` may see (`region::visible`).
pub fn lookup(root: u64, va: u64) -> Option<u64> {
    if !region::visible(root, va) {
        return None;
    }
    ptwalk::lookup(&mut Direct, root, va)
}

/// Builds the first missing level on the path to va from kernel frame `kf`.
pub fn cons(root: u64, va: u64, kf: u64) -> KResult<u64> {
    region::admit(root, Direct.table(root), va)?;
    ptwalk::cons(&mut Direct, root, va, kf, |n| mem::table().make_obj(n, Obj::PtNode))
}

/// Maps one frame: a retyped user frame (takes a reference) or a device frame.
pub fn map(root: u64, va: u64, pa: u64, perms: u64, device: bool) -> KResult<()> {
    region::admit(root, Direct.table(root), va)?;
    ptwalk::map(&mut Direct, root, va, pte::leaf(pa, perms, device), || if device { Ok(()) } else { mem::table().get(pa, Ty::User) })
}

pub fn unmap(root: u64, va: u64) -> KResult<()> {
    region::admit(root, Direct.table(root), va)?;
    let e = ptwalk::unmap(&mut Direct, root, va)?;
    // The region's pages are in every root: any root's TLB may hold one.
    if crate::arch::cpu::read_cr3() == root || in_server_region(va) {
        crate::arch::cpu::invlpg(va);
    }
    if e & pte::DEVICE == 0 {
        mem::table().put(e & pte::ADDR);
    }
    Ok(())
}

/// Tears down the user half (and the server region if `root` owns it):
/// drops every mapping's reference and frees every intermediate node.
/// Work is bounded by the nodes user level built.
pub fn destroy(root: u64) {
    let mut leaf = |e: u64| {
        if e & pte::DEVICE == 0 {
            mem::table().put(e & pte::ADDR);
        }
    };
    let mut node = |n: u64| {
        let mut t = mem::table();
        t.put(n);
        t.free_obj(n);
    };
    ptwalk::destroy(&mut Direct, root, &mut leaf, &mut node);
    if region::release(root) {
        for n3 in region::tables() {
            ptwalk::empty_below(&mut Direct, n3, &mut leaf, &mut node);
        }
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

/// An op on the page table `root`; `own` is the caller's capability table.
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, own: u64, root: u64, op: u16) -> OpResult {
    match op {
        pgtbl_op::MAP => map_op(f, own, root, f.args()),
        pgtbl_op::MAP_LIST => map_list(f, own, root, f.args()),
        pgtbl_op::UNMAP => {
            // What is mapped in the range goes (one call for a run of
            // pages, some of which a PROT_NONE range left unmapped).
            let a: pgtbl_op::Unmap = f.args();
            if a.pages > 1 << 20 {
                return Err(Error::Inval);
            }
            let mut n = 0;
            for i in 0..a.pages {
                match unmap(root, a.va.wrapping_add(i * 4096)) {
                    Ok(()) => n += 1,
                    Err(Error::NotMapped) | Err(Error::NoTable) => {}
                    Err(e) => return Err(e),
                }
            }
            if n == 0 && a.pages > 0 {
                return Err(Error::NotMapped);
            }
            Ok(Some(n))
        }
        pgtbl_op::CONS => {
            let a: pgtbl_op::Cons = f.args();
            let kf = kmem(own, a.kmem)?;
            cons(root, a.va, kf).map(Some)
        }
        pgtbl_op::COPY => {
            let a: pgtbl_op::CopyMem = f.args();
            let r = uaccess::copy_between(root, a.remote, a.local, a.len, a.dir == COPY_FROM_PT)?;
            f.rax = r.bytes;
            f.rdi = r.at;
            f.rsi = r.side as u64;
            Ok(None)
        }
        pgtbl_op::LOOKUP => {
            let e = lookup(root, f.args::<pgtbl_op::Lookup>().va).ok_or(Error::NotMapped)?;
            f.rax = e & pte::ADDR;
            f.rdi = pte::perms_of(e);
            Ok(None)
        }
        _ => Err(Error::BadOp),
    }
}

/// `MAP`: on failure rdi tells user level how many pages did get mapped,
/// so it can build a missing level (`CONS`) and go on from there.
fn map_op(f: &mut Frame, own: u64, root: u64, a: pgtbl_op::Map) -> OpResult {
    let first = kmem(own, a.kmem)?;
    if a.pages == 0 || a.pages > 1 << 20 {
        return Err(Error::Inval);
    }
    for i in 0..a.pages {
        if let Err(e) = map(root, a.va.wrapping_add(i * 4096), first + i * 4096, a.perms, false) {
            f.rdi = i;
            return Err(e);
        }
        // The untyped cap covers the first frame; keep each inside it.
        if i + 1 < a.pages && kmem(own, ops::kmem((a.kmem >> 48) as u32, first + (i + 1) * 4096)).is_err() {
            f.rdi = i + 1;
            return Err(Error::Inval);
        }
    }
    f.rdi = a.pages;
    Ok(Some(a.pages))
}

/// `MAP_LIST`: rdi = pages mapped, also when one fails.
fn map_list(f: &mut Frame, own: u64, root: u64, a: pgtbl_op::MapList) -> OpResult {
    if a.n > ops::MAP_LIST_MAX {
        return Err(Error::Inval);
    }
    let r = uaccess::for_each_word(a.list, a.n, |i, km| map(root, a.va.wrapping_add(i * 4096), kmem(own, km)?, a.perms, false));
    let (r, done) = match r {
        Ok(done) => (Ok(Some(done)), done),
        Err((e, done)) => (Err(e), done),
    };
    f.rdi = done;
    r
}
