//! The Ring 1 fast path (docs/ring1.md): a process's `syscall`, and the
//! exceptions it raises that Linux answers with a signal (a page fault
//! first: demand paging and copy-on-write), go from the entry area
//! straight into the server at CPL1, on the calling thread and in the
//! process's own root, and the server returns to the process with
//! `iretq`: no kernel code runs and no root is switched. The kernel's
//! part is
//! - what the entry code reads: the server's entries (one for `syscall`,
//!   one for exceptions, which also gets the vector, error code and cr2
//!   the entry code read at CPL0) and, for the thread about to run at
//!   CPL3, its server stack, id and handler token, in the per-CPU page
//!   (`arm`, on every return to user level; a stack of 0 sends the next
//!   `syscall` or exception into the kernel as before);
//! - keeping its own record of the thread true when it next sees it
//!   (`settle`, on every entry): a thread found at CPL1 though its record
//!   says it executes in a process has entered the server by the fast
//!   path, and gets an invocation frame of kind `Fast` into the server; a
//!   thread found at CPL3 under such a frame has left it;
//! - `EXC_DEFER`, which turns a fast entry into an exception upcall for
//!   the calls that need the kernel to hold the trapped context (a
//!   thread's end, or anything the server prefers to do the slow way).
//!
//! The entry code trusts nothing the server can write: the words it reads
//! are in the read-only per-CPU page, written by the kernel before every
//! return, and it builds the server's IRET frame on the entry stack.

use crate::arch::entry;
use crate::arch::trap::{Frame, VEC_SYSCALL};
use crate::kcell::KCell;
use crate::syscall::OpResult;
use crate::thread::{self, InvFrame, InvKind, MAX_DEPTH, MAX_EXC};
use crate::{comp, obj, pgtbl, region, sched, uaccess};
use cellux_abi::err::Error;
use cellux_abi::layout::in_server_region;
use cellux_abi::ops::{self_op, VEC_INTERRUPT};
use cellux_abi::regs::UserRegs;

/// The server's fast entry for `syscall` (0: the path is off).
static ENTRY: KCell<u64> = KCell::new(0);
/// Its entry for exceptions (0: they enter the kernel).
static ENTRY_EXC: KCell<u64> = KCell::new(0);

/// The most the entry code writes below a thread's server stack top: the
/// exception entry's [tid, token, vector, error, cr2, rip, rflags, rsp].
const FAST_WORDS: u64 = 8;

/// The component the calling thread acts as: the server only may set
/// the path up, and only at CPL1 (the Ring 1 design on).
pub fn caller_is_server(f: &Frame) -> bool {
    let th = thread::get(sched::current());
    region::AT_CPL1 && f.cs & 3 == 1 && region::owns(comp::get(thread::current_comp(th)).pgtbl)
}

/// `self_op::FAST_ENTRY`.
pub fn set_entry(f: &Frame) -> OpResult {
    let self_op::FastEntry { entry, exc } = f.args();
    if !caller_is_server(f) || (entry != 0 && !in_server_region(entry)) || (exc != 0 && (entry == 0 || !in_server_region(exc))) {
        return Err(Error::Inval);
    }
    *ENTRY.get() = entry;
    *ENTRY_EXC.get() = exc;
    Ok(Some(0))
}

/// `self_op::FAST_STACK`: for the thread whose exception the caller (the
/// server, at CPL1) handles. The entry code writes up to `FAST_WORDS`
/// words below the top at CPL0, so their pages must be the server's and
/// mapped: a fault there would be the kernel's.
pub fn set_stack(f: &Frame) -> OpResult {
    let top = f.args::<self_op::FastStack>().top;
    let th = thread::get(sched::current());
    if !caller_is_server(f) || th.depth < 2 || !comp::get(th.inv[th.depth - 2].comp).linux_abi {
        return Err(Error::Inval);
    }
    if top != 0 {
        let pt = comp::get(thread::current_comp(th)).pgtbl;
        if top % 16 != 0 || !in_server_region(top.wrapping_sub(FAST_WORDS * 8)) || !in_server_region(top - 8) || !stack_mapped(pt, top) {
            return Err(Error::Inval);
        }
    }
    th.fast_stack = top;
    Ok(Some(0))
}

/// Before a return to user level (`f` vetted): whether the thread's next
/// `syscall` or exception from its process may take the fast path, told
/// to the entry code. So it may when the return is to its process at
/// CPL3, and also when it is to the server at CPL1 inside a fast entry:
/// the server's own `iretq` takes the thread back to its process with no
/// kernel code run, and no other thread reaches CPL3 on this CPU before
/// the kernel's next return (which arms again) but by that `iretq`.
/// Without the second, every fast entry that made a kernel call (a page
/// fault's map, a blocking call) would send the next trap the slow way.
#[inline(always)]
pub fn arm(t: u64, f: &Frame) {
    if !region::AT_CPL1 {
        return;
    }
    let th = thread::get(t);
    let in_process = f.cs & 3 == 3 && th.depth == 1;
    let in_fast = f.cs & 3 == 1 && th.depth == 2 && th.inv[1].kind == InvKind::Fast;
    let c = comp::get(th.inv[0].comp);
    let on = *ENTRY.get() != 0
        && th.fast_stack != 0
        && (in_process || in_fast)
        && c.linux_abi
        && !th.interrupt
        && c.handler_comp != 0
        && region::owns(comp::get(c.handler_comp).pgtbl)
        && stack_mapped(comp::get(c.handler_comp).pgtbl, th.fast_stack);
    if on {
        entry::set_fast(*ENTRY.get(), *ENTRY_EXC.get(), th.fast_stack, th.tid, c.handler_token);
    } else {
        entry::set_fast(0, 0, 0, 0, 0);
    }
}

