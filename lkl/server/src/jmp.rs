//! jmp_buf_set / jmp_buf_longjmp for Linux's task switching (it leaves
//! `schedule()` without blocking a host thread) in a few lines of
//! assembly. A buffer holds the callee-saved registers, the stack pointer
//! the caller of `set` had after the call returns, `set`'s return
//! address, and MXCSR and the x87 control word (callee-saved in the ABI).
//!
//! Slots: 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15, 6 rsp, 7 rip, 8 mxcsr|fcw.

core::arch::global_asm!(
    ".text",
    ".globl lklsrv_jmp_set",
    "lklsrv_jmp_set:",
    "    mov [rdi], rbx",
    "    mov [rdi + 8], rbp",
    "    mov [rdi + 16], r12",
    "    mov [rdi + 24], r13",
    "    mov [rdi + 32], r14",
    "    mov [rdi + 40], r15",
    "    mov rax, [rsp]",
    "    mov [rdi + 56], rax",
    "    lea rax, [rsp + 8]",
    "    mov [rdi + 48], rax",
    "    stmxcsr [rdi + 64]",
    "    fnstcw [rdi + 68]",
    // On entry rsp is 8 below a 16-byte boundary: align it for the call.
    "    sub rsp, 8",
    "    call rsi",
    "    add rsp, 8",
    "    ret",
    ".globl lklsrv_jmp_long",
    "lklsrv_jmp_long:",
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
);

extern "C" {
    pub fn lklsrv_jmp_set(jb: *mut lkl::ffi::lkl_jmp_buf, f: unsafe extern "C" fn());
    pub fn lklsrv_jmp_long(jb: *mut lkl::ffi::lkl_jmp_buf, val: core::ffi::c_int) -> !;
}
