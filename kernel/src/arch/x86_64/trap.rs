//! Every way into the kernel: `syscall`, exceptions and interrupts. Each
//! builds the same `Frame` at the top of the one kernel stack (the CPU is
//! single and the kernel never blocks or nests into user level), so the
//! frame there *is* the current user context; switching threads means
//! swapping its contents. The return path uses `sysret` for frames that
//! came from `syscall` (vector 256) and `iretq` for all others.
//!
//! The entry code lives in `.text.entry` and the stack with its scratch
//! word in `.bss.entry_stack`: the CPU enters through their aliases in the
//! entry area (`entry`), where rip-relative addresses keep meaning the same
//! pages, and the entry code reaches the rest of the kernel only through
//! absolute calls.

use cellux_abi::args::{Args, Regs};
use core::arch::global_asm;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Frame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl Frame {
    /// The arguments of the operation this `syscall` frame asks for: each
    /// op's struct in `cellux_abi::ops` says which register holds what.
    #[inline(always)]
    pub fn args<A: Args>(&self) -> A {
        A::from_regs(&Regs { rdi: self.rdi, rsi: self.rsi, rdx: self.rdx, r10: self.r10, r8: self.r8, r9: self.r9 })
    }
}

pub const VEC_SYSCALL: u64 = 256;
/// Marks a frame that must return through iretq because all its registers
/// are live (a trapped context the kernel rebuilt).
pub const VEC_IRET: u64 = 0x1000;

