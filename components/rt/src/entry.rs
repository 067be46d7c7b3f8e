//! The component entry point. Every upcall (thread start, invocation,
//! exception) enters at `_start` with rsp undefined and the thread id in
//! r14; the stack is the thread id's slot in this component's stack array,
//! so a thread that migrates in always finds its own stack.
//!
//! A component provides three functions:
//!   `cellux_main(arg: u64)`               a thread starts (returning ends it),
//!   `cellux_sinv(&Upcall) -> [u64; 2]`    an invocation (results to rdi, rsi),
//!   `cellux_exception(&Upcall) -> Action` an exception of a component it handles.

use crate::{cap, sys};
use cellux_abi::layout::MAX_THREADS;
use cellux_abi::ops::upcall;
use core::arch::global_asm;

pub const STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(4096))]
pub struct Stacks([[u8; STACK_SIZE]; MAX_THREADS]);

#[no_mangle]
pub static mut RT_STACKS: Stacks = Stacks([[0; STACK_SIZE]; MAX_THREADS]);

/// The registers of an upcall, as the kernel set them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Upcall {
    pub rax: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub r10: u64,
    pub r8: u64,
    pub r9: u64,
    /// `cellux_abi::ops::upcall::*`
    pub kind: u64,
    /// Fault address (exceptions).
    pub cr2: u64,
    /// Vector (exceptions; `VEC_SYSCALL` for a Linux syscall).
    pub vector: u64,
    pub error: u64,
    pub tid: u64,
    pub token: u64,
}

/// What an exception handler wants done with the trapped thread.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Resume with the trapped registers (as possibly rewritten).
    Resume,
    /// Resume with rax set (a Linux syscall's result).
    ResumeRax(u64),
    /// Abort: the faulting invocation returns an error to its caller.
    End(u64),
}

extern "C" {
    fn _start();
}

/// The address upcalls enter at (`_start`), for gates into this component.
pub fn address() -> u64 {
    _start as *const () as u64
}

extern "Rust" {
    fn cellux_main(arg: u64);
    fn cellux_sinv(u: &Upcall) -> [u64; 2];
    fn cellux_exception(u: &Upcall) -> Action;
}

global_asm!(
    r#"
    .section .text.entry, "ax"
    .global _start
_start:
    /* rcx and r11 are dead at every upcall (the kernel enters by sysret). */
    test rsp, rsp
    jnz 2f
    mov rcx, r14
    and rcx, 127
    lea r11, [rip + RT_STACKS]
    lea rsp, [rcx + 1]
    shl rsp, 14
    add rsp, r11
    jmp 3f
2:
    /* The thread is already executing in this component further down its
       invocation stack: continue below the frame it left, past the red zone. */
    sub rsp, 256
    and rsp, -16
3:
    push 0
    push r15
    push r14
    push r13
    push r12
    push rbp
    push rbx
    push r9
    push r8
    push r10
    push rdx
    push rsi
    push rdi
    push rax
    mov rdi, rsp
    xor ebp, ebp
    call rt_upcall
    ud2
    .text
"#
);

#[no_mangle]
extern "C" fn rt_upcall(u: &Upcall) -> ! {
    match u.kind {
        upcall::THREAD => {
            match crate::thread::on_start(u.tid, u.rdi) {
                Some((f, a)) => f(a),
                // SAFETY: the component defines cellux_main (module contract).
                None => unsafe { cellux_main(u.rdi) },
            }
            sys::exit_thread()
        }
        upcall::SINV => {
            // SAFETY: the component defines cellux_sinv.
            let r = unsafe { cellux_sinv(u) };
            sinv_return(r)
        }
        _ => {
            // SAFETY: the component defines cellux_exception.
            let a = unsafe { cellux_exception(u) };
            match a {
                Action::Resume => cap::exc_resume(),
                Action::ResumeRax(v) => cap::exc_resume_rax(v),
                Action::End(code) => cap::exc_end(code),
            };
            // Only reached if there was no exception frame: nothing to resume.
            sys::exit_thread()
        }
    }
}

fn sinv_return(r: [u64; 2]) -> ! {
    cap::ret(r[0], r[1], 0);
    sys::exit_thread()
}

/// The calling thread's id, from which stack slot it runs on.
pub fn current_tid() -> u64 {
    let sp: u64;
    // SAFETY: reads rsp only.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack)) };
    let base = &raw const RT_STACKS as u64;
    (sp.wrapping_sub(base) / STACK_SIZE as u64).min(MAX_THREADS as u64 - 1)
}
