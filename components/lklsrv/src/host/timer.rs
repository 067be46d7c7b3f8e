//! The monotonic clock (the TSC, at the rate the kernel calibrated) and
//! Linux's one-shot timers. Each timer has a thread of its own that blocks
//! in `rcv` with the deadline as its timeout: the scheduler component ends
//! that wait when the deadline passes (it programs the kernel's one-shot
//! timer for the earliest one), and a re-arm or free wakes it by a send.
//! The callback runs on that thread with no lock held, so it may re-arm.

use crate::host::mem;
use crate::host::sync;
use crate::host::thread;
use cellux_rt::sys;
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static HZ: AtomicU64 = AtomicU64::new(0);
static T0: AtomicU64 = AtomicU64::new(0);

pub fn init() {
    HZ.store(sys::tsc_hz().max(1), Ordering::Relaxed);
    T0.store(sys::rdtsc(), Ordering::Relaxed);
}

fn hz() -> u64 {
    HZ.load(Ordering::Relaxed).max(1)
}

/// Nanoseconds since `init`.
pub fn now_ns() -> u64 {
    let ticks = sys::rdtsc().saturating_sub(T0.load(Ordering::Relaxed));
    (ticks as u128 * 1_000_000_000 / hz() as u128) as u64
}

fn ns_to_ticks(ns: u64) -> u64 {
    (ns as u128 * hz() as u128 / 1_000_000_000) as u64
}

pub struct Timer {
    f: unsafe extern "C" fn(),
    /// Absolute TSC deadline; 0: disarmed.
    deadline: AtomicU64,
    freed: AtomicBool,
    thread: AtomicU64,
}

unsafe extern "C" fn timer_main(arg: *mut c_void) {
    // SAFETY: `alloc` made the timer for this thread, which frees it.
    let t = unsafe { &*(arg as *const Timer) };
    loop {
        if t.freed.load(Ordering::Acquire) {
            // SAFETY: after `free` nobody else touches the timer.
            unsafe { mem::free(arg as *mut u8) };
            return;
        }
        let d = t.deadline.load(Ordering::Acquire);
        if d == 0 {
            let _ = sys::rcv(false, 0);
        } else if sys::rdtsc() >= d {
            if t.deadline.compare_exchange(d, 0, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                // SAFETY: the callback Linux registered with timer_alloc.
                unsafe { (t.f)() };
            }
        } else {
            // Ends at the deadline (timeout) or on a re-arm (send).
            let _ = sys::rcv(false, d);
        }
    }
}

pub fn alloc(f: unsafe extern "C" fn()) -> *mut Timer {
    let t = mem::alloc(core::mem::size_of::<Timer>() as u64) as *mut Timer;
    if t.is_null() {
        return t;
    }
    // SAFETY: fresh, large enough and aligned for a Timer.
    unsafe { t.write(Timer { f, deadline: AtomicU64::new(0), freed: AtomicBool::new(false), thread: AtomicU64::new(0)}) };
    match thread::spawn(timer_main, t as *mut c_void) {
        Ok(h) => {
            // SAFETY: live until its thread sees `freed`.
            unsafe { (*t).thread.store(h, Ordering::Release) };
            t
        }
        Err(_) => {
            // SAFETY: no thread got it.
            unsafe { mem::free(t as *mut u8) };
            core::ptr::null_mut()
        }
    }
}

fn poke(t: &Timer) {
    let h = t.thread.load(Ordering::Acquire);
    sync::wake((h & 0xff) as usize);
}

/// Arms `t` for `delta_ns` from now; 0 disarms it.
pub fn set(t: &Timer, delta_ns: u64) {
    let d = if delta_ns == 0 { 0 } else { (sys::rdtsc() + ns_to_ticks(delta_ns)).max(1) };
    t.deadline.store(d, Ordering::Release);
    poke(t);
}

pub fn free(t: &Timer) {
    t.deadline.store(0, Ordering::Release);
    t.freed.store(true, Ordering::Release);
    poke(t);
}
