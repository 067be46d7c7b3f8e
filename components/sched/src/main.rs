//! The user-level scheduler component. Its thread owns the capabilities
//! of every application thread, hears from the kernel when one blocks or
//! wakes (events on its end-point), runs them round-robin with a time
//! quantum enforced by the timer, and ends blocking waits at their
//! timeouts. Applications create threads through its gate.
#![no_std]
#![no_main]

use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::{boot_slot, MAX_THREADS};
use cellux_rt::abi::ops::{self, ct_op, hw_op, thd_op, IRQ_TIMER};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::SpinLock;
use cellux_rt::{mem, println, slots, sys, thread};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const CLIENT_BASE: u32 = 16;
const CLIENT_STRIDE: u32 = 4;
/// Time slice, in microseconds.
const QUANTUM_US: u64 = 2000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Free,
    Runnable,
    Blocked,
    Dead,
}

#[derive(Clone, Copy)]
struct Thd {
    st: St,
    cap: u32,
    timeout: u64,
}

struct Table {
    t: [Thd; MAX_THREADS],
}

struct Shared(UnsafeCell<Table>);
// SAFETY: the table is only touched with LOCK held.
unsafe impl Sync for Shared {}

static TABLE: Shared = Shared(UnsafeCell::new(Table { t: [Thd { st: St::Free, cap: 0, timeout: 0 }; MAX_THREADS] }));
static LOCK: SpinLock = SpinLock::new();
/// The thread last dispatched (it may hold LOCK when preempted).
static RUNNING: AtomicU32 = AtomicU32::new(0);
static QUANTUM: AtomicU64 = AtomicU64::new(5_000_000);

fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    let _g = LOCK.lock();
    // SAFETY: LOCK is held for the closure's whole run.
    f(unsafe { &mut *TABLE.0.get() })
}

fn add(tid: u64, cap: u32) {
    with(|t| t.t[tid as usize % MAX_THREADS] = Thd { st: St::Runnable, cap, timeout: 0 });
}

#[no_mangle]
fn cellux_main(nclients: u64) {
    QUANTUM.store(sys::tsc_hz() / 1_000_000 * QUANTUM_US, Ordering::Relaxed);
    for i in 0..nclients as u32 {
        let cap = CLIENT_BASE + i * CLIENT_STRIDE + 2;
        match sys::op(cap, thd_op::TID, [0; 6]) {
            Ok(tid) => add(tid, cap),
            Err(e) => println!("sched: client {} has no thread: {:?}", i, e),
        }
    }
    let me = slots::alloc();
    let ok = sys::op(boot_slot::SELF_CT, ct_op::NEW_ASND, [me as u64, boot_slot::SELF_THD as u64, 0, 0, 0, 0])
        .and_then(|_| sys::op(boot_slot::HW, hw_op::ATTACH, [IRQ_TIMER, me as u64, 0, 0, 0, 0]));
    if let Err(e) = ok {
        println!("sched: can not attach the timer: {:?}", e);
        sys::power_off(false);
    }
    println!("sched: {} client(s), quantum {} us", nclients, QUANTUM_US);
    schedule();
}

fn event(tid: u64, kind: u64, timeout: u64) {
    with(|t| {
        let th = &mut t.t[tid as usize % MAX_THREADS];
        if th.st == St::Free {
            return;
        }
        match kind {
            ops::EVT_BLOCKED => {
                th.st = St::Blocked;
                th.timeout = timeout;
            }
            ops::EVT_WOKEN => th.st = St::Runnable,
            ops::EVT_EXITED => th.st = St::Dead,
            _ => {}
        }
    })
}

fn drain() {
    loop {
        match sys::rcv(true, 0) {
            Ok((_, Some((tid, kind, timeout)))) => event(tid, kind, timeout),
            Ok((_, None)) => {}
            Err(_) => return,
        }
    }
}

fn schedule() -> ! {
    let mut last = 0usize;
    loop {
        // A thread preempted inside our gate holds the table: let it finish.
        if LOCK.is_held() {
            let _ = sys::thd_switch(RUNNING.load(Ordering::Relaxed), 0);
            continue;
        }
        drain();
        let now = sys::rdtsc();
        let (next, earliest) = with(|t| {
            let mut earliest = u64::MAX;
            for th in t.t.iter_mut().filter(|th| th.st == St::Blocked && th.timeout != 0) {
                if th.timeout <= now {
                    if sys::op(th.cap, thd_op::WAKE, [0; 6]).is_ok() {
                        th.st = St::Runnable;
                    }
                } else {
                    earliest = earliest.min(th.timeout);
                }
            }
            let n = (1..=MAX_THREADS).map(|k| (last + k) % MAX_THREADS).find(|&i| t.t[i].st == St::Runnable);
            (n, earliest)
        });
        match next {
            Some(i) => {
                last = i;
                let cap = with(|t| t.t[i].cap);
                let deadline = earliest.min(now + QUANTUM.load(Ordering::Relaxed));
                let _ = sys::op(boot_slot::HW, hw_op::TIMER_SET, [deadline, 0, 0, 0, 0, 0]);
                RUNNING.store(cap, Ordering::Relaxed);
                match sys::thd_switch(cap, ops::SWITCH_FAIL_IF_PENDING) {
                    Ok(_) | Err(Error::Busy) => {}
                    // The kernel knows better (it blocked and we have not
                    // drained its event yet): the event will tell us.
                    Err(_) => with(|t| {
                        if t.t[i].st == St::Runnable {
                            t.t[i].st = St::Blocked;
                        }
                    }),
                }
            }
            None => {
                let deadline = if earliest == u64::MAX { 0 } else { earliest };
                let _ = sys::op(boot_slot::HW, hw_op::TIMER_SET, [deadline, 0, 0, 0, 0, 0]);
                // Nothing to run: wait for an event (the kernel idles).
                if let Ok((_, Some((tid, kind, timeout)))) = sys::rcv(false, 0) {
                    event(tid, kind, timeout);
                }
            }
        }
    }
}

/// The gate: runs on the calling application thread.
#[no_mangle]
fn cellux_sinv(u: &Upcall) -> [u64; 2] {
    match u.rdi {
        thread::SCHED_CREATE => match create(u.token as u32, u.rsi, u.rdx, u.r10) {
            Ok(tid) => [tid, 0],
            Err(e) => [e.as_ret() as u64, 0],
        },
        _ => [Error::BadOp.as_ret() as u64, 0],
    }
}

fn create(client: u32, entry: u64, arg: u64, asnd_slot: u64) -> Result<u64, Error> {
    let base = CLIENT_BASE + client * CLIENT_STRIDE;
    let slot = slots::alloc();
    let kf = mem::kernel_frame()?;
    let tid = sys::op(boot_slot::SELF_CT, ct_op::NEW_THD, [slot as u64, base as u64, kf, entry, arg, boot_slot::SELF_THD as u64])?;
    sys::op(base + 1, ct_op::NEW_ASND, [asnd_slot, slot as u64, 0, 0, 0, 0])?;
    add(tid, slot);
    Ok(tid)
}

#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
