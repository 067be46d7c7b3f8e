//! The user-level scheduler component. Its thread is the scheduler of every
//! application thread: the kernel reports each thread's creation, blocking
//! and exit to it as events, and lets it dispatch (by thread id) and wake
//! exactly the threads that report to it. It runs them round-robin with a
//! time quantum enforced by the timer, and ends blocking waits at their
//! timeouts. Applications may create threads themselves or through its
//! gate, which makes the thread and a send capability to it for them.
#![no_std]
#![no_main]
// No `unsafe` here; only the runtime's three link-time entry hooks
// (`#[no_mangle]`, which the lint counts as unsafe) are allowed it.
#![deny(unsafe_code)]

use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::{boot_slot, CLIENT_BASE, CLIENT_STRIDE, MAX_THREADS};
use cellux_rt::abi::ops::{self, IRQ_TIMER};
use cellux_rt::cap::{self, Captbl, Hw};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::SpinLocked;
use cellux_rt::{mem, println, slots, sys, thread};
use core::sync::atomic::{AtomicU64, Ordering};

/// Time slice, in microseconds.
const QUANTUM_US: u64 = 2000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Unknown,
    Runnable,
    Blocked,
}

#[derive(Clone, Copy)]
struct Thd {
    st: St,
    /// Absolute TSC deadline of its blocking wait (0: none).
    timeout: u64,
}

struct Table {
    t: [Thd; MAX_THREADS],
}

static TABLE: SpinLocked<Table> = SpinLocked::new(Table { t: [Thd { st: St::Unknown, timeout: 0 }; MAX_THREADS] });
/// The thread last dispatched (it may hold TABLE's lock when preempted).
static RUNNING: AtomicU64 = AtomicU64::new(0);
static QUANTUM: AtomicU64 = AtomicU64::new(5_000_000);
/// The deadline the one-shot timer is set to (0: none).
static ARMED: AtomicU64 = AtomicU64::new(0);

#[allow(unsafe_code)]
#[no_mangle]
fn cellux_main(nclients: u64) {
    QUANTUM.store(sys::tsc_hz() / 1_000_000 * QUANTUM_US, Ordering::Relaxed);
    let me = slots::alloc();
    let ok = Captbl(boot_slot::SELF_CT).new_asnd(me, boot_slot::SELF_THD).and_then(|_| Hw(boot_slot::HW).attach(IRQ_TIMER, me, 0));
    if let Err(e) = ok {
        println!("sched: can not attach the timer: {:?}", e);
        sys::power_off(false);
    }
    println!("sched: {} client(s), quantum {} us", nclients, QUANTUM_US);
    schedule();
}

fn event(tid: u64, kind: u64, timeout: u64) {
    TABLE.with(|t| {
        let th = &mut t.t[tid as usize % MAX_THREADS];
        match kind {
            ops::EVT_BLOCKED => *th = Thd { st: St::Blocked, timeout },
            ops::EVT_WOKEN => *th = Thd { st: St::Runnable, timeout: 0 },
            ops::EVT_EXITED => *th = Thd { st: St::Unknown, timeout: 0 },
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

/// Ends the waits whose timeouts passed; returns the earliest pending one.
fn expire(t: &mut Table, now: u64) -> u64 {
    let mut earliest = u64::MAX;
    for (tid, th) in t.t.iter_mut().enumerate() {
        if th.st != St::Blocked || th.timeout == 0 {
            continue;
        }
        if th.timeout <= now {
            if cap::wake_tid(tid as u64).is_ok() {
                th.st = St::Runnable;
            }
        } else {
            earliest = earliest.min(th.timeout);
        }
    }
    earliest
}

fn schedule() -> ! {
    let mut last = 0usize;
    loop {
        // A thread preempted inside our gate holds the table: let it finish.
        if TABLE.is_held() {
            let _ = cap::switch_tid(RUNNING.load(Ordering::Relaxed), 0);
            continue;
        }
        drain();
        let now = sys::rdtsc();
        let (next, earliest) = TABLE.with(|t| {
            let earliest = expire(t, now);
            let n = (1..=MAX_THREADS).map(|k| (last + k) % MAX_THREADS).find(|&i| t.t[i].st == St::Runnable);
            (n, earliest)
        });
        match next {
            Some(i) => {
                last = i;
                // A timer still to fire within this quantum bounds it as
                // well: most dispatches (a thread blocks, another was woken)
                // then leave the timer alone, one kernel call fewer.
                let deadline = earliest.min(now + QUANTUM.load(Ordering::Relaxed));
                let armed = ARMED.load(Ordering::Relaxed);
                if !(now < armed && armed <= deadline) {
                    arm(deadline);
                }
                RUNNING.store(i as u64, Ordering::Relaxed);
                match cap::switch_tid(i as u64, ops::SWITCH_FAIL_IF_PENDING) {
                    Ok(_) | Err(Error::Busy) => {}
                    // The kernel knows better (it blocked or is gone and we
                    // have not drained the event yet): the event will tell us.
                    Err(_) => TABLE.with(|t| {
                        if t.t[i].st == St::Runnable {
                            t.t[i].st = St::Blocked;
                            t.t[i].timeout = 0;
                        }
                    }),
                }
            }
            None => {
                let deadline = if earliest == u64::MAX { 0 } else { earliest };
                if deadline != ARMED.load(Ordering::Relaxed) {
                    arm(deadline);
                }
                // Nothing to run: wait for an event (the kernel idles).
                if let Ok((_, Some((tid, kind, timeout)))) = sys::rcv(false, 0) {
                    event(tid, kind, timeout);
                }
            }
        }
    }
}

/// Sets the one-shot timer to `deadline` (absolute TSC; 0: off).
fn arm(deadline: u64) {
    if Hw(boot_slot::HW).timer_set(deadline).is_ok() {
        ARMED.store(deadline, Ordering::Relaxed);
    }
}

/// The gate: runs on the calling application thread.
#[allow(unsafe_code)]
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

/// A thread in client `client`'s component, reporting to us, and a send
/// capability to it at `asnd_slot` in the client's table. We keep the
/// thread capability (it keeps the thread alive).
fn create(client: u32, entry: u64, arg: u64, asnd_slot: u64) -> Result<u64, Error> {
    let base = CLIENT_BASE + client * CLIENT_STRIDE;
    let asnd_slot = u32::try_from(asnd_slot).map_err(|_| Error::Inval)?;
    let slot = slots::alloc();
    let kf = mem::kernel_frame()?;
    let tid = Captbl(boot_slot::SELF_CT).new_thd(slot, base, kf, entry, arg, boot_slot::SELF_THD)?;
    Captbl(base + 1).new_asnd(asnd_slot, slot)?;
    Ok(tid)
}

#[allow(unsafe_code)]
#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
