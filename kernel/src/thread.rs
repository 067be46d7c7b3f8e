//! Threads: a saved user context, FPU/SSE state, FS/GS base, the
//! invocation stack (which component the thread is executing in), saved
//! trapped contexts of exceptions being handled, and the end-point state
//! for asynchronous activation. Also the ops on a thread capability, and
//! the two a scheduler thread uses on the threads that report to it by id
//! alone (`self_op::SWITCH_TID`, `WAKE_TID`).

use crate::arch::trap::Frame;
use crate::kcell::KCell;
use crate::mem::frame_ptr;
use crate::syscall::OpResult;
use crate::{exception, obj, sched};
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::MAX_THREADS;
use cellux_abi::ops::{self_op, thd_op, SWITCH_FAIL_IF_PENDING, THD_RUNNING};

pub const MAX_DEPTH: usize = 16;
pub const MAX_EXC: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u64)]
pub enum State {
    Runnable = 0,
    /// Blocked in `rcv` on its own end-point.
    Blocked = 1,
    Dead = 2,
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum InvKind {
    Base = 0,
    Sinv = 1,
    /// An exception upcall; the trapped context is in `exc[exc_idx]`.
    Exc = 2,
    /// Entered by the Ring 1 fast path (`fastpath`): the trapped context
    /// is the handler's to keep, until `EXC_DEFER` makes this an `Exc`.
    Fast = 3,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct InvFrame {
    pub comp: u64,
    pub kind: InvKind,
    pub ret_rip: u64,
    pub ret_rsp: u64,
    pub ret_rflags: u64,
}

#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct Fpu(pub [u8; 512]);

#[repr(C, align(16))]
pub struct ExcSave {
    pub fpu: Fpu,
    pub regs: Frame,
    pub fs_base: u64,
    pub gs_base: u64,
    pub cr2: u64,
}

#[repr(C, align(64))]
pub struct Thread {
    pub fpu: Fpu,
    pub regs: Frame,
    pub fs_base: u64,
    pub gs_base: u64,
    pub tid: u64,
    pub state: State,
    pub depth: usize,
    pub inv: [InvFrame; MAX_DEPTH],
    pub nexc: usize,
    /// Sends received and not yet consumed by `rcv`.
    pub pending: u64,
    /// The timeout it asked for when it last blocked (reported to its scheduler).
    pub timeout: u64,
    /// Scheduler thread notified of its blocking/waking (0: none).
    pub sched: u64,
    /// Events queued for this thread when it is a scheduler: list of threads.
    pub evt_head: u64,
    pub evt_tail: u64,
    /// Link in its scheduler's event list, and the event kind queued.
    pub evt_next: u64,
    pub evt_kind: u64,
    pub evt_queued: bool,
    /// `thd_op::INTERRUPT` arrived while its handler ran: take the
    /// interrupt upcall instead of resuming user mode.
    pub interrupt: bool,
    /// Its server stack top for the Ring 1 fast path (0: not taken).
    pub fast_stack: u64,
    pub exc: [ExcSave; MAX_EXC],
}

const _: () = assert!(core::mem::size_of::<Thread>() <= 4096);

pub fn get(t: u64) -> &'static mut Thread {
    // SAFETY: t is a thread object frame (named through a checked
    // capability or kernel-held reference), zero-initialized and then
    // set up by `init`; all-zero bytes are valid for every field
    // (State::Runnable and InvKind::Base are 0); single-threaded kernel.
    unsafe { &mut *frame_ptr::<Thread>(t) }
}

static TIDS: KCell<[u64; MAX_THREADS / 64]> = KCell::new([0; MAX_THREADS / 64]);

/// Thread by id, for schedulers dispatching the threads that report to
/// them. Holds no reference: cleared when the thread is destroyed.
static BY_TID: KCell<[u64; MAX_THREADS]> = KCell::new([0; MAX_THREADS]);

pub fn by_tid(tid: u64) -> Option<u64> {
    let t = *BY_TID.get().get(tid as usize)?;
    (t != 0).then_some(t)
}

fn alloc_tid() -> KResult<u64> {
    let bits = TIDS.get();
    for (w, word) in bits.iter_mut().enumerate() {
        if *word != u64::MAX {
            let b = (!*word).trailing_zeros() as u64;
            *word |= 1 << b;
            return Ok(w as u64 * 64 + b);
        }
    }
    Err(Error::NoTid)
}

fn free_tid(tid: u64) {
    if (tid as usize) < MAX_THREADS {
        TIDS.get()[tid as usize / 64] &= !(1 << (tid % 64));
    }
}

/// A default FPU image: x87 control word 0x37f, MXCSR 0x1f80 (all masked).
fn default_fpu() -> Fpu {
    let mut f = Fpu([0; 512]);
    f.0[0] = 0x7f;
    f.0[1] = 0x03;
    f.0[24] = 0x80;
    f.0[25] = 0x1f;
    f
}

/// Sets up a thread in a fresh object frame `t` (one reference held by
/// the caller) to upcall `entry` in component `comp` with `arg`.
pub fn init(t: u64, comp: u64, entry: u64, arg: u64, sched: u64) -> KResult<u64> {
    let tid = alloc_tid()?;
    obj::get(comp)?;
    if sched != 0 {
        if let Err(e) = obj::get(sched) {
            obj::put(comp);
            free_tid(tid);
            return Err(e);
        }
    }
    let th = get(t);
    th.fpu = default_fpu();
    th.tid = tid;
    th.fast_stack = 0;
    th.state = State::Runnable;
    th.sched = sched;
    th.depth = 1;
    th.inv[0] = InvFrame { comp, kind: InvKind::Base, ret_rip: 0, ret_rsp: 0, ret_rflags: 0 };
    th.regs = upcall_frame(entry, cellux_abi::ops::upcall::THREAD, tid, 0);
    th.regs.rdi = arg;
    BY_TID.get()[tid as usize] = t;
    Ok(tid)
}

pub fn upcall_frame(entry: u64, kind: u64, tid: u64, token: u64) -> Frame {
    Frame {
        rip: entry,
        rflags: 0x202,
        cs: crate::arch::desc::UCODE as u64,
        ss: crate::arch::desc::UDATA as u64,
        vector: crate::arch::trap::VEC_SYSCALL,
        rbx: kind,
        r14: tid,
        r15: token,
        ..Frame::default()
    }
}

/// The stack pointer an upcall into `comp` starts with: 0 if the thread
/// is not already executing in `comp`, else where it left `comp` most
/// recently (so the component continues below that frame instead of
/// reusing the stack it is still on). `rsp` is the current user rsp.
pub fn entry_sp(t: &Thread, comp: u64, rsp: u64) -> u64 {
    for k in (0..t.depth).rev() {
        if t.inv[k].comp == comp {
            return if k + 1 == t.depth { rsp } else { t.inv[k + 1].ret_rsp };
        }
    }
    0
}

pub fn current_comp(t: &Thread) -> u64 {
    t.inv[t.depth - 1].comp
}

/// Releases what a thread holds once its last reference is gone.
pub fn destroy(t: u64) {
    let th = get(t);
    for i in 0..th.depth {
        obj::put(th.inv[i].comp);
    }
    th.depth = 0;
    if th.sched != 0 {
        obj::put(th.sched);
    }
    let mut e = th.evt_head;
    while e != 0 {
        let next = get(e).evt_next;
        get(e).evt_queued = false;
        obj::put(e);
        e = next;
    }
    th.evt_head = 0;
    if let Some(slot) = BY_TID.get().get_mut(th.tid as usize) {
        *slot = 0;
    }
    free_tid(th.tid);
}

/// An op on thread `t`'s capability.
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, t: u64, op: u16) -> OpResult {
    let th = get(t);
    match op {
        thd_op::SWITCH => switch(f, t, f.args::<thd_op::Switch>().flags),
        thd_op::WAKE => wake(t),
        thd_op::SET_FSBASE => {
            let base = f.args::<thd_op::SetFsbase>().base;
            if !sched::is_canonical(base) {
                return Err(Error::Inval);
            }
            if t == sched::current() {
                let (_, gs) = sched::fsgs();
                sched::wrfsbase(base, gs);
            } else {
                th.fs_base = base;
            }
            Ok(Some(0))
        }
        thd_op::TID => Ok(Some(th.tid)),
        thd_op::STATE => Ok(Some(if t == sched::current() { THD_RUNNING } else { th.state as u64 })),
        thd_op::INTERRUPT => exception::interrupt(t).map(Some),
        _ => Err(Error::BadOp),
    }
}

