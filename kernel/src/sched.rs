//! The kernel half of scheduling: which thread is current, switching the
//! user context at the top of the kernel stack, scheduler events, and
//! idling. Policy (who runs next) is user level's: the kernel only runs a
//! blocking thread's scheduler thread, a thread a user switches to, or a
//! thread woken by an interrupt.

use crate::kcell::KCell;
use crate::thread::{self, State};
use crate::arch::trap::{self, Frame};
use crate::arch::{cpu, fpu};
use crate::{comp, counters, obj, pgtbl, region};

/// The current thread (0 while idle). Holds a reference.
static CURRENT: KCell<u64> = KCell::new(0);
/// A thread an interrupt woke while the CPU idled.
static WOKEN_IN_IDLE: KCell<u64> = KCell::new(0);

pub fn current() -> u64 {
    *CURRENT.get()
}

fn frame() -> &'static mut Frame {
    // SAFETY: the top-of-stack frame is the current user context; only
    // one reference to it is used at a time on the single kernel path.
    unsafe { &mut *trap::user_frame() }
}

pub fn fsgs() -> (u64, u64) {
    let (f, g): (u64, u64);
    // SAFETY: FSGSBASE is enabled at boot (checked in main).
    unsafe { core::arch::asm!("rdfsbase {}", "rdgsbase {}", out(reg) f, out(reg) g, options(nomem, nostack)) }
    (f, g)
}

pub fn wrfsbase(fs: u64, gs: u64) {
    // SAFETY: values are checked canonical where user level supplies them.
    unsafe { core::arch::asm!("wrfsbase {}", "wrgsbase {}", in(reg) fs, in(reg) gs, options(nostack)) }
}

pub use cellux_abi::layout::is_canonical;

/// Loads the page table of the component a thread executes in. With the
/// Ring 1 design on it is loaded on the way out (`entry::set_user_root`),
/// and a thread executing in the server stays in the root it came from
/// (the server's region is in every root, so a crossing switches none)
/// when that root maps none of the kernel (a process's): a CPL3
/// component's root keeps the kernel, which the server at CPL1 must
/// never run under, so the server runs in its own.
#[link_section = ".text.hot"]
pub fn load_space(t: u64) {
    let th = thread::get(t);
    let pt = comp::get(thread::current_comp(th)).pgtbl;
    if region::AT_CPL1 {
        let pt = match th.depth >= 2 && region::owns(pt) {
            true => match comp::get(th.inv[th.depth - 2].comp).pgtbl {
                from if !pgtbl::maps_kernel(from) => from,
                _ => pt,
            },
            false => pt,
        };
        crate::arch::entry::set_user_root(pt, pgtbl::maps_kernel(pt));
        return;
    }
    if cpu::read_cr3() != pt {
        // SAFETY: every root's kernel half is a copy of the boot table's.
        unsafe { cpu::write_cr3(pt) }
    }
}

/// Saves the running context into the current thread (if any).
#[link_section = ".text.hot"]
fn save_current() {
    let cur = current();
    if cur == 0 {
        return;
    }
    let th = thread::get(cur);
    th.regs = *frame();
    let (f, g) = fsgs();
    th.fs_base = f;
    th.gs_base = g;
    fpu::save(&mut th.fpu);
}

#[link_section = ".text.hot"]
fn load(t: u64) {
    let th = thread::get(t);
    *frame() = th.regs;
    wrfsbase(th.fs_base, th.gs_base);
    fpu::restore(&th.fpu);
    let _ = obj::get(t);
    let old = core::mem::replace(CURRENT.get(), t);
    if old != 0 {
        obj::put(old);
    }
    counters::count!(thread_switches);
    load_space(t);
}

/// Switches the CPU to thread t (runnable). The caller already set the
/// current context's results in the frame.
#[link_section = ".text.hot"]
pub fn switch_to(t: u64) {
    if t == current() {
        return;
    }
    save_current();
    load(t);
}

/// Current thread can not go on (blocked or dead): run `next` or idle.
pub fn run_next(next: u64) {
    if next != 0 && next != current() && thread::get(next).state == State::Runnable {
        switch_to(next);
        return;
    }
    save_current();
    idle();
}

fn idle() {
    counters::count!(idles);
    let old = core::mem::replace(CURRENT.get(), 0);
    if old != 0 {
        obj::put(old);
    }
    loop {
        let w = core::mem::replace(WOKEN_IN_IDLE.get(), 0);
        if w != 0 && thread::get(w).state == State::Runnable {
            load(w);
            obj::put(w);
            return;
        }
        if w != 0 {
            obj::put(w);
        }
        cpu::wait_for_interrupt();
    }
}

