//! The `syscall` instruction itself (`call`, `invoke`), and the shorthands
//! every component uses. The typed stub of each kernel operation is in
//! `cap`; `call` with raw registers stays for tests that must pass
//! arguments no stub would build.

use crate::cap;
use cellux_abi::err::Error;
use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{self, encode};
use core::arch::asm;

/// Raw results: rax, rdi, rsi, rdx.
#[derive(Clone, Copy, Debug)]
pub struct Ret {
    pub rax: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
}

impl Ret {
    pub fn ok(self) -> Result<u64, Error> {
        match Error::from_ret(self.rax as i64) {
            Some(e) => Err(e),
            None if (self.rax as i64) < 0 => Err(Error::Inval),
            None => Ok(self.rax),
        }
    }
}

/// A kernel operation with raw arguments rdi, rsi, rdx, r10, r8, r9 (not
/// an invocation: the kernel preserves rbx, rbp, r12-r15 and the FPU state).
#[inline(always)]
pub fn call(cap: u32, op: u16, a: [u64; 6]) -> Ret {
    let (rax, rdi, rsi, rdx): (u64, u64, u64, u64);
    // SAFETY: syscall into the kernel, which changes only the registers
    // listed (rcx/r11 by the instruction itself).
    unsafe {
        asm!("syscall",
             inlateout("rax") encode(cap, op) => rax,
             inlateout("rdi") a[0] => rdi, inlateout("rsi") a[1] => rsi, inlateout("rdx") a[2] => rdx,
             inlateout("r10") a[3] => _, inlateout("r8") a[4] => _, inlateout("r9") a[5] => _,
             out("rcx") _, out("r11") _, options(nostack));
    }
    Ret { rax, rdi, rsi, rdx }
}

/// A synchronous invocation through a gate: the server may change any
/// register, so everything but rsp is treated as clobbered.
#[inline(always)]
pub fn invoke(cap: u32, a: [u64; 5]) -> Ret {
    let (rax, rdi, rsi, rdx): (u64, u64, u64, u64);
    // SAFETY: the kernel returns here with the saved rsp; rbx and rbp
    // (which asm operands can not name) are saved on the stack around it,
    // every other register is declared clobbered.
    unsafe {
        asm!("push rbx", "push rbp", "syscall", "pop rbp", "pop rbx",
             inlateout("rax") encode(cap, 0) => rax,
             inlateout("rdi") a[0] => rdi, inlateout("rsi") a[1] => rsi, inlateout("rdx") a[2] => rdx,
             inlateout("r10") a[3] => _, inlateout("r8") a[4] => _, out("r9") _,
             out("rcx") _, out("r11") _, out("r12") _, out("r13") _, out("r14") _, out("r15") _,
             clobber_abi("C"));
    }
    Ret { rax, rdi, rsi, rdx }
}

/// `call`, decoded to rax or the kernel's error.
pub fn op(cap: u32, op: u16, a: [u64; 6]) -> Result<u64, Error> {
    call(cap, op, a).ok()
}

pub fn exit_thread() -> ! {
    cap::exit()
}

/// A scheduler event: (thread id, `EVT_*` kind, that thread's timeout).
pub type Event = (u64, u64, u64);

/// Receive: Ok((sends consumed, event if any)).
pub fn rcv(nonblock: bool, timeout: u64) -> Result<(u64, Option<Event>), Error> {
    cap::rcv(if nonblock { ops::RCV_NONBLOCK } else { 0 }, timeout)
}

/// Sends on asnd capability `slot`; `yield_to` runs a receiver it wakes.
pub fn asnd(slot: u32, yield_to: bool) -> Result<(), Error> {
    cap::Asnd(slot).send(if yield_to { ops::ASND_YIELD } else { 0 })
}

/// Sends on asnd capability `slot`, then receives as [`rcv`]`(false, 0)`,
/// in one kernel call: a hand-off.
pub fn asnd_then_rcv(slot: u32) -> Result<(u64, Option<Event>), Error> {
    cap::Asnd(slot).send_then_rcv()
}

pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: reads the time-stamp counter only.
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    ((hi as u64) << 32) | lo as u64
}

pub fn tsc_hz() -> u64 {
    cap::Hw(boot_slot::HW).tsc_hz().unwrap_or(1_000_000_000)
}

pub fn power_off(ok: bool) -> ! {
    cap::Hw(boot_slot::HW).exit(if ok { 0 } else { 1 });
    exit_thread()
}

/// Decodes an invocation's result: kernel error in rax (e.g. `Error::Fault`
/// when the server faulted), else the server's status/value in rdi
/// (negative = error) and a second value in rsi.
pub fn gate_result(r: Ret) -> Result<(u64, u64), Error> {
    r.ok()?;
    let v = Ret { rax: r.rdi, rdi: 0, rsi: 0, rdx: 0 }.ok()?;
    Ok((v, r.rsi))
}
