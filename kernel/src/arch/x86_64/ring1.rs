//! MEASUREMENT PROBE (issue 11, deliverable 1): a return to user mode that
//! detours through ring 1. Under QEMU's TCG a CPL change switches the soft
//! TLB's MMU index without flushing it, while every CR3 write flushes all
//! of it; whether a server at CPL1 can replace the CR3 writes of today's
//! process <-> server crossing depends on how the two compare, which
//! `self_op::PROBE_RING1` lets kbench time from CPL3 (with and without one
//! CR3 write) before the kernel is rebuilt around it.
//!
//! The path: the op only records the request; once the syscall is done
//! (`finish`, after `sched::before_return` has vetted the user return
//! state) the kernel copies that state to its own CPL1 stack as an IRET
//! frame and itself `iretq`s to `ring1_probe_return` at CPL1, one `iretq`
//! that pops that frame back to the caller at CPL3. Nothing else ever runs
//! at CPL1: no gate, call path or selector user code can load leads there
//! (DPL-1 segments refuse CPL3 loads and far transfers; `iretq` never
//! raises privilege), CPL1 reads only what the kernel wrote, and it can
//! only return to the caller's own, sanitized user context. IOPL stays 0,
//! so the CPL1 `iretq` cannot change IF: CPL1 runs with IF set for the
//! caller to get it back, and an interrupt taken there (before the `iretq`)
//! is rolled forward to the user context (`roll_forward`), so no thread is
//! ever saved or switched away from with a CPL1 context.

use super::desc::{R1CODE, R1DATA};
use super::trap::{Frame, VEC_IRET};
use crate::kcell::KCell;
use crate::syscall::OpResult;
use cellux_abi::err::Error;
use cellux_abi::ops::self_op::ProbeRing1;
use core::arch::global_asm;

/// The CPL1 stack: a supervisor page beside the kernel stack in the entry
/// area (so every root maps it, as it does the routine), of which only
/// the IRET frame at its top is ever used (interrupts at CPL1 enter on
/// the TSS's rsp0, not here).
#[repr(C, align(4096))]
struct Ring1Stack([u64; 512]);
#[link_section = ".bss.entry_stack"]
static STACK: KCell<Ring1Stack> = KCell::new(Ring1Stack([0; 512]));
/// Where the IRET frame (rip, cs, rflags, rsp, ss) starts in `STACK`.
const FRAME_AT: usize = 512 - 5;

/// A probe asked for in the current syscall: (thread id, reload CR3).
static PENDING: KCell<Option<(u64, bool)>> = KCell::new(None);
/// The last detour made: its thread and the IRET frame (rip, cs, rflags,
/// rsp, ss) written to `STACK`, kept where CPL1 cannot write it.
static DETOUR: KCell<Option<(u64, [u64; 5])>> = KCell::new(None);

global_asm!(
    r#"
    .section .text.entry, "ax"
    .global ring1_probe_return
ring1_probe_return:
    iretq
    .text
"#
);

extern "C" {
    fn ring1_probe_return();
}

/// The routine's address in the entry area.
fn routine() -> u64 {
    super::entry::alias(ring1_probe_return as *const () as u64)
}

/// `self_op::PROBE_RING1`: return through CPL1; `cr3_write` = 1 also
/// reloads CR3 once on the way (the full TCG flush it is compared with).
pub fn request(f: &Frame) -> OpResult {
    let a: ProbeRing1 = f.args();
    if a.cr3_write > 1 {
        return Err(Error::Inval);
    }
    *PENDING.get() = Some((crate::sched::current(), a.cr3_write == 1));
    Ok(Some(0))
}

/// Called last on the syscall return path: turns the vetted user return
/// frame into the detour through CPL1 if this syscall asked for it.
#[inline(always)]
pub fn finish(f: &mut Frame) {
    let Some((tid, cr3)) = PENDING.get().take() else { return };
    if tid != crate::sched::current() {
        return;
    }
    let s = &mut STACK.get().0;
    // before_return has already set the user selectors, sanitized rflags
    // and checked rip: CPL1 gets exactly what sysret would have used.
    let back = [f.rip, f.cs, f.rflags, f.rsp, f.ss];
    s[FRAME_AT..].copy_from_slice(&back);
    *DETOUR.get() = Some((tid, back));
    if cr3 {
        let v = super::cpu::read_cr3();
        // SAFETY: reloads the page table already in use, which maps the
        // kernel as it is mapped now; only the TLB flush is wanted.
        unsafe { super::cpu::write_cr3(v) };
    }
    f.rip = routine();
    f.cs = R1CODE as u64;
    // IF set: the CPL1 iretq (IOPL 0) cannot set it for the caller.
    f.rflags = cellux_abi::regs::RFLAGS_USER_FIXED;
    f.rsp = super::entry::alias(&s[FRAME_AT] as *const u64 as u64);
    f.ss = R1DATA as u64;
    f.vector = VEC_IRET;
}

/// A trap from CPL1. An interrupt that arrived before the probe's one
/// `iretq` ran is rolled forward: the frame becomes the user context that
/// `iretq` would have returned to (the probe has no other effect), and the
/// caller handles it as an interrupt from user mode. Returns false for
/// anything else: an exception at CPL1 (a kernel bug with the design off,
/// the server's own fault with it on), or an interrupt of a thread the
/// last detour was not made for or executing in the region's owner.
pub fn roll_forward(f: &mut Frame) -> bool {
    if f.vector < 32 || f.rip != routine() {
        return false;
    }
    let t = crate::sched::current();
    let Some((tid, back)) = *DETOUR.get() else { return false };
    if t == 0 || tid != t || crate::region::AT_CPL1 && crate::region::owns(crate::comp::get(crate::thread::current_comp(crate::thread::get(t))).pgtbl) {
        return false;
    }
    [f.rip, f.cs, f.rflags, f.rsp, f.ss] = back;
    true
}
