//! Object lifetimes: a kernel object lives while references to it exist
//! (capabilities, invocation frames, other objects). When the last one goes
//! it is destroyed, and objects that destruction releases are queued
//! through the retype table's link field rather than recursed into, so a
//! deep chain built by user level can not overflow the kernel stack.

use crate::kcell::KCell;
use crate::mem;
use cellux_abi::err::KResult;
use cellux_kerncore::retype::{Obj, Ty};

static DEAD_HEAD: KCell<u64> = KCell::new(0);
static DRAINING: KCell<bool> = KCell::new(false);

#[link_section = ".text.hot"]
pub fn get(o: u64) -> KResult<()> {
    mem::table().get(o, Ty::Kernel)
}

#[link_section = ".text.hot"]
pub fn put(o: u64) {
    let mut t = mem::table();
    if t.refs(o) == 0 || t.put(o) != 0 {
        return;
    }
    t.set_link(o, *DEAD_HEAD.get() >> 12);
    *DEAD_HEAD.get() = o;
    if *DRAINING.get() {
        return;
    }
    *DRAINING.get() = true;
    while *DEAD_HEAD.get() != 0 {
        let d = *DEAD_HEAD.get();
        *DEAD_HEAD.get() = mem::table().link(d) << 12;
        destroy(d);
    }
    *DRAINING.get() = false;
}

#[inline(never)]
#[cold]
fn destroy(o: u64) {
    match mem::table().obj(o) {
        Obj::Captbl => {
            crate::captbl::clear(o);
            crate::captbl::free_pages(o);
        }
        Obj::PtRoot => {
            // Never leave the CPU on a table that is being freed.
            if crate::arch::cpu::read_cr3() == o {
                // SAFETY: the boot table maps the kernel like every root.
                unsafe { crate::arch::cpu::write_cr3(crate::pgtbl::kernel_pml4()) }
            }
            crate::pgtbl::destroy(o)
        }
        Obj::Comp => crate::comp::destroy(o),
        Obj::Thd => crate::thread::destroy(o),
        Obj::PtNode | Obj::CaptblExt | Obj::None => {}
    }
    mem::table().free_obj(o);
    mem::zero_frame(o);
}

/// Makes a new object of `kind` in kernel frame `kf` (one reference, held
/// by the caller) after checking the untyped capability covers it.
pub fn make(kf: u64, kind: Obj) -> KResult<()> {
    mem::table().make_obj(kf, kind)?;
    mem::zero_frame(kf);
    Ok(())
}