/// An interrupt made t runnable: preempt the current thread for it (from
/// user mode) or leave the idle loop for it.
pub fn preempt_for(t: u64, from_user: bool) {
    if from_user {
        if current() != 0 && t != current() {
            switch_to(t);
        }
    } else if *WOKEN_IN_IDLE.get() == 0 && obj::get(t).is_ok() {
        *WOKEN_IN_IDLE.get() = t;
    }
}

/// Queues event `kind` about thread `about` for scheduler thread `s`, and
/// completes the scheduler's receive if it was blocked in one.
pub fn post_event(s: u64, about: u64, kind: u64) {
    if s == 0 || s == about {
        return;
    }
    let a = thread::get(about);
    a.evt_kind = kind;
    if !a.evt_queued {
        if obj::get(about).is_err() {
            return;
        }
        a.evt_queued = true;
        a.evt_next = 0;
        let st = thread::get(s);
        if st.evt_tail != 0 {
            thread::get(st.evt_tail).evt_next = about;
        } else {
            st.evt_head = about;
        }
        st.evt_tail = about;
    }
    let st = thread::get(s);
    if st.state == State::Blocked {
        complete_rcv(s);
    }
}

/// Fills a receive's results into a thread's saved registers (or the live
/// frame if it is current) and makes it runnable.
pub fn complete_rcv(t: u64) {
    let th = thread::get(t);
    let n = core::mem::take(&mut th.pending);
    let (tid, kind, timeout) = pop_event(t);
    th.state = State::Runnable;
    let r = if t == current() { frame() } else { &mut thread::get(t).regs };
    r.rax = n;
    r.rdi = tid;
    r.rsi = kind;
    r.rdx = timeout;
}

pub fn has_work(t: u64) -> bool {
    let th = thread::get(t);
    th.pending != 0 || th.evt_head != 0
}

fn pop_event(s: u64) -> (u64, u64, u64) {
    let st = thread::get(s);
    let e = st.evt_head;
    if e == 0 {
        return (u64::MAX, 0, 0);
    }
    let et = thread::get(e);
    st.evt_head = et.evt_next;
    if st.evt_head == 0 {
        st.evt_tail = 0;
    }
    et.evt_queued = false;
    let r = (et.tid, et.evt_kind, et.timeout);
    obj::put(e);
    r
}

/// The current thread ends: its scheduler hears of it and runs.
pub fn exit_current() {
    let cur = current();
    let th = thread::get(cur);
    th.state = State::Dead;
    for i in 0..th.depth {
        obj::put(th.inv[i].comp);
    }
    th.depth = 0;
    let s = th.sched;
    post_event(s, cur, cellux_abi::ops::EVT_EXITED);
    run_next(s);
}

/// Last check before any return to user level: the frame must be a user
/// frame whose return is safe, at the privilege its component runs at
/// (CPL1 for the server with the Ring 1 design on, else CPL3).
#[link_section = ".text.hot"]
pub fn before_return() {
    use crate::arch::desc::{R1CODE, R1DATA, UCODE, UDATA};
    crate::fastpath::take_interrupt(current(), frame());
    // Every path that sets rip checks it; should one not, returning to a
    // kernel or non-canonical rip would fault in ring 0, so it becomes a
    // general-protection fault of the thread instead. That hands the
    // thread to its handler (or ends it), which may run in another
    // component at another privilege: each turn decides both again.
    for _ in 0..4 {
        let cur = current();
        let ring1 = region::AT_CPL1 && cur != 0 && region::owns(comp::get(thread::current_comp(thread::get(cur))).pgtbl);
        let f = frame();
        (f.cs, f.ss) = if ring1 { (R1CODE as u64, R1DATA as u64) } else { (UCODE as u64, UDATA as u64) };
        f.rflags = cellux_abi::regs::sanitize_rflags(f.rflags);
        if ring1 && f.vector == trap::VEC_SYSCALL {
            // sysret returns to CPL3 only.
            f.vector = trap::VEC_IRET;
        }
        let ok = if ring1 { cellux_abi::layout::in_server_region(f.rip) } else { cellux_abi::layout::is_user(f.rip) };
        if !ok {
            f.vector = 13;
            f.error = 0;
            crate::exception::user_exception(f);
            continue;
        }
        if region::AT_CPL1 {
            load_space(cur);
            let root = crate::arch::entry::user_root();
            if !pgtbl::maps_kernel(root) {
                // This return's and the next entry's.
                counters::count!(cr3_writes);
                counters::count!(cr3_writes);
            } else if ring1 {
                // Never: the server at CPL1 with the kernel writable.
                crate::fault::kernel_fault(frame());
            } else if cpu::read_cr3() != root {
                counters::count!(cr3_writes);
            }
        }
        crate::fastpath::arm(cur, frame());
        return;
    }
    crate::fault::kernel_fault(frame());
}
