//! Host threads for Linux's kernel threads: std threads, each with a
//! small numeric id (`thread_self`), joinable by id, and able to end
//! themselves from deep inside Linux (`thread_exit`) by jumping back to
//! their start frame, which then returns normally so Rust and pthread
//! clean-ups (TLS destructors) run.

use crate::jmp;
use crate::ffi::{lkl_jmp_buf, lkl_thread_t};
use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_int, c_void};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// Kernel code runs on these stacks, ext4 and the block layer included.
const STACK_SIZE: usize = 1 << 20;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static JOINABLE: Mutex<Option<HashMap<u64, JoinHandle<()>>>> = Mutex::new(None);

// None of these has a destructor, so they stay usable while pthread key
// destructors (Linux's TLS destructor among them) run at thread exit.
thread_local! {
    static ID: Cell<u64> = const { Cell::new(0) };
    static START: Cell<Option<(unsafe extern "C" fn(*mut c_void), usize)>> = const { Cell::new(None) };
    static EXIT_JB: UnsafeCell<lkl_jmp_buf> = const { UnsafeCell::new(lkl_jmp_buf { regs: [0; 16] }) };
    static EXIT_ARMED: Cell<bool> = const { Cell::new(false) };
}

/// The calling thread's id (assigned on first use; never 0).
pub fn current_id() -> u64 {
    ID.with(|id| {
        if id.get() == 0 {
            id.set(NEXT_ID.fetch_add(1, Ordering::Relaxed));
        }
        id.get()
    })
}

unsafe extern "C" fn run_start() {
    if let Some((f, arg)) = START.with(|s| s.take()) {
        // SAFETY: `f` and `arg` are what Linux passed to thread_create.
        unsafe { f(arg as *mut c_void) };
    }
}

/// # Safety
/// `f(arg)` must be safe to run on a new thread (Linux's contract).
pub unsafe extern "C" fn thread_create(f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void) -> lkl_thread_t {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let arg = arg as usize;
    let spawned = std::thread::Builder::new().name(format!("lkl-{id}")).stack_size(STACK_SIZE).spawn(move || {
        ID.with(|i| i.set(id));
        START.with(|s| s.set(Some((f, arg))));
        EXIT_ARMED.with(|a| a.set(true));
        let jb = EXIT_JB.with(|j| j.get());
        // SAFETY: `jb` is this thread's own buffer, valid for its life; a
        // thread_exit on this thread jumps back here over Linux's C frames
        // and host-operation frames, none of which owns resources.
        unsafe { jmp::jmp_buf_set(jb, run_start) };
        EXIT_ARMED.with(|a| a.set(false));
    });
    match spawned {
        Ok(handle) => {
            JOINABLE.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(id, handle);
            id as lkl_thread_t
        }
        Err(_) => 0,
    }
}

/// # Safety
/// Only frames without destructors may lie between the caller and the
/// thread's start (true of Linux's C frames and our host operations).
pub unsafe extern "C" fn thread_exit() {
    if EXIT_ARMED.with(|a| a.get()) {
        let jb = EXIT_JB.with(|j| j.get());
        // SAFETY: armed means the jmp_buf_set frame in thread_create's
        // closure is live below us on this very stack.
        unsafe { jmp::jmp_buf_longjmp(jb, 1) };
    }
    // A thread Linux did not create (an application thread) cannot be
    // ended from here without skipping its owner's clean-ups.
    crate::host::console::write(b"lkl host: thread_exit on a foreign thread\n");
    std::process::abort();
}

/// # Safety
/// None beyond the C ABI.
pub unsafe extern "C" fn thread_join(t: lkl_thread_t) -> c_int {
    let handle = JOINABLE.lock().unwrap_or_else(|e| e.into_inner()).as_mut().and_then(|m| m.remove(&(t as u64)));
    match handle {
        Some(h) if h.thread().id() != std::thread::current().id() => h.join().map_or(-1, |_| 0),
        _ => -1,
    }
}

/// # Safety
/// None beyond the C ABI.
pub unsafe extern "C" fn thread_self() -> lkl_thread_t {
    current_id() as lkl_thread_t
}

/// # Safety
/// None beyond the C ABI.
pub unsafe extern "C" fn thread_equal(a: lkl_thread_t, b: lkl_thread_t) -> c_int {
    (a == b) as c_int
}
