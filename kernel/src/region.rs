//! The server region (`cellux_abi::layout::SERVER_SLOTS`): its level-3
//! tables are kernel memory, one per slot, and every root's entries for
//! those slots name the same tables, so what the server maps there is in
//! every address space at once, as Linux's kernel half is in every mm.
//! In roots other than the owner's the entries are supervisor-only: a
//! process can neither touch the region nor, through the kernel, name it
//! (`visible`), and only the owner's page table maps into it (`admit`).
//!
//! The owner is the first root anything is mapped into the region of: at
//! boot, the server's, by the booter loading its image. With the Ring 1
//! design on (`AT_CPL1`) the owner's threads run at CPL1 and the region
//! is supervisor-only in its root too; with it off the owner is a CPL3
//! component like any other, whose root maps the region as user memory.

use crate::kcell::KCell;
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::{in_server_region, SERVER_SLOTS};
use cellux_kerncore::pte::{P, U, W};

/// The Ring 1 design is on: the owner runs at CPL1 (`sched::before_return`)
/// and user roots hold no kernel but the entry area (`pgtbl::init_root`).
pub const AT_CPL1: bool = cfg!(feature = "ring1");

const SLOTS: usize = SERVER_SLOTS.end - SERVER_SLOTS.start;

#[repr(C, align(4096))]
struct Table([u64; 512]);

static TABLES: KCell<[Table; SLOTS]> = KCell::new([const { Table([0; 512]) }; SLOTS]);
/// The owner's root (0: none yet).
static OWNER: KCell<u64> = KCell::new(0);

/// Points a new root's region slots (its top-level table `pml4`) at the
/// shared tables, supervisor-only.
pub fn install(pml4: &mut [u64; 512]) {
    for (k, i) in SERVER_SLOTS.enumerate() {
        pml4[i] = crate::arch::kmap::phys(&TABLES.get()[k]) | P | W;
    }
}

/// A mapping change at `va` in `root` (top-level table `pml4`): outside
/// the region always; in it only for the owner, which the first such
/// change makes `root`.
pub fn admit(root: u64, pml4: &mut [u64; 512], va: u64) -> KResult<()> {
    if !in_server_region(va) {
        return Ok(());
    }
    let owner = OWNER.get();
    if *owner == 0 {
        *owner = root;
        if !AT_CPL1 {
            for i in SERVER_SLOTS {
                pml4[i] |= U;
            }
        }
        crate::pgtbl::keep_kernel_out_of(pml4);
    }
    if *owner == root {
        Ok(())
    } else {
        Err(Error::Inval)
    }
}

/// `root` is the owner's.
#[inline(always)]
pub fn owns(root: u64) -> bool {
    *OWNER.get() == root
}

/// Whether the kernel may look `va` up in `root` on a component's
/// behalf: the region is the owner's alone.
pub fn visible(root: u64, va: u64) -> bool {
    !in_server_region(va & !0xfff) || *OWNER.get() == root
}

/// The physical addresses of the shared tables.
pub fn tables() -> impl Iterator<Item = u64> {
    TABLES.get().iter().map(crate::arch::kmap::phys)
}

/// The owner's root is going away (its caller empties the tables): the
/// region may be claimed again. False for any other root.
pub fn release(root: u64) -> bool {
    let owner = OWNER.get();
    if *owner != root {
        return false;
    }
    *owner = 0;
    true
}