global_asm!(
    r#"
    // The general registers in `Frame` order (r15 lowest): every entry
    // saves and every return restores exactly this, so it is written once.
    .macro PUSH_GPRS
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    .endm
    .macro POP_GPRS
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    .endm
    // With the Ring 1 design on, the roots the server runs in map none of
    // the kernel but the entry area (`pgtbl::keep_kernel_out`): an entry
    // from user level in such a root loads the kernel's root, and every
    // return the user root the kernel chose (`entry_user_root`) unless it
    // is loaded already. Words of the read-only per-CPU page
    // (`entry_kernel_root` is 0 with the design off,
    // `entry_user_maps_kernel` says the loaded user root maps the kernel).
    // rax is saved when these run.
    .macro TO_KERNEL_ROOT
    mov rax, [rip + entry_kernel_root]
    test rax, rax
    jz 91f
    cmp qword ptr [rip + entry_user_maps_kernel], 0
    jne 91f
    mov cr3, rax
91:
    .endm

    .section .text.entry, "ax"
    .global syscall_entry
syscall_entry:
    // The server's own call (CPL1: only it runs in the upper half) or
    // a process's, which may take the fast path (`fastpath`).
    bt rcx, 63
    jc 5f
    cmp qword ptr [rip + entry_fast_stack], 0
    jne 6f
    mov [rip + user_rsp_scratch], rsp
    lea rsp, [rip + kstack_top]
    push 0x1b
    push qword ptr [rip + user_rsp_scratch]
    push r11
    push 0x23
    jmp 7f
5:
    // With the caller's selectors (ring-1 data and code), which
    // `fastpath::settle` reads.
    mov [rip + user_rsp_scratch], rsp
    lea rsp, [rip + kstack_top]
    push 0x41
    push qword ptr [rip + user_rsp_scratch]
    push r11
    push 0x39
7:
    push rcx
    push 0
    push 256
    PUSH_GPRS
    TO_KERNEL_ROOT
    mov rdi, rsp
    movabs rax, offset syscall_rust
    call rax
    jmp return_to_frame

6:
    // The fast path: into the server at CPL1 on the thread's server stack,
    // which gets the thread id, its token and its rsp (the server's ABI,
    // `self_op::FAST_ENTRY`); the IRET frame is built on the entry stack.
    mov [rip + user_rsp_scratch], rsp
    mov rsp, [rip + entry_fast_stack]
    push qword ptr [rip + user_rsp_scratch]
    push qword ptr [rip + entry_fast_token]
    push qword ptr [rip + entry_fast_tid]
    mov [rip + user_rsp_scratch], rsp
    lea rsp, [rip + kstack_top]
    push 0x41
    push qword ptr [rip + user_rsp_scratch]
    push 0x202
    push 0x39
    push qword ptr [rip + entry_fast_entry]
    iretq

isr_fast_exc:
    // An exception the server may serve (the stubs of those vectors come
    // here), raised by a process at CPL3 (the saved cs is the user code
    // selector itself, so nothing taken at CPL0 or CPL1 comes this way)
    // with the fast path armed for it: into the server's exception entry
    // at CPL1 on the thread's server stack, which gets [thread id, token,
    // vector, error code, cr2, rip, rflags, rsp] (cr2 0 but for a page
    // fault), every other register the process's; the IRET frame to the
    // server is built over the CPU's on the entry stack, and nothing the
    // server can write is read. Anything else goes the common way.
    cmp qword ptr [rsp + 24], 0x23
    jne isr_common
    cmp qword ptr [rip + entry_fast_exc], 0
    je isr_common
    push rbx
    push rax
    // rax, rbx, vector, error, rip, cs, rflags, rsp, ss
    mov rax, [rip + entry_fast_stack]
    mov rbx, [rsp + 56]
    mov [rax - 8], rbx
    mov rbx, [rsp + 48]
    mov [rax - 16], rbx
    mov rbx, [rsp + 32]
    mov [rax - 24], rbx
    xor ebx, ebx
    cmp qword ptr [rsp + 16], 14
    jne 1f
    mov rbx, cr2
1:
    mov [rax - 32], rbx
    mov rbx, [rsp + 24]
    mov [rax - 40], rbx
    mov rbx, [rsp + 16]
    mov [rax - 48], rbx
    mov rbx, [rip + entry_fast_token]
    mov [rax - 56], rbx
    mov rbx, [rip + entry_fast_tid]
    mov [rax - 64], rbx
    sub rax, 64
    mov qword ptr [rsp + 64], 0x41
    mov [rsp + 56], rax
    mov qword ptr [rsp + 48], 0x202
    mov qword ptr [rsp + 40], 0x39
    mov rax, [rip + entry_fast_exc]
    mov [rsp + 32], rax
    pop rax
    pop rbx
    add rsp, 16
    iretq

isr_common:
    // Interrupt and exception gates do not clear RFLAGS.AC (syscall's
    // FMASK does), and user code may set AC with popf: with AC left set
    // the kernel would run with SMAP disabled. Clear it when the
    // interrupted context had it (the saved rflags, above vector, error,
    // rip, cs); the common case skips clac, which ends a TB under TCG.
    test dword ptr [rsp + 32], 0x40000
    jz 1f
    clac
1:
    PUSH_GPRS
    cld
    // From user level (the saved cs's RPL), or a double fault (which may
    // come from the entry code in a user root): the kernel's root.
    test byte ptr [rsp + 144], 3
    jnz 8f
    cmp qword ptr [rsp + 120], 8
    jne 4f
8:
    TO_KERNEL_ROOT
4:
    mov rdi, rsp
    movabs rax, offset trap_rust
    call rax
    .global return_to_frame
return_to_frame:
    test byte ptr [rsp + 144], 3
    jz 3f
    mov rax, [rip + entry_kernel_root]
    test rax, rax
    jz 3f
    mov rax, cr3
    cmp rax, [rip + entry_user_root]
    je 3f
    mov rax, [rip + entry_user_root]
    mov cr3, rax
3:
    cmp qword ptr [rsp + 120], 256
    je 2f
    POP_GPRS
    add rsp, 16
    iretq
2:
    POP_GPRS
    mov rcx, [rsp + 16]
    mov r11, [rsp + 32]
    mov rsp, [rsp + 40]
    sysretq

    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,255
isr_\n:
    .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    push 0
    .endif
    push \n
    // What a process's fault or instruction raises and Linux answers with
    // a signal (not #DB, NMI, #NM, #DF, #MC or the reserved ones): the
    // server may take it by the fast path.
    .if (\n == 0) || (\n == 3) || (\n == 4) || (\n == 5) || (\n == 6) || ((\n >= 10) && (\n <= 14)) || (\n == 16) || (\n == 17) || (\n == 19)
    jmp isr_fast_exc
    .else
    jmp isr_common
    .endif
    .endr

    .section .rodata
    .p2align 3
    .global isr_table
isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71
    .quad isr_\n
    .endr
    .fill 255 - 72, 8, 0
    .quad isr_255

    // The per-CPU page's words (`entry`): read-only in the entry area.
    .section .data.entry_tables, "aw"
    .p2align 3
    .global entry_kernel_root, entry_user_root, entry_user_maps_kernel
    .global entry_fast_entry, entry_fast_exc, entry_fast_stack, entry_fast_tid, entry_fast_token
entry_kernel_root:
    .quad 0
entry_user_root:
    .quad 0
entry_user_maps_kernel:
    .quad 0
entry_fast_entry:
    .quad 0
entry_fast_exc:
    .quad 0
entry_fast_stack:
    .quad 0
entry_fast_tid:
    .quad 0
entry_fast_token:
    .quad 0

    .section .bss.entry_stack, "aw", @nobits
    .p2align 3
user_rsp_scratch:
    .quad 0
    .text
"#
);

