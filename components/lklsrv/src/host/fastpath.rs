//! The server's side of the Ring 1 fast path (kernel/src/fastpath.rs,
//! docs/ring1.md): a process's `syscall`, or an exception it raised (a
//! page fault to back by demand paging or copy-on-write, or a fault Linux
//! answers with a signal), arrives here at CPL1 from the kernel's entry
//! area, on the calling thread's own large stack (`tcb`) and in the
//! process's page table, without the kernel having run. The entry saves
//! the process's registers (a `UserRegs`, with the vector, error code and
//! fault address the kernel's entry code read) and SSE registers on that
//! stack, the process half serves the trap on them (`process::trap::fast`),
//! and the exit resumes the process with `iretq`. Nothing here reads the
//! process's memory but through the checked user copies, whatever its
//! rip and rsp. What needs the kernel to hold the thread's context (its
//! end) goes through `EXC_DEFER`, after which it is an ordinary exception
//! upcall.
//!
//! The kernel enters here only once the server has told it the entries
//! (`register`) and, per thread, its stack (`arm`); with the Ring 1 design
//! off the kernel refuses both and every trap comes as an upcall.

use crate::host::tcb;
use cellux_process::trap::HeldFpu;
use cellux_rt::abi::regs::{sanitize_rflags, UserRegs};
use cellux_rt::entry::Action;
use cellux_rt::{cap, sys};
use core::arch::global_asm;

/// The process's FPU state over a fast-path call. The server's code may
/// use the SSE registers (Linux's C and our Rust are built for the host
/// target) but never the x87 unit, MXCSR or MMX (tests/suites/40-lkl-server
/// checks its image; `lkl::jmp` saves and restores the thread's own control
/// words), so the entry saves xmm0-15 only, with plain moves: under TCG
/// `fxsave64` and `fxrstor64` of the whole image cost ~1,600 cycles a
/// call, the moves ~150. The whole image is taken from the CPU when the
/// personality first asks for it (a signal's frame, sigreturn, a thread's
/// end) and restored whole on the way out only if it was changed. A
/// thread that blocks in the server keeps this right: the kernel saves
/// and restores its registers, whatever the server left in them, on
/// every switch.
#[repr(C, align(16))]
pub struct FastFpu {
    xmm: [u8; 256],
    image: [u8; 512],
    taken: u8,
    changed: u8,
}

/// Where xmm0 starts in an fxsave image.
const IMAGE_XMM: usize = 160;

impl HeldFpu for FastFpu {
    fn get(&mut self) -> [u8; 512] {
        if self.taken == 0 {
            // SAFETY: fxsave64 writes exactly the 512-byte image, 16-aligned
            // as its struct's first field after the 256-byte xmm area.
            unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) self.image.as_mut_ptr(), options(nostack)) };
            self.image[IMAGE_XMM..IMAGE_XMM + 256].copy_from_slice(&self.xmm);
            self.taken = 1;
        }
        self.image
    }

    fn set(&mut self, f: &[u8; 512]) {
        self.image = *f;
        self.taken = 1;
        self.changed = 1;
    }
}


