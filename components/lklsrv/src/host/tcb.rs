//! The server's own per-thread state. A thread that migrates into the
//! server brings its process's FS base, so nothing here depends on it: a
//! thread is known by the stack it runs on. Threads the server makes run
//! on large stacks at `region::STACKS + tid * SLOT` (Linux code runs there, ext4
//! and the block layer included); any other thread (the constructor-made
//! one before it switches, a migrated one) runs on the runtime's stack for
//! its id, which `cellux_rt::entry::current_tid` finds.

use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::{boot_slot, MAX_THREADS};
use cellux_rt::abi::ops::PERM_WRITE;
use cellux_rt::mem;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Where the server's thread stacks live (one slot per thread id).
const STACK_VA: u64 = super::region::STACKS;
/// One slot: the stack and, below it, an unmapped guard page.
pub const SLOT: u64 = 256 * 1024;
/// Thread-local keys per thread.
pub const KEYS: usize = 16;

pub struct Tcb {
    /// Values of the thread-local keys (`tls`).
    pub tls: [AtomicUsize; KEYS],
    /// The page table whose memory "user" addresses of this thread's
    /// Linux calls name (a calling process's); 0: the server's own.
    pub user_pt: AtomicU32,
    /// The page table of the process this thread belongs to, for a
    /// process's thread: with the Ring 1 design on, the root it runs the
    /// server in, whose user half a plain copy reaches (`uaccess`); 0:
    /// the server's own thread.
    pub own_pt: AtomicU32,
    /// Set by a semaphore `up` that hands this waiting thread a unit.
    pub granted: AtomicBool,
    /// Sends this thread consumed while it waited for something else (a
    /// semaphore's unit, a lock): wake-ups its own loop may have been
    /// owed, such as an interrupt's (`irq`). Counted by `sync`.
    pub strays: AtomicU64,
    /// Send capability that wakes this thread (0: none known).
    pub asnd: AtomicU32,
    /// The handle `thread_self` reports (0 until first asked).
    pub handle: AtomicU64,
    /// The handle of the last thread with this id that ended (for join).
    pub exited: AtomicU64,
    /// Capability slots of a server-made thread, removed once joined.
    pub thd_slot: AtomicU32,
    pub stack_mapped: AtomicBool,
    /// Upped each time a thread of this id ends; its joiner waits here.
    pub ended: crate::host::sync::Sem,
}

impl Tcb {
    const fn new() -> Tcb {
        Tcb {
            tls: [const { AtomicUsize::new(0) }; KEYS],
            user_pt: AtomicU32::new(0),
            own_pt: AtomicU32::new(0),
            granted: AtomicBool::new(false),
            strays: AtomicU64::new(0),
            asnd: AtomicU32::new(0),
            handle: AtomicU64::new(0),
            exited: AtomicU64::new(0),
            thd_slot: AtomicU32::new(0),
            stack_mapped: AtomicBool::new(false),
            ended: crate::host::sync::Sem::new(0),
        }
    }
}

pub static TCBS: [Tcb; MAX_THREADS] = [const { Tcb::new() }; MAX_THREADS];

fn rsp() -> u64 {
    let sp: u64;
    // SAFETY: reads rsp only.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack)) };
    sp
}

/// The calling thread's id.
pub fn tid() -> usize {
    let sp = rsp();
    if (STACK_VA..STACK_VA + SLOT * MAX_THREADS as u64).contains(&sp) {
        ((sp - STACK_VA) / SLOT) as usize
    } else {
        cellux_rt::entry::current_tid() as usize
    }
}

pub fn me() -> &'static Tcb {
    &TCBS[tid()]
}

pub fn of(tid: usize) -> &'static Tcb {
    &TCBS[tid % MAX_THREADS]
}

/// The top of thread `tid`'s large stack, mapping it on first use (ids
/// are reused, and so are their stacks).
pub fn stack_top(tid: usize) -> Result<u64, Error> {
    let t = of(tid);
    let base = STACK_VA + tid as u64 * SLOT;
    if !t.stack_mapped.load(Ordering::Acquire) {
        let pages = SLOT / 4096 - 1;
        let frames = mem::user_frames(pages)?;
        mem::map(boot_slot::SELF_PT, base + 4096, frames, pages, PERM_WRITE)?;
        t.stack_mapped.store(true, Ordering::Release);
    }
    Ok(base + SLOT)
}

/// Runs `f(arg)` on the stack whose top is `top`; the old stack is
/// abandoned (its thread never returns to it).
pub fn switch_stack(top: u64, f: extern "C" fn(u64) -> !, arg: u64) -> ! {
    // SAFETY: `top` is the 16-byte aligned top of a mapped stack that no
    // other thread uses (one per thread id); `f` never returns, so nothing
    // refers to the frames left behind.
    unsafe {
        core::arch::asm!("mov rsp, {top}", "xor ebp, ebp", "call {f}", "ud2",
            top = in(reg) top, f = in(reg) f, in("rdi") arg, options(noreturn))
    }
}

/// Runs `f(arg)` on the stack whose top is `top` and comes back (for a
/// thread that migrated in on the runtime's small stack). The argument
/// crosses the stack switch as one pointer, cast back only here.
pub fn call_on_stack<T>(top: u64, f: fn(&mut T), arg: &mut T) {
    struct Call<'a, T> {
        f: fn(&mut T),
        arg: &'a mut T,
    }
    extern "C" fn run<T>(c: u64) -> u64 {
        // SAFETY: `call_on_stack` passes its live `Call` for the duration
        // of this call, and nothing else reaches it meanwhile.
        let c = unsafe { &mut *(c as *mut Call<'_, T>) };
        (c.f)(c.arg);
        0
    }
    let mut c = Call { f, arg };
    let c = &mut c as *mut Call<'_, T> as u64;
    let run: extern "C" fn(u64) -> u64 = run::<T>;
    // SAFETY: `top` is the 16-byte aligned top of this thread's own
    // mapped stack, unused while it runs on the runtime's; r12 (callee-
    // saved, so kept by `run`) carries the old stack pointer back.
    unsafe {
        core::arch::asm!("mov r12, rsp", "mov rsp, {top}", "call {f}", "mov rsp, r12",
            top = in(reg) top, f = in(reg) run, inlateout("rdi") c => _, out("rax") _, out("r12") _,
            clobber_abi("C"))
    }
}