/// `SWITCH_TID` and `WAKE_TID`: a scheduler names its threads by id.
pub fn self_op(f: &mut Frame, op: u16) -> OpResult {
    match op {
        self_op::SWITCH_TID => {
            let a: self_op::SwitchTid = f.args();
            switch(f, scheduled_by_me(a.tid)?, a.flags)
        }
        self_op::WAKE_TID => wake(scheduled_by_me(f.args::<self_op::WakeTid>().tid)?),
        _ => Err(Error::BadOp),
    }
}

/// The thread with id `tid`, if it reports to the calling thread.
fn scheduled_by_me(tid: u64) -> KResult<u64> {
    let t = by_tid(tid).ok_or(Error::Inval)?;
    if get(t).sched != sched::current() {
        return Err(Error::NoCap);
    }
    Ok(t)
}

fn switch(f: &mut Frame, t: u64, flags: u64) -> OpResult {
    if get(t).state != State::Runnable || t == sched::current() {
        return Err(Error::ThreadState);
    }
    if flags & SWITCH_FAIL_IF_PENDING != 0 && sched::has_work(sched::current()) {
        return Err(Error::Busy);
    }
    f.rax = 0;
    sched::switch_to(t);
    Ok(None)
}

fn wake(t: u64) -> OpResult {
    let th = get(t);
    if th.state != State::Blocked {
        return Err(Error::ThreadState);
    }
    th.state = State::Runnable;
    Ok(Some(0))
}