global_asm!(
    r#"
    // The process's general registers but rsp into a `UserRegs` (184
    // bytes) at rsp.
    .macro FAST_SAVE_GPRS
    mov [rsp + 0], rax
    mov [rsp + 8], rbx
    mov [rsp + 16], rcx
    mov [rsp + 24], rdx
    mov [rsp + 32], rsi
    mov [rsp + 40], rdi
    mov [rsp + 48], rbp
    mov [rsp + 64], r8
    mov [rsp + 72], r9
    mov [rsp + 80], r10
    mov [rsp + 88], r11
    mov [rsp + 96], r12
    mov [rsp + 104], r13
    mov [rsp + 112], r14
    mov [rsp + 120], r15
    .endm

    .section .text, "ax"
    .global lklsrv_fast_entry, lklsrv_fast_exc_entry
lklsrv_fast_entry:
    // A `syscall`. CPL1, interrupts on. rsp: the thread's stack top - 24
    // holding [tid, token, the process's rsp]; rcx, r11: its rip, rflags;
    // every other register the process's.
    sub rsp, 184
    FAST_SAVE_GPRS
    mov rax, [rsp + 200]
    mov [rsp + 56], rax
    mov [rsp + 128], rcx
    mov [rsp + 136], r11
    mov qword ptr [rsp + 160], 256
    mov qword ptr [rsp + 168], 0
    mov qword ptr [rsp + 176], 0
    jmp 1f
lklsrv_fast_exc_entry:
    // An exception. CPL1, interrupts on. rsp: the thread's stack top - 64
    // holding [tid, token, vector, error, cr2, rip, rflags, rsp]; every
    // register the process's.
    sub rsp, 184
    FAST_SAVE_GPRS
    mov rax, [rsp + 240]
    mov [rsp + 56], rax
    mov rax, [rsp + 224]
    mov [rsp + 128], rax
    mov rax, [rsp + 232]
    mov [rsp + 136], rax
    mov rax, [rsp + 200]
    mov [rsp + 160], rax
    mov rax, [rsp + 208]
    mov [rsp + 168], rax
    mov rax, [rsp + 216]
    mov [rsp + 176], rax
1:
    // Both: the UserRegs at rsp, tid and token above it.
    rdfsbase rax
    mov [rsp + 144], rax
    rdgsbase rax
    mov [rsp + 152], rax
    mov rbx, rsp
    sub rsp, {fpu_size}
    and rsp, -64
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqa [rsp + 16 * \n], xmm\n
    .endr
    mov word ptr [rsp + {fpu_taken}], 0
    mov r12, rsp
    cld
    mov rdi, rbx
    mov rsi, r12
    mov rdx, [rbx + 184]
    mov rcx, [rbx + 192]
    call lklsrv_fast_trap
    cmp byte ptr [r12 + {fpu_changed}], 0
    jne 2f
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqa xmm\n, [r12 + 16 * \n]
    .endr
    jmp 3f
2:
    fxrstor64 [r12 + {fpu_image}]
3:
    // The IRET frame to CPL3 over the words read already (vector up to
    // the token): rip, cs, rflags, rsp, ss.
    mov rax, [rbx + 128]
    mov [rbx + 168], rax
    mov qword ptr [rbx + 176], 0x23
    mov rax, [rbx + 136]
    mov [rbx + 184], rax
    mov rax, [rbx + 56]
    mov [rbx + 192], rax
    mov qword ptr [rbx + 200], 0x1b
    mov rax, [rbx + 144]
    wrfsbase rax
    mov rax, [rbx + 152]
    wrgsbase rax
    mov rsp, rbx
    mov rax, [rsp + 0]
    mov rbx, [rsp + 8]
    mov rcx, [rsp + 16]
    mov rdx, [rsp + 24]
    mov rsi, [rsp + 32]
    mov rdi, [rsp + 40]
    mov rbp, [rsp + 48]
    mov r8, [rsp + 64]
    mov r9, [rsp + 72]
    mov r10, [rsp + 80]
    mov r11, [rsp + 88]
    mov r12, [rsp + 96]
    mov r13, [rsp + 104]
    mov r14, [rsp + 112]
    mov r15, [rsp + 120]
    add rsp, 168
    iretq
"#,
    fpu_size = const core::mem::size_of::<FastFpu>(),
    fpu_image = const core::mem::offset_of!(FastFpu, image),
    fpu_taken = const core::mem::offset_of!(FastFpu, taken),
    fpu_changed = const core::mem::offset_of!(FastFpu, changed),
);

// `taken` and `changed` are cleared as one word.
const _: () = assert!(core::mem::offset_of!(FastFpu, changed) == core::mem::offset_of!(FastFpu, taken) + 1);

extern "C" {
    fn lklsrv_fast_entry();
    fn lklsrv_fast_exc_entry();
}

// The layout the entry code writes.
const _: () = assert!(core::mem::size_of::<UserRegs>() == 184);

/// Called by either entry with the saved context (its `vector` says
/// which: `VEC_SYSCALL` or the exception's); returns to resume the
/// process with it (as possibly rewritten), or never.
#[no_mangle]
extern "C" fn lklsrv_fast_trap(regs: &mut UserRegs, fpu: &mut FastFpu, tid: u64, token: u64) {
    match crate::process::trap::fast(regs, fpu, tid, token) {
        Action::Resume => {}
        Action::ResumeRax(v) => regs.rax = v,
        Action::End(code) => {
            // The kernel ends threads, from an exception frame.
            let _ = cap::exc_defer(regs, &fpu.get());
            cap::exc_end(code);
            sys::exit_thread()
        }
    }
    // What sysret would enforce; a rewritten context was checked
    // (`cellux_process::trap::Held`), the rest is the process's own.
    regs.rflags = sanitize_rflags(regs.rflags);
}

/// Tells the kernel the entries; false when it has no fast path (the
/// Ring 1 design off).
pub fn register() -> bool {
    cap::fast_entry(lklsrv_fast_entry as *const () as u64, lklsrv_fast_exc_entry as *const () as u64).is_ok()
}

/// Gives the process thread whose exception we handle (thread id `tid`)
/// the fast path for its syscalls and exceptions, on its large stack.
pub fn arm(tid: usize) {
    if let Ok(top) = tcb::stack_top(tid) {
        let _ = cap::fast_stack(top);
    }
}
