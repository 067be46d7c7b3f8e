//! jmp_buf_set / jmp_buf_longjmp (x86_64 System V): our own few lines of
//! assembly. `set(jb, f)` saves the callee-saved registers, the stack
//! pointer and its own return address in `jb`, then calls `f`;
//! `longjmp(jb)` restores them and returns from that `set` call. Linux uses
//! them to leave the scheduler without blocking (a host thread returning to
//! its caller) and to end tasks; hosts also use them to end host threads.
//! In the no_std core because every host (hosted, the server component)
//! needs exactly these.
//!
//! Layout of `lkl_jmp_buf.regs`: rbx, rbp, r12, r13, r14, r15, rsp (as
//! after `set` returns), return address, mxcsr|x87 control word.

use crate::ffi::lkl_jmp_buf;
use core::ffi::c_int;

core::arch::global_asm!(
    ".text",
    ".globl cellux_lkl_jmp_buf_set",
    ".type cellux_lkl_jmp_buf_set,@function",
    "cellux_lkl_jmp_buf_set:",
    "    mov [rdi], rbx",
    "    mov [rdi + 8], rbp",
    "    mov [rdi + 16], r12",
    "    mov [rdi + 24], r13",
    "    mov [rdi + 32], r14",
    "    mov [rdi + 40], r15",
    "    lea rdx, [rsp + 8]",
    "    mov [rdi + 48], rdx",
    "    mov rdx, [rsp]",
    "    mov [rdi + 56], rdx",
    "    stmxcsr [rdi + 64]",
    "    fnstcw [rdi + 68]",
    // Entered with rsp = 8 mod 16; realign for the call.
    "    sub rsp, 8",
    "    call rsi",
    "    add rsp, 8",
    "    ret",
    ".size cellux_lkl_jmp_buf_set, . - cellux_lkl_jmp_buf_set",
    "",
    ".globl cellux_lkl_jmp_buf_longjmp",
    ".type cellux_lkl_jmp_buf_longjmp,@function",
    "cellux_lkl_jmp_buf_longjmp:",
    "    mov rbx, [rdi]",
    "    mov rbp, [rdi + 8]",
    "    mov r12, [rdi + 16]",
    "    mov r13, [rdi + 24]",
    "    mov r14, [rdi + 32]",
    "    mov r15, [rdi + 40]",
    "    ldmxcsr [rdi + 64]",
    "    fldcw [rdi + 68]",
    "    mov rsp, [rdi + 48]",
    "    jmp qword ptr [rdi + 56]",
    ".size cellux_lkl_jmp_buf_longjmp, . - cellux_lkl_jmp_buf_longjmp",
);

extern "C" {
    fn cellux_lkl_jmp_buf_set(jb: *mut lkl_jmp_buf, f: unsafe extern "C" fn());
    fn cellux_lkl_jmp_buf_longjmp(jb: *mut lkl_jmp_buf, val: c_int) -> !;
}

/// # Safety
/// `jb` must be writable and stay valid until no longjmp can target it; `f`
/// may not return to frames below a longjmp target that was abandoned.
pub unsafe extern "C" fn jmp_buf_set(jb: *mut lkl_jmp_buf, f: unsafe extern "C" fn()) {
    // SAFETY: forwarded contract; the assembly follows the C ABI.
    unsafe { cellux_lkl_jmp_buf_set(jb, f) }
}

/// # Safety
/// `jb` was filled by `jmp_buf_set` whose frame is still live, and the
/// frames jumped over own no resources (they are C or plain Rust frames
/// without destructors).
pub unsafe extern "C" fn jmp_buf_longjmp(jb: *mut lkl_jmp_buf, val: c_int) {
    // SAFETY: forwarded contract.
    unsafe { cellux_lkl_jmp_buf_longjmp(jb, val) }
}
