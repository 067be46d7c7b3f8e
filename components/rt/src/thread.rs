//! Threads of this component, created by the scheduler component (which
//! owns thread capabilities) through its gate; each gets an asynchronous
//! send capability in our table so others can wake it.

use crate::sys;
use cellux_abi::err::Error;
use cellux_abi::layout::MAX_THREADS;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Fixed slots a constructor fills in every application component.
pub const SELF_ASND: u32 = 7;
pub const SCHED_GATE: u32 = 8;

/// Scheduler gate operations (first invocation argument).
pub const SCHED_CREATE: u64 = 1;

static ASND: [AtomicU32; MAX_THREADS] = [const { AtomicU32::new(0) }; MAX_THREADS];
static MAIN_SET: AtomicUsize = AtomicUsize::new(0);

const SPAWN_MAGIC: u64 = 0x5350_0000_0000_0000;
const MAX_SPAWN: usize = 64;
static SPAWN_FN: [AtomicU64; MAX_SPAWN] = [const { AtomicU64::new(0) }; MAX_SPAWN];
static SPAWN_ARG: [AtomicU64; MAX_SPAWN] = [const { AtomicU64::new(0) }; MAX_SPAWN];
static SPAWN_NEXT: AtomicUsize = AtomicUsize::new(0);

pub fn current() -> u64 {
    crate::entry::current_tid()
}

pub fn asnd_slot(tid: u64) -> u32 {
    ASND[tid as usize % MAX_THREADS].load(Ordering::Relaxed)
}

/// Called for every thread start: the first one is the constructor-made
/// thread, whose send capability is in `SELF_ASND`. Returns the function
/// to run if the thread was made by `spawn`.
pub(crate) fn on_start(tid: u64, arg: u64) -> Option<(fn(u64), u64)> {
    if MAIN_SET.fetch_add(1, Ordering::Relaxed) == 0 {
        ASND[tid as usize % MAX_THREADS].store(SELF_ASND, Ordering::Relaxed);
    }
    if arg & 0xffff_0000_0000_0000 != SPAWN_MAGIC {
        return None;
    }
    let i = (arg & 0xffff) as usize % MAX_SPAWN;
    let f = SPAWN_FN[i].load(Ordering::Acquire);
    // SAFETY: SPAWN_FN[i] was stored from a `fn(u64)` by spawn before the
    // thread was created, and is never changed while that thread starts.
    let f: fn(u64) = unsafe { core::mem::transmute::<u64, fn(u64)>(f) };
    Some((f, SPAWN_ARG[i].load(Ordering::Relaxed)))
}

fn spawn_slot(f: fn(u64), arg: u64) -> Result<u64, Error> {
    let i = SPAWN_NEXT.fetch_add(1, Ordering::Relaxed);
    if i >= MAX_SPAWN {
        return Err(Error::NoTid);
    }
    SPAWN_FN[i].store(f as usize as u64, Ordering::Release);
    SPAWN_ARG[i].store(arg, Ordering::Relaxed);
    Ok(SPAWN_MAGIC | i as u64)
}

extern "C" {
    fn _start();
}

/// Starts `f(arg)` on a new thread made by the scheduler component (which
/// keeps its capability); returns its id.
pub fn spawn(f: fn(u64), arg: u64) -> Result<u64, Error> {
    let a = spawn_slot(f, arg)?;
    let slot = crate::slots::alloc();
    let r = sys::invoke(SCHED_GATE, [SCHED_CREATE, _start as *const () as u64, a, slot as u64, 0]);
    let (tid, _) = sys::gate_result(r)?;
    ASND[tid as usize % MAX_THREADS].store(slot, Ordering::Relaxed);
    Ok(tid)
}

/// Starts `f(arg)` on a new thread made from our own memory and kept by a
/// capability in our table; it reports to our scheduler like us. Returns
/// its id.
pub fn spawn_local(f: fn(u64), arg: u64) -> Result<u64, Error> {
    use cellux_abi::layout::boot_slot::{SELF_COMP, SELF_CT};
    let a = spawn_slot(f, arg)?;
    let (thd, asnd) = (crate::slots::alloc(), crate::slots::alloc());
    let kf = crate::mem::kernel_frame()?;
    let own = crate::cap::Captbl(SELF_CT);
    let tid = own.new_thd(thd, SELF_COMP, kf, _start as *const () as u64, a, 0)?;
    // Registered before it can run (we are running), so it finds itself.
    ASND[tid as usize % MAX_THREADS].store(asnd, Ordering::Relaxed);
    own.new_asnd(asnd, thd)?;
    Ok(tid)
}
