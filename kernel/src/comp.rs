//! Components: a capability table, a page table, an ABI mark and an
//! optional exception handler gate.

use crate::mem::frame_ptr;
use crate::obj;

#[repr(C)]
pub struct Comp {
    pub captbl: u64,
    pub pgtbl: u64,
    pub linux_abi: bool,
    /// Exception handler: server component (0 = none), entry, token.
    pub handler_comp: u64,
    pub handler_entry: u64,
    pub handler_token: u64,
}

pub fn get(c: u64) -> &'static mut Comp {
    // SAFETY: c is a component object frame (named by a checked capability
    // or an invocation frame), zero-initialized at creation, which is a
    // valid Comp; single-threaded kernel.
    unsafe { &mut *frame_ptr::<Comp>(c) }
}

pub fn destroy(c: u64) {
    let comp = get(c);
    for o in [comp.captbl, comp.pgtbl, comp.handler_comp] {
        if o != 0 {
            obj::put(o);
        }
    }
}
