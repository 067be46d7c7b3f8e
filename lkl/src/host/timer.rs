//! One-shot timers (Linux's clock event device) and the monotonic clock.
//! Each timer has its own host thread sleeping until the deadline; the
//! callback runs there, without any lock held, so it may re-arm or free
//! the timer (Linux's timer interrupt does exactly that).

use crate::ffi::lkl_timer;
use core::ffi::{c_int, c_ulong, c_ulonglong};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

struct State {
    deadline: Option<Instant>,
    freed: bool,
}

struct Timer {
    f: unsafe extern "C" fn(),
    state: Mutex<State>,
    cv: Condvar,
}

pub unsafe extern "C" fn time() -> c_ulonglong {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live out-parameter; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn run(t: Arc<Timer>) {
    let mut st = t.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if st.freed {
            return;
        }
        match st.deadline {
            None => st = t.cv.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    st.deadline = None;
                    drop(st);
                    // SAFETY: the callback Linux registered with timer_alloc.
                    unsafe { (t.f)() };
                    st = t.state.lock().unwrap_or_else(|e| e.into_inner());
                } else {
                    st = t.cv.wait_timeout(st, d - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }
}

pub unsafe extern "C" fn timer_alloc(f: unsafe extern "C" fn()) -> *mut lkl_timer {
    let t = Arc::new(Timer { f, state: Mutex::new(State { deadline: None, freed: false }), cv: Condvar::new() });
    let t2 = t.clone();
    match std::thread::Builder::new().name("lkl-timer".into()).stack_size(1 << 20).spawn(move || run(t2)) {
        Ok(_) => Arc::into_raw(t) as *mut lkl_timer,
        Err(_) => core::ptr::null_mut(),
    }
}

/// Arms the timer `delta_ns` from now; 0 disarms it (the port's clock
/// event device stops it that way; real events are at least 1 ns away).
///
/// # Safety
/// `timer` came from `timer_alloc` and is not freed.
pub unsafe extern "C" fn timer_set_oneshot(timer: *mut lkl_timer, delta_ns: c_ulong) -> c_int {
    // SAFETY: live per the contract; we borrow without taking the count.
    let t = unsafe { &*(timer as *const Timer) };
    let mut st = t.state.lock().unwrap_or_else(|e| e.into_inner());
    st.deadline = (delta_ns != 0).then(|| Instant::now() + Duration::from_nanos(delta_ns as u64));
    t.cv.notify_one();
    0
}

/// # Safety
/// `timer` came from `timer_alloc` and is not used afterwards.
pub unsafe extern "C" fn timer_free(timer: *mut lkl_timer) {
    // SAFETY: we take back the reference timer_alloc handed out.
    let t = unsafe { Arc::from_raw(timer as *const Timer) };
    t.state.lock().unwrap_or_else(|e| e.into_inner()).freed = true;
    t.cv.notify_one();
}
