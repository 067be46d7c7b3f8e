//! Host threads: kernel threads made from the server's own kernel memory
//! (`NEW_THD`), reporting to the scheduler component like every thread of
//! ours, each with a send capability so others can wake it. A new thread
//! enters through the runtime (`cellux_main` with its start record), moves
//! to its large stack and runs Linux's function; ending it is the kernel's
//! thread exit after the thread-local destructors, from any depth (the
//! abandoned stack owns nothing and is reused by the next thread of that id).
//!
//! Handles are `generation << 8 | id`: never 0, and a stale handle of a
//! reused id never matches the new thread.

use crate::host::tcb;
use crate::host::tls;
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::cap::Captbl;
use cellux_rt::sync::SpinLock;
use cellux_rt::{mem, println, slots, sys};
use core::ffi::c_void;
use core::sync::atomic::{AtomicU64, Ordering};

pub type Entry = unsafe extern "C" fn(*mut c_void);

#[repr(C)]
struct Start {
    f: Entry,
    arg: *mut c_void,
}

/// Held while a thread is being made, so the new thread (which takes it
/// first thing) never runs before its id's state is filled in.
static CREATE: SpinLock = SpinLock::new();
static GENERATION: AtomicU64 = AtomicU64::new(1);

extern "C" {
    fn _start();
}

fn new_handle(id: usize) -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed) << 8 | id as u64
}

/// The calling thread's handle (made on first use for threads the server
/// did not create, such as the constructor-made one).
pub fn current() -> u64 {
    let id = tcb::tid();
    let t = tcb::of(id);
    let h = t.handle.load(Ordering::Acquire);
    if h != 0 {
        return h;
    }
    let h = new_handle(id);
    t.handle.store(h, Ordering::Release);
    h
}

/// Starts `f(arg)` on a new thread; returns its handle.
pub fn spawn(f: Entry, arg: *mut c_void) -> Result<u64, Error> {
    let start = crate::host::mem::alloc(core::mem::size_of::<Start>() as u64) as *mut Start;
    if start.is_null() {
        return Err(Error::NoFrame);
    }
    // SAFETY: freshly allocated, large enough and aligned for Start.
    unsafe { start.write(Start { f, arg }) };
    let (thd, asnd) = (slots::alloc(), slots::alloc());
    let made = creating(|| {
        let kf = mem::kernel_frame()?;
        let id = Captbl(SELF_CT).new_thd(thd, SELF_COMP, kf, _start as *const () as u64, start as u64, 0)? as usize;
        Captbl(SELF_CT).new_asnd(asnd, thd)?;
        Ok(claim_id(id, thd, asnd))
    });
    if made.is_err() {
        // SAFETY: the thread was not made, so nothing else has the record.
        unsafe { crate::host::mem::free(start as *mut u8) };
    }
    made
}

/// Runs `f` with thread creation locked: a new thread (here or in a
/// process we serve) waits in `start`/its first trap until the creator
/// has recorded it.
pub fn creating<R>(f: impl FnOnce() -> R) -> R {
    let _g = CREATE.lock();
    f()
}

/// Fresh per-thread state for a thread just made with id `id`, its
/// capabilities at `thd` and `asnd`; returns its handle.
pub fn claim_id(id: usize, thd: u32, asnd: u32) -> u64 {
    let _caps = crate::process::sigkick::CAPS.lock();
    let t = tcb::of(id);
    // The previous thread of this id has ended (the kernel reused the
    // id): its capabilities go.
    let old = t.thd_slot.swap(thd, Ordering::AcqRel);
    let old_asnd = t.asnd.swap(asnd, Ordering::AcqRel);
    for s in [old, old_asnd] {
        if s != 0 {
            let _ = Captbl(SELF_CT).remove(s);
            slots::free(s);
        }
    }
    for k in &t.tls {
        k.store(0, Ordering::Relaxed);
    }
    t.user_pt.store(0, Ordering::Relaxed);
    t.own_pt.store(0, Ordering::Relaxed);
    let h = new_handle(id);
    t.handle.store(h, Ordering::Release);
    h
}

/// Gives back the capabilities of the dead thread `thd` recorded for id
/// `id`. The kernel frees a thread id only when the last reference to the
/// thread goes, and these are the last ones: kept until the id's reuse,
/// they would keep it from ever being reused (fork after fork ran out of
/// ids). Nothing happens when the id already records another thread.
pub fn release_id(id: usize, thd: u32) {
    let _caps = crate::process::sigkick::CAPS.lock();
    let t = tcb::of(id);
    if t.thd_slot.compare_exchange(thd, 0, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return;
    }
    let asnd = t.asnd.swap(0, Ordering::AcqRel);
    for s in [thd, asnd] {
        if s != 0 {
            let _ = Captbl(SELF_CT).remove(s);
            slots::free(s);
        }
    }
}

/// A server-made thread's first steps, on the runtime's stack for its id.
pub fn start(record: u64) -> ! {
    drop(CREATE.lock());
    let id = tcb::tid();
    match tcb::stack_top(id) {
        Ok(top) => tcb::switch_stack(top, run, record),
        Err(e) => {
            println!("lkl server: no stack for thread {}: {:?}", id, e);
            exit_current()
        }
    }
}

extern "C" fn run(record: u64) -> ! {
    let rec = record as *mut Start;
    // SAFETY: `spawn` made the record for this thread alone.
    let Start { f, arg } = unsafe { rec.read() };
    // SAFETY: the record is not used again.
    unsafe { crate::host::mem::free(rec as *mut u8) };
    // SAFETY: `f(arg)` is what the creator asked this thread to run.
    unsafe { f(arg) };
    exit_current()
}

/// Ends the calling thread after its thread-local destructors.
pub fn exit_current() -> ! {
    tls::run_destructors();
    let t = tcb::me();
    t.exited.store(t.handle.load(Ordering::Acquire), Ordering::Release);
    t.ended.up();
    sys::exit_thread()
}

/// Waits until the thread `h` has ended (one joiner per thread, as with
/// pthreads; ups left over from earlier threads of the id only cost a loop).
pub fn join(h: u64) -> Result<(), Error> {
    if h == 0 || h == current() {
        return Err(Error::Inval);
    }
    let t = tcb::of((h & 0xff) as usize);
    loop {
        // A newer handle on the id means `h` ended long ago.
        if t.exited.load(Ordering::Acquire) == h || t.handle.load(Ordering::Acquire) != h {
            return Ok(());
        }
        t.ended.down();
    }
}
