//! fork's process: a new component whose page table shares the parent's
//! frames (copy-on-write for private pages, for good for MAP_SHARED
//! ones: `backing`), with the parent's personality state and a thread
//! that starts in the register file it is given.

use cellux_abi::regs::UserRegs;

use crate::proc::Proc;
use crate::spawn::SpawnError;

/// A copy of `parent` trapping to `gate`, Linux tid `tid`; its thread (made
/// by [`Proc::start`]) begins with `regs`.
pub fn fork(parent: &Proc, gate: u32, tid: u64, regs: UserRegs) -> Result<Proc, SpawnError> {
    let (shell, ()) = crate::proc::shell(gate, |pages| Ok(parent.pages.duplicate_into(pages)?))?;
    let mut linux = parent.linux.clone();
    linux.tid = tid;
    Ok(Proc {
        linux,
        pages: shell.pages,
        ct: shell.ct,
        comp: shell.comp,
        gate,
        thd: None,
        tid: None,
        entry: parent.entry,
        sp: parent.sp,
        strings: parent.strings,
        image: parent.image.clone(),
        started: false,
        start_regs: Some(regs),
        status: None,
        fault: None,
        kframes: shell.kframes,
    })
}
