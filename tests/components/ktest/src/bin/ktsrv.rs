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
pub const OP_FUZZ: u64 = 11;
pub const OP_SINGLE_STEP: u64 = 12;
pub const OP_SGDT: u64 = 13;
pub const OP_SIDT: u64 = 14;
pub const OP_SLDT: u64 = 15;
pub const OP_SMSW: u64 = 16;
pub const OP_STR: u64 = 17;
pub const OP_IN: u64 = 18;
pub const OP_OUT: u64 = 19;
pub const OP_POPF: u64 = 20;

#[no_mangle]
fn cellux_main(_arg: u64) {}

#[no_mangle]
fn cellux_sinv(u: &Upcall) -> [u64; 2] {
    match u.rdi {
        OP_ADD => [u.rsi.wrapping_add(u.rdx), u.token],
        OP_WHO => [u.tid, u.token],
        // The faulting ops deliberately touch an address or execute an
        // instruction user level may not; the kernel delivers the exception
        // to our handler, which is what is being tested.
        // SAFETY: a read that may fault (deliberately); no Rust reference
        // is formed to the address.
        OP_READ => [unsafe { core::ptr::read_volatile(u.rsi as *const u64) }, 0],
        OP_WRITE => {
            // SAFETY: as OP_READ, a deliberate faulting write.
            unsafe { core::ptr::write_volatile(u.rsi as *mut u64, u.rdx) };
            [0, 0]
        }
        OP_CLI => {
            // SAFETY: privileged: raises #GP at user level, nothing else.
            unsafe { core::arch::asm!("cli") };
            [0, 0]
        }
        OP_WRMSR => {
            // SAFETY: privileged: raises #GP at user level, nothing else.
            unsafe { core::arch::asm!("wrmsr", in("ecx") 0xc000_0082u32, in("eax") 0, in("edx") 0) };
            [0, 0]
        }
        OP_UD2 => {
            // SAFETY: raises #UD; the handler ends the invocation.
            unsafe { core::arch::asm!("ud2") };
            [0, 0]
        }
        OP_INT3 => {
            // SAFETY: raises #BP; the handler resumes after it.
            unsafe { core::arch::asm!("int3") };
            [77, 0]
        }
        OP_DIV0 => {
            // `div rcx` is 3 bytes (48 f7 f1); the handler skips it and
            // sets rax, which is what we return.
            let q: u64;
            // SAFETY: raises #DE; the handler skips it and sets rax.
            unsafe { core::arch::asm!("div rcx", inout("rax") 10u64 => q, inout("rdx") 0u64 => _, in("rcx") 0u64) };
            [q, 0]
        }
        OP_SINGLE_STEP => {
            // Single-stepping through a system call: the kernel must take
            // no debug trap itself, and the thread gets #DB in user mode.
            // SAFETY: sets TF, makes a null system call and a nop; the
            // handler clears TF on the first #DB; flags are restored.
            unsafe {
                core::arch::asm!(
                    "pushfq", "or qword ptr [rsp], 0x100", "popfq",
                    "mov eax, 10", "syscall", "nop",
                    out("rax") _, out("rcx") _, out("r11") _,
                );
            }
            [55, 0]
        }
        // UMIP: each of these raises #GP at user level; the handler ends
        // the invocation. The stores go to a local buffer.
        OP_SGDT | OP_SIDT | OP_SLDT | OP_SMSW | OP_STR => {
            let mut buf = [0u64; 2];
            let p = buf.as_mut_ptr();
            // SAFETY: each stores at most 10 bytes into buf, if it runs at
            // all (under UMIP it faults).
            unsafe {
                match u.rdi {
                    OP_SGDT => core::arch::asm!("sgdt [{}]", in(reg) p),
                    OP_SIDT => core::arch::asm!("sidt [{}]", in(reg) p),
                    OP_SLDT => core::arch::asm!("sldt word ptr [{}]", in(reg) p),
                    OP_SMSW => core::arch::asm!("smsw word ptr [{}]", in(reg) p),
                    _ => core::arch::asm!("str word ptr [{}]", in(reg) p),
                }
            }
            [buf[0], 0]
        }
        // IOPL 0 and no I/O bitmap: port I/O raises #GP at user level.
        // Port 0x80 (POST codes) is harmless should it go through.
        OP_IN => {
            let v: u8;
            // SAFETY: raises #GP at user level, nothing else.
            unsafe { core::arch::asm!("in al, dx", out("al") v, in("dx") 0x80u16) };
            [v as u64, 0]
        }
        OP_OUT => {
            // SAFETY: raises #GP at user level, nothing else.
            unsafe { core::arch::asm!("out dx, al", in("al") 0u8, in("dx") 0x80u16) };
            [0, 0]
        }
        // popf at CPL3 with IOPL 0 silently keeps IF and IOPL: try to
        // clear IF and raise IOPL to 3, return the flags that resulted.
        OP_POPF => {
            let f: u64;
            // SAFETY: pushes and pops flags on our own stack; neither
            // change can take effect at CPL3.
            unsafe {
                core::arch::asm!(
                    "pushfq", "and qword ptr [rsp], ~0x200", "or qword ptr [rsp], 0x3000", "popfq",
                    "pushfq", "pop {}", out(reg) f,
                );
            }
            [f, 0]
        }
        OP_NOP => [0, 0],
        OP_FUZZ => [fuzz(u.rsi, u.rdx), 0],
        _ => [u64::MAX, 0],
    }
}

fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Random system calls: capability numbers, operations and arguments
/// mixed from values that are valid somewhere and values that are not.
/// Ops that would legitimately end or park this thread (return, exit,
/// blocking receive) are left out; everything else is fair game, including
/// destroying our own tables and unmapping our own code.
fn fuzz(seed: u64, n: u64) -> u64 {
    let mut s = seed | 1;
    let palette = |s: &mut u64| -> u64 {
        let r = next(s);
        match r % 12 {
            0 => 0,
            1 => r % 16,
            2 => r % 140,
            3 => 0x400000 + (r % 0x40000),
            4 => 0xffff_ffff_8000_0000 + (r % 0x100_0000),
            5 => 0xffff_8000_0000_0000 + (r % 0x2000_0000),
            6 => r & 0x0000_7fff_ffff_f000,
            7 => u64::MAX - (r % 4),
            8 => (r % 0x2000_0000) & !0xfff,
            9 => cellux_rt::abi::ops::kmem(5, (r % 0x2000_0000) & !0xfff),
            10 => 1 << (r % 64),
            _ => r,
        }
    };
    let mut done = 0;
    for _ in 0..n {
        let r = next(&mut s);
        let cap = match r % 8 {
            0 => 0,
            1..=5 => (r >> 8) % 40,
            6 => (r >> 8) as u32 as u64,
            _ => (r >> 8) % 140,
        } as u32;
        let mut op = ((r >> 40) % 14) as u16;
        if r.is_multiple_of(97) {
            op = (r >> 20) as u16;
        }
        if cap == 0 && !matches!(op, 3..=10) {
            continue;
        }
        let a = [palette(&mut s), palette(&mut s), palette(&mut s), palette(&mut s), palette(&mut s), palette(&mut s)];
        let _ = cellux_rt::sys::call(cap, op, a);
        done += 1;
    }
    done
}

#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