/// The entry code writes up to `FAST_WORDS` words below the thread's
/// server stack top at CPL0 (`set_stack` checked them once): the server
/// may have unmapped or write-protected them since, and a fault there, at
/// CPL0 (for `syscall`, on that very stack: a double fault) would take the
/// kernel down. So every arming checks them again; nothing can change
/// them between this return and the thread's next `syscall` or exception
/// but a kernel call, whose return arms again (ktest
/// `hostile.fast_stack_unmapped_kernel_runs_on`).
#[inline(always)]
fn stack_mapped(owner_pt: u64, top: u64) -> bool {
    pgtbl::translate(owner_pt, top - 8, true).is_some() && pgtbl::translate(owner_pt, top - FAST_WORDS * 8, true).is_some()
}

/// First thing before a return to user level: a `thd_op::INTERRUPT` (a
/// Linux signal's kick) that came while the thread ran in the server by
/// the fast path set `interrupt`, which only an exception frame's resume
/// takes (`exception::resume`); the server's own `iretq` back to the
/// process runs no kernel code, so the thread would run on in its process
/// with the signal unseen for as long as it made no call. Returning to
/// its process (the fast frame gone, `settle`), it takes the interrupt
/// upcall instead, as if it had trapped where it stands.
#[inline(always)]
pub fn take_interrupt(t: u64, f: &mut Frame) {
    if !region::AT_CPL1 || t == 0 {
        return;
    }
    let th = thread::get(t);
    if !th.interrupt || th.depth != 1 || !comp::get(thread::current_comp(th)).linux_abi {
        return;
    }
    th.interrupt = false;
    f.vector = VEC_INTERRUPT;
    f.error = 0;
    crate::exception::deliver(f, 0);
}

/// On every entry from user level, before anything reads the thread's
/// invocation frames: brings them up to date with where the thread was
/// found (`f.cs`). False: the thread cannot be recorded (its frames are
/// full) and must end.
#[inline(always)]
pub fn settle(f: &Frame) -> bool {
    if !region::AT_CPL1 {
        return true;
    }
    let t = sched::current();
    if t == 0 {
        return true;
    }
    let th = thread::get(t);
    let top = th.inv[th.depth - 1];
    if f.cs & 3 == 1 {
        let c = comp::get(top.comp);
        if !c.linux_abi {
            return true;
        }
        // Entered the server by the fast path.
        let hc = c.handler_comp;
        if hc == 0 || th.depth == MAX_DEPTH || obj::get(hc).is_err() {
            return false;
        }
        th.inv[th.depth] = InvFrame { comp: hc, kind: InvKind::Fast, ret_rip: 0, ret_rsp: 0, ret_rflags: 0 };
        th.depth += 1;
    } else if top.kind == InvKind::Fast {
        // Left it by the server's own iretq.
        th.depth -= 1;
        obj::put(top.comp);
    }
    true
}

/// `self_op::EXC_DEFER`: the fast entry the calling thread is in becomes
/// an exception frame holding the context the server passes (the frame
/// returns with `iretq` whatever its vector: every register is live).
pub fn defer(f: &Frame) -> OpResult {
    let a: self_op::ExcDefer = f.args();
    let th = thread::get(sched::current());
    if th.depth < 2 || th.inv[th.depth - 1].kind != InvKind::Fast {
        return Err(Error::NoFrame);
    }
    if th.nexc == MAX_EXC {
        return Err(Error::Depth);
    }
    let mut r = UserRegs::default();
    let mut img = thread::Fpu([0; 512]);
    uaccess::read_user(a.regs, crate::exception::as_bytes_mut(&mut r))?;
    uaccess::read_user(a.fpu, &mut img.0)?;
    let i = th.nexc;
    let s = &mut th.exc[i];
    // A fast exception keeps its vector, error code and fault address;
    // anything else reads as the `syscall` it came by.
    let vector = if r.vector < 32 { r.vector } else { VEC_SYSCALL };
    let error = if vector == VEC_SYSCALL { 0 } else { r.error };
    s.regs = Frame { vector, error, ..Frame::default() };
    crate::exception::set_trapped(s, &r)?;
    crate::arch::fpu::sanitize(&mut img);
    s.fpu = img;
    s.cr2 = if vector == 14 { r.fault_addr } else { 0 };
    let fr = &mut th.inv[th.depth - 1];
    fr.kind = InvKind::Exc;
    (fr.ret_rip, fr.ret_rsp, fr.ret_rflags) = (r.rip, r.rsp, s.regs.rflags);
    th.nexc += 1;
    Ok(Some(0))
}

