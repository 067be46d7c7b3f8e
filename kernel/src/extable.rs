//! The server's direct user copies (docs/ring1.md, step 5). With the Ring 1
//! design on, a thread serving a process runs the server at CPL1 in that
//! process's own root, so Linux's `copy_*_user` on it is a plain copy
//! (with RFLAGS.AC set for SMAP). A page fault in it is the process's
//! memory not being there (not yet backed, copy-on-write, or not mapped
//! at all), which the server resolves or turns into -EFAULT; so a fault
//! at CPL1 on a user address inside the code the server named resumes at
//! its fix-up, as Linux's exception table does, instead of being the
//! server's fault.
//!
//! The kernel keeps the three addresses (from registers, never from the
//! server's memory) and only ever moves the server's rip within its own
//! region: nothing here lets the server reach further than it does.

use crate::arch::trap::Frame;
use crate::kcell::KCell;
use crate::syscall::OpResult;
use crate::{comp, counters, region, sched, thread};
use cellux_abi::err::Error;
use cellux_abi::layout::{in_server_region, USER_END};
use cellux_abi::ops::self_op;

struct Range {
    start: u64,
    end: u64,
    fixup: u64,
}

static RANGE: KCell<Range> = KCell::new(Range { start: 0, end: 0, fixup: 0 });

/// `self_op::USER_COPY`.
pub fn set(f: &Frame) -> OpResult {
    let a: self_op::UserCopy = f.args();
    if !crate::fastpath::caller_is_server(f) {
        return Err(Error::Inval);
    }
    let off = a.start == 0 && a.end == 0;
    let named = a.start < a.end && in_server_region(a.start) && in_server_region(a.end - 1) && in_server_region(a.fixup);
    if !off && !named {
        return Err(Error::Inval);
    }
    *RANGE.get() = Range { start: a.start, end: a.end, fixup: if off { 0 } else { a.fixup } };
    Ok(Some(0))
}

/// A page fault `f` at `cr2`: true when it was the server's direct copy
/// touching user memory, now resumed at the fix-up with rdx = `cr2`.
pub fn fixup(f: &mut Frame, cr2: u64) -> bool {
    let r = RANGE.get();
    if !region::AT_CPL1 || r.fixup == 0 || f.cs & 3 != 1 || cr2 >= USER_END || !(r.start..r.end).contains(&f.rip) {
        return false;
    }
    let th = thread::get(sched::current());
    if !region::owns(comp::get(thread::current_comp(th)).pgtbl) {
        return false;
    }
    f.rip = r.fixup;
    f.rdx = cr2;
    counters::count!(copy_faults);
    true
}
