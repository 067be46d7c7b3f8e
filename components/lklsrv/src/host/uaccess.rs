//! Linux's user-memory access. Each thread names the page table of the
//! process it is serving (`Tcb::user_pt`, set by whoever binds the thread
//! to a process); a thread serving no process uses the server's own, so
//! its "user" pointers are server addresses, still checked by the kernel
//! and turned into -EFAULT when unmapped.
//!
//! With the Ring 1 design on, a process's thread runs the server at CPL1
//! in its process's own root (`Tcb::own_pt`), so a copy of that process's
//! memory is a plain copy (`direct`), RFLAGS.AC set for SMAP; a page fault
//! in it comes back to `lklsrv_user_copy_fixup` (the kernel's `extable`),
//! where the page is backed as a fault would back it, or the rest goes the
//! kernel-mediated way, which gives the exact count of bytes not copied.
//! Any other copy (another process's memory, a thread bound elsewhere, the
//! design off) is the kernel's copy on a page table capability.

use crate::host::tcb;
use cellux_rt::abi::layout::{boot_slot, USER_END};
use cellux_rt::{cap, mem};
use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, Ordering};

global_asm!(
    r#"
    .section .text, "ax"
    .global lklsrv_user_copy
lklsrv_user_copy:
    // rdi = destination, rsi = source, rdx = length. Returns rax = bytes
    // not copied and, when not 0, rdx = the faulting address (the kernel
    // sets it on the way to the fix-up). Loads come before the stores of
    // each block, so rdi only passes what is stored.
    lea r8, [rdi + rdx]
    pushfq
    or qword ptr [rsp], 0x40000
    popfq
    .global lklsrv_user_copy_start
lklsrv_user_copy_start:
    cmp rdx, 32
    jb 2f
1:
    mov rax, [rsi]
    mov rcx, [rsi + 8]
    mov r9, [rsi + 16]
    mov r10, [rsi + 24]
    mov [rdi], rax
    mov [rdi + 8], rcx
    mov [rdi + 16], r9
    mov [rdi + 24], r10
    add rsi, 32
    add rdi, 32
    sub rdx, 32
    cmp rdx, 32
    jae 1b
2:
    cmp rdx, 8
    jb 3f
    mov rax, [rsi]
    mov [rdi], rax
    add rsi, 8
    add rdi, 8
    sub rdx, 8
    jmp 2b
3:
    test rdx, rdx
    jz 4f
    mov al, [rsi]
    mov [rdi], al
    inc rsi
    inc rdi
    dec rdx
    jmp 3b
4:
    .global lklsrv_user_copy_end
lklsrv_user_copy_end:
    pushfq
    and qword ptr [rsp], -0x40001
    popfq
    xor eax, eax
    ret
    .global lklsrv_user_copy_fixup
lklsrv_user_copy_fixup:
    pushfq
    and qword ptr [rsp], -0x40001
    popfq
    mov rax, r8
    sub rax, rdi
    ret
"#
);

/// What `lklsrv_user_copy` returns in rax:rdx.
#[repr(C)]
struct Stopped {
    left: u64,
    at: u64,
}

extern "C" {
    fn lklsrv_user_copy(dst: u64, src: u64, n: u64) -> Stopped;
    fn lklsrv_user_copy_start();
    fn lklsrv_user_copy_end();
    fn lklsrv_user_copy_fixup();
}

/// The kernel resumes our direct copies' faults at the fix-up: the
/// Ring 1 design is on.
static DIRECT: AtomicBool = AtomicBool::new(false);

/// Tells the kernel where the direct copies are; false when it has no
/// such thing (the Ring 1 design off): every copy is then the kernel's.
pub fn register() -> bool {
    let (start, end, fixup) = (lklsrv_user_copy_start as *const () as u64, lklsrv_user_copy_end as *const () as u64, lklsrv_user_copy_fixup as *const () as u64);
    let on = cap::user_copy(start, end, fixup).is_ok();
    DIRECT.store(on, Ordering::Relaxed);
    on
}

/// The kernel refuses single copies above 1 GiB.
const CHUNK: u64 = 1 << 30;

/// Copies between `remote` (in the thread's user page table) and `local`
/// (ours); returns the bytes NOT copied. A process page its map allows
/// but that has no frame yet (or shares one copy-on-write, for a write)
/// is backed and the copy goes on, as Linux's fault handling in
/// copy_*_user would.
pub fn copy(remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let me = tcb::me();
    let pt = me.user_pt.load(Ordering::Relaxed);
    if pt == 0 {
        return copy_in(boot_slot::SELF_PT, remote, local, n, to_user);
    }
    let in_user_half = remote.checked_add(n).is_some_and(|end| end <= USER_END);
    if DIRECT.load(Ordering::Relaxed) && in_user_half && pt == me.own_pt.load(Ordering::Relaxed) {
        return direct(pt, remote, local, n, to_user);
    }
    copy_in(pt, remote, local, n, to_user)
}

/// [`copy`] of the memory of the process whose root we run in (`pt`),
/// `remote..remote + n` in the user half.
fn direct(pt: u32, remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let mut done = 0;
    let mut backed = None;
    while done < n {
        let (dst, src) = if to_user { (remote + done, local + done) } else { (local + done, remote + done) };
        // SAFETY: `local..local + n` is Linux's buffer (its contract);
        // the user side is the process's, whose faults the kernel turns
        // into a return at the fix-up (the routine's own contract).
        let r = unsafe { lklsrv_user_copy(dst, src, n - done) };
        if r.left == 0 {
            return 0;
        }
        done = n - r.left;
        // Only a user address comes back here, so the process's side
        // stopped it: back the page as a fault would, and go on; not at
        // the same page twice.
        let page = r.at & !0xfff;
        if backed == Some(page) || !cellux_process::pages::resolve(pt, r.at, remote + n, to_user) {
            break;
        }
        backed = Some(page);
    }
    // Not to be backed: the kernel's copy finds how far it really goes.
    copy_in(pt, remote + done, local + done, n - done, to_user)
}

/// As [`copy`], with the process whose page table is `pt` (another
/// process's memory for Linux's access_remote_vm, say).
pub fn copy_in(pt: u32, remote: u64, local: u64, n: u64, to_user: bool) -> u64 {
    let mut done = 0;
    let mut backed = None;
    while done < n {
        let len = (n - done).min(CHUNK);
        let Ok((k, stop)) = mem::copy(pt, remote.wrapping_add(done), local.wrapping_add(done), len, to_user) else {
            return n - done;
        };
        done += k.min(len);
        if k >= len {
            continue;
        }
        // Stopped on the process's side (not ours), at a page not just
        // backed (a retry there would stop again).
        let at = remote.wrapping_add(done);
        if stop != Some(at) || backed == Some(at) || !cellux_process::pages::resolve(pt, at, remote.wrapping_add(n), to_user) {
            return n - done;
        }
        backed = Some(at);
    }
    0
}

/// The physical address of the shared-memory page under `addr` in the
/// process the thread serves, 0 for private memory (or none): how a
/// futex that processes share is named the same in each of them.
pub fn shared_page(addr: u64) -> u64 {
    match tcb::me().user_pt.load(Ordering::Relaxed) {
        0 => 0,
        pt => cellux_process::pages::shared_page(pt, addr).unwrap_or(0),
    }
}

/// Makes the calling thread's Linux calls reach process memory through
/// `pt` (0: back to the server's own).
pub fn bind(pt: u32) {
    tcb::me().user_pt.store(pt, Ordering::Relaxed);
}
