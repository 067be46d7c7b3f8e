//! fork's process: a new component whose page table is an eager copy of
//! the parent's (copy-on-write would need the kernel to share frames
//! read-only between page tables and report write faults to us), with
//! the parent's personality state and a thread that starts in the
//! register file it is given.

use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{comp_op, ct_op, COMP_LINUX_ABI};
use cellux_abi::regs::UserRegs;
use cellux_rt::{mem, slots, sys};

use crate::proc::Proc;
use crate::spawn::SpawnError;

/// A copy of `parent` trapping to `gate`, Linux tid `tid`; its thread (made
/// by [`Proc::start`]) begins with `regs`.
pub fn fork(parent: &Proc, gate: u32, tid: u64, regs: UserRegs) -> Result<Proc, SpawnError> {
    let own = boot_slot::SELF_CT;
    let (ct, pt, comp) = (slots::alloc(), slots::alloc(), slots::alloc());
    let made: [u32; 3] = [comp, pt, ct];
    let mut built = None;
    let r = (|| -> Result<(), SpawnError> {
        sys::op(own, ct_op::NEW_CAPTBL, [ct as u64, mem::kernel_frame()?, 1, 0, 0, 0])?;
        sys::op(own, ct_op::NEW_PGTBL, [pt as u64, mem::kernel_frame()?, 0, 0, 0, 0])?;
        built = Some(parent.pages.duplicate(pt)?);
        sys::op(own, ct_op::NEW_COMP, [comp as u64, ct as u64, pt as u64, mem::kernel_frame()?, COMP_LINUX_ABI, 0])?;
        sys::op(comp, comp_op::SET_HANDLER, [gate as u64, 0, 0, 0, 0, 0])?;
        Ok(())
    })();
    if let Err(e) = r {
        if let Some(mut p) = built {
            p.clear();
        }
        for s in made {
            if sys::op(own, ct_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).is_ok() {
                slots::free(s);
            }
        }
        return Err(e);
    }
    let mut linux = parent.linux.clone();
    linux.tid = tid;
    // The child's own thread has not asked for a clear-on-exit address
    // (CLONE_CHILD_CLEARTID sets one for it afterwards).
    linux.clear_child_tid = 0;
    Ok(Proc {
        linux,
        pages: built.unwrap_or_else(|| crate::pages::Pages::new(pt)),
        ct,
        comp,
        gate,
        thd: None,
        tid: None,
        entry: parent.entry,
        sp: parent.sp,
        started: false,
        start_regs: Some(regs),
        status: None,
        fault: None,
    })
}
