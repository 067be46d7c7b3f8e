//! Thread-local keys: a key is an index into every thread's own slots in
//! its `Tcb` (found from the stack, never from the FS base a migrated
//! process thread brings along).

use crate::host::tcb::{self, KEYS};
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub type Destructor = unsafe extern "C" fn(*mut c_void);

static USED: [AtomicBool; KEYS] = [const { AtomicBool::new(false) }; KEYS];
static DTOR: [AtomicUsize; KEYS] = [const { AtomicUsize::new(0) }; KEYS];

/// A new key (1-based, so never null); None when all are taken.
pub fn alloc(d: Option<Destructor>) -> Option<usize> {
    let i = USED.iter().position(|u| u.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok())?;
    DTOR[i].store(d.map_or(0, |f| f as usize), Ordering::Release);
    for t in tcb::TCBS.iter() {
        t.tls[i].store(0, Ordering::Relaxed);
    }
    Some(i + 1)
}

fn index(key: usize) -> Option<usize> {
    (1..=KEYS).contains(&key).then(|| key - 1).filter(|&i| USED[i].load(Ordering::Acquire))
}

pub fn free(key: usize) {
    if let Some(i) = index(key) {
        DTOR[i].store(0, Ordering::Release);
        USED[i].store(false, Ordering::Release);
    }
}

pub fn set(key: usize, v: *mut c_void) -> bool {
    match index(key) {
        Some(i) => {
            tcb::me().tls[i].store(v as usize, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

pub fn get(key: usize) -> *mut c_void {
    index(key).map_or(core::ptr::null_mut(), |i| tcb::me().tls[i].load(Ordering::Relaxed) as *mut c_void)
}

/// Runs the destructors of the calling thread's non-null values, again
/// while destructors set new ones (a few rounds, as POSIX does).
pub fn run_destructors() {
    let me = tcb::me();
    for _ in 0..4 {
        let mut ran = false;
        for i in 0..KEYS {
            let d = DTOR[i].load(Ordering::Acquire);
            let v = me.tls[i].swap(0, Ordering::AcqRel);
            if d != 0 && v != 0 && USED[i].load(Ordering::Acquire) {
                // SAFETY: `d` was stored from a Destructor by `alloc`.
                let f: Destructor = unsafe { core::mem::transmute::<usize, Destructor>(d) };
                // SAFETY: Linux's destructor for the value it set.
                unsafe { f(v as *mut c_void) };
                ran = true;
            }
        }
        if !ran {
            return;
        }
    }
}
