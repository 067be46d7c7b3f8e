//! copy_from_user / copy_to_user, hosted: user memory is this process's
//! own, but a bad pointer must become -EFAULT rather than a crash.
//!
//! The copy is one `rep movsb` whose fault is recovered the way Linux's own
//! exception tables do it: a SIGSEGV/SIGBUS handler that finds the faulting
//! instruction is our copy moves the program counter to a fix-up that
//! returns what was left (rcx, which `rep movsb` keeps exact). Any other
//! fault goes to the handler installed before ours (Rust's stack-overflow
//! check, or the default action). If the handler cannot be installed, the
//! copies go through process_vm_readv/writev on ourselves, which checks the
//! mappings in the kernel at the cost of a syscall per copy.

use core::ffi::{c_int, c_ulong, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;

core::arch::global_asm!(
    ".text",
    ".globl cellux_lkl_user_copy",
    ".type cellux_lkl_user_copy,@function",
    // rdi = dst, rsi = src, rdx = n; returns the bytes not copied.
    "cellux_lkl_user_copy:",
    "    mov rcx, rdx",
    ".globl cellux_lkl_user_copy_insn",
    "cellux_lkl_user_copy_insn:",
    "    rep movsb",
    "    xor eax, eax",
    "    ret",
    ".globl cellux_lkl_user_copy_fixup",
    "cellux_lkl_user_copy_fixup:",
    "    mov rax, rcx",
    "    ret",
    ".size cellux_lkl_user_copy, . - cellux_lkl_user_copy",
);

extern "C" {
    fn cellux_lkl_user_copy(dst: *mut c_void, src: *const c_void, n: c_ulong) -> c_ulong;
    static cellux_lkl_user_copy_insn: u8;
    static cellux_lkl_user_copy_fixup: u8;
}

/// The actions in place before ours, for the faults that are not ours.
struct Previous([libc::sigaction; 2]);
// SAFETY: written once before the handler can run, then only read.
unsafe impl Sync for Previous {}
static PREVIOUS: OnceLock<Previous> = OnceLock::new();
static RECOVERS: AtomicBool = AtomicBool::new(false);

fn slot(sig: c_int) -> usize {
    (sig == libc::SIGBUS) as usize
}

unsafe extern "C" fn on_fault(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    // SAFETY: the kernel passes a valid ucontext to an SA_SIGINFO handler.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let rip = &mut uc.uc_mcontext.gregs[libc::REG_RIP as usize];
    let insn = &raw const cellux_lkl_user_copy_insn as i64;
    if *rip == insn {
        *rip = &raw const cellux_lkl_user_copy_fixup as i64;
        return;
    }
    let Some(prev) = PREVIOUS.get() else { return };
    let old = &prev.0[slot(sig)];
    let h = old.sa_sigaction;
    if h == libc::SIG_DFL || h == libc::SIG_IGN {
        // Back to the default action; returning re-runs the faulting
        // instruction, which now ends the process as it would have.
        // SAFETY: resetting a signal's action has no memory effects.
        unsafe {
            let mut dfl: libc::sigaction = core::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &dfl, core::ptr::null_mut());
        }
    } else if old.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: a handler the process installed with SA_SIGINFO, so its
        // address is of this three-argument type.
        let f: unsafe extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) = unsafe { core::mem::transmute(h) };
        // SAFETY: called as the kernel would have, with our own arguments.
        unsafe { f(sig, info, ctx) };
    } else {
        // SAFETY: as above, for a plain handler (no SA_SIGINFO).
        let f: unsafe extern "C" fn(c_int) = unsafe { core::mem::transmute(h) };
        // SAFETY: called as the kernel would have.
        unsafe { f(sig) };
    }
}

/// Installs the fault handler once (from `ops()`, before Linux runs).
pub(crate) fn install() {
    PREVIOUS.get_or_init(|| {
        // SAFETY: plain sigaction calls with valid, zero-initialised structs.
        unsafe {
            let mut prev: [libc::sigaction; 2] = core::mem::zeroed();
            let mut act: libc::sigaction = core::mem::zeroed();
            act.sa_sigaction = on_fault as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            libc::sigemptyset(&mut act.sa_mask);
            let ok = libc::sigaction(libc::SIGSEGV, &act, &mut prev[0]) == 0
                && libc::sigaction(libc::SIGBUS, &act, &mut prev[1]) == 0;
            RECOVERS.store(ok, Ordering::Release);
            Previous(prev)
        }
    });
}

/// Our pid (glibc no longer caches it).
static PID: AtomicI32 = AtomicI32::new(0);

fn pid() -> libc::pid_t {
    let p = PID.load(Ordering::Relaxed);
    if p != 0 {
        return p;
    }
    // SAFETY: getpid has no preconditions.
    let p = unsafe { libc::getpid() };
    PID.store(p, Ordering::Relaxed);
    p
}

/// The slow path: the kernel checks both ranges and stops short.
fn copy_via_kernel(dst: *mut c_void, src: *const c_void, n: c_ulong, read_src: bool) -> c_ulong {
    let (local, remote) = if read_src { (dst, src as *mut c_void) } else { (src as *mut c_void, dst) };
    let local_iov = libc::iovec { iov_base: local, iov_len: n as usize };
    let remote_iov = libc::iovec { iov_base: remote, iov_len: n as usize };
    // SAFETY: the "remote" process is ourselves; the kernel validates both
    // ranges and fails (or stops short) instead of faulting.
    let done = unsafe {
        if read_src {
            libc::process_vm_readv(pid(), &local_iov, 1, &remote_iov, 1, 0)
        } else {
            libc::process_vm_writev(pid(), &local_iov, 1, &remote_iov, 1, 0)
        }
    };
    if done < 0 {
        n
    } else {
        n - done as c_ulong
    }
}

fn copy(dst: *mut c_void, src: *const c_void, n: c_ulong, read_src: bool) -> c_ulong {
    if n == 0 {
        return 0;
    }
    if RECOVERS.load(Ordering::Acquire) {
        // SAFETY: a fault inside the copy is recovered by `on_fault`; the
        // destination is either Linux's buffer or user memory Linux was
        // asked to fill, so writing it is what the caller wants.
        unsafe { cellux_lkl_user_copy(dst, src, n) }
    } else {
        copy_via_kernel(dst, src, n, read_src)
    }
}

/// Copies from the user pointer `from`; returns the bytes NOT copied.
///
/// # Safety
/// `to` is Linux's own buffer of `n` bytes.
pub unsafe extern "C" fn copy_from_user(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong {
    copy(to, from, n, true)
}

/// Copies to the user pointer `to`; returns the bytes NOT copied.
///
/// # Safety
/// `from` is Linux's own buffer of `n` bytes.
pub unsafe extern "C" fn copy_to_user(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong {
    copy(to, from, n, false)
}
