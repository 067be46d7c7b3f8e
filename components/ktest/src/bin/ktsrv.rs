//! Test server component: invoked through a gate by ktest, it performs
//! the operation asked (arithmetic, echo of its view of the caller, or a
//! deliberate fault) so ktest can observe invocation and exception paths.
#![no_std]
#![no_main]

use cellux_rt::entry::{Action, Upcall};

pub const OP_ADD: u64 = 1;
pub const OP_WHO: u64 = 2;
pub const OP_READ: u64 = 3;
pub const OP_WRITE: u64 = 4;
pub const OP_CLI: u64 = 5;
pub const OP_UD2: u64 = 6;
pub const OP_INT3: u64 = 7;
pub const OP_DIV0: u64 = 8;
pub const OP_NOP: u64 = 9;
pub const OP_WRMSR: u64 = 10;

#[no_mangle]
fn cellux_main(_arg: u64) {}

#[no_mangle]
fn cellux_sinv(u: &Upcall) -> [u64; 2] {
    match u.rdi {
        OP_ADD => [u.rsi.wrapping_add(u.rdx), u.token],
        OP_WHO => [u.tid, u.token],
        // SAFETY (all the faulting ops): deliberately touching an address or
        // executing an instruction user level may not; the kernel delivers
        // the exception to our handler, which is what is being tested.
        OP_READ => [unsafe { core::ptr::read_volatile(u.rsi as *const u64) }, 0],
        OP_WRITE => {
            unsafe { core::ptr::write_volatile(u.rsi as *mut u64, u.rdx) };
            [0, 0]
        }
        OP_CLI => {
            unsafe { core::arch::asm!("cli") };
            [0, 0]
        }
        OP_WRMSR => {
            unsafe { core::arch::asm!("wrmsr", in("ecx") 0xc000_0082u32, in("eax") 0, in("edx") 0) };
            [0, 0]
        }
        OP_UD2 => {
            unsafe { core::arch::asm!("ud2") };
            [0, 0]
        }
        OP_INT3 => {
            unsafe { core::arch::asm!("int3") };
            [77, 0]
        }
        OP_DIV0 => {
            // `div rcx` is 3 bytes (48 f7 f1); the handler skips it and
            // sets rax, which is what we return.
            let q: u64;
            unsafe { core::arch::asm!("div rcx", inout("rax") 10u64 => q, inout("rdx") 0u64 => _, in("rcx") 0u64) };
            [q, 0]
        }
        OP_NOP => [0, 0],
        _ => [u64::MAX, 0],
    }
}

#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