extern "C" {
    fn syscall_entry();
    static kstack_top: u8;
}

/// The current user context: always the frame at the top of the kernel
/// stack, reached (as the entry code reaches it) through the entry area.
pub fn user_frame() -> *mut Frame {
    // SAFETY: only the address of the linker-provided symbol is taken.
    let top = super::entry::alias(unsafe { &kstack_top as *const u8 as u64 });
    (top as usize - core::mem::size_of::<Frame>()) as *mut Frame
}

pub fn init_syscall() {
    // SAFETY: STAR/LSTAR/FMASK point syscall at our entry with the GDT
    // layout of `desc`, and mask IF/DF/TF/AC/NT so the kernel starts
    // clean. NT because user level may set it with popf, and the kernel's
    // own `iretq` (to the server at CPL1, or any rebuilt frame) raises
    // #GP in long mode while it is set: a kernel fault any component
    // could cause (ktest hostile.syscall_with_nested_task_flag).
    // Interrupt and exception gates clear NT themselves.
    unsafe {
        crate::arch::cpu::wrmsr(0xC000_0081, ((0x10u64 | 3) << 48) | ((crate::arch::desc::KCODE as u64) << 32));
        crate::arch::cpu::wrmsr(0xC000_0082, super::entry::alias(syscall_entry as *const () as u64));
        crate::arch::cpu::wrmsr(0xC000_0084, 0x4_4700);
    }
}

#[no_mangle]
#[link_section = ".text.hot"]
extern "C" fn syscall_rust(f: &mut Frame) {
    if crate::fastpath::settle(f) {
        crate::syscall::dispatch(f);
    } else {
        crate::sched::exit_current();
    }
    crate::sched::before_return();
    crate::arch::ring1::finish(f);
}

#[no_mangle]
#[link_section = ".text.hot"]
extern "C" fn trap_rust(f: &mut Frame) {
    // At CPL1 run the ring-1 probe (see `ring1::roll_forward`) and, with
    // the Ring 1 design on, the server: a user level like CPL3, whose
    // return `before_return` vets as any other.
    if f.cs & 3 == 1 && !crate::arch::ring1::roll_forward(f) && !crate::region::AT_CPL1 {
        crate::fault::kernel_fault(f);
    }
    if f.cs & 3 == 0 {
        if f.vector >= 32 {
            crate::irq::handle(f.vector, false);
            return;
        }
        if crate::arch::kmap::fixup(f) {
            return;
        }
        crate::fault::kernel_fault(f);
    }
    if !crate::fastpath::settle(f) {
        crate::sched::exit_current();
    } else if f.vector >= 32 {
        crate::irq::handle(f.vector, true);
    } else {
        crate::exception::user_exception(f);
    }
    crate::sched::before_return();
}

// The ring-1 selectors the entry code names by value.
const _: () = assert!(crate::arch::desc::R1CODE == 0x39 && crate::arch::desc::R1DATA == 0x41);
