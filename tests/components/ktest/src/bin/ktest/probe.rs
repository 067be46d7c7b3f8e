//! The ring-1 measurement probe (`self_op::PROBE_RING1`, issue 11): kbench
//! times it, these cases keep it honest. Returning through CPL1 must look
//! to the caller exactly like any other op's return: back at CPL3 with the
//! user selectors, rsp and the registers the ABI preserves (rbx, rbp,
//! r12-r15) unchanged, rcx/r11 = return rip/rflags as `syscall` left them,
//! with or without the CR3 reload; a bad argument is refused.

use crate::{check, run, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::ops::{encode, self_op};
use cellux_rt::sys;
use core::arch::asm;
use core::sync::atomic::AtomicU64;

pub fn all() {
    run("probe.ring1_return_keeps_registers", || intact(0));
    run("probe.ring1_cr3_return_keeps_registers", || intact(1));
    run("probe.ring1_many_returns", many);
    run("probe.ring1_refuses_bad_argument", refuse);
}

/// rsp before the syscall, for the comparison after it (every general
/// register is under test, so none can hold it).
static SAVED_RSP: AtomicU64 = AtomicU64::new(0);

/// Mismatch bits of `probe`.
const BITS: [(u64, &str); 10] = [
    (1, "rbx changed"),
    (2, "rbp changed"),
    (4, "r12 changed"),
    (8, "r13 changed"),
    (16, "r14 changed"),
    (32, "r15 changed"),
    (64, "rsp changed"),
    (128, "not back with the user code selector"),
    (256, "not back with the user stack selector"),
    (512, "rcx is not the return address"),
];

/// One probe with known values in every preserved register; returns rax
/// and a mask of `BITS` that did not hold afterwards.
fn probe(cr3_write: u64) -> (u64, u64) {
    let (rax, bad): (u64, u64);
    // SAFETY: a kernel op on ourselves that returns to the next
    // instruction; rbx, rbp and r12-r15 are saved on our stack around it
    // and restored from there, everything else the kernel may change is
    // declared clobbered.
    unsafe {
        asm!(
            "push rbx", "push rbp", "push r12", "push r13", "push r14", "push r15",
            "movabs rbx, 0x1111111111111111",
            "movabs rbp, 0x2222222222222222",
            "movabs r12, 0x3333333333333333",
            "movabs r13, 0x4444444444444444",
            "movabs r14, 0x5555555555555555",
            "movabs r15, 0x6666666666666666",
            "mov qword ptr [rip + {saved}], rsp",
            "syscall",
            "2:",
            "xor r8d, r8d",
            "movabs r9, 0x1111111111111111", "cmp rbx, r9", "je 3f", "or r8, 1", "3:",
            "movabs r9, 0x2222222222222222", "cmp rbp, r9", "je 3f", "or r8, 2", "3:",
            "movabs r9, 0x3333333333333333", "cmp r12, r9", "je 3f", "or r8, 4", "3:",
            "movabs r9, 0x4444444444444444", "cmp r13, r9", "je 3f", "or r8, 8", "3:",
            "movabs r9, 0x5555555555555555", "cmp r14, r9", "je 3f", "or r8, 16", "3:",
            "movabs r9, 0x6666666666666666", "cmp r15, r9", "je 3f", "or r8, 32", "3:",
            "cmp rsp, qword ptr [rip + {saved}]", "je 3f", "or r8, 64", "3:",
            "mov r9, cs", "cmp r9, 0x23", "je 3f", "or r8, 128", "3:",
            "mov r9, ss", "cmp r9, 0x1b", "je 3f", "or r8, 256", "3:",
            "lea r9, [rip + 2b]", "cmp rcx, r9", "je 3f", "or r8, 512", "3:",
            "pop r15", "pop r14", "pop r13", "pop r12", "pop rbp", "pop rbx",
            saved = sym SAVED_RSP,
            inlateout("rax") encode(0, self_op::PROBE_RING1) => rax,
            inlateout("rdi") cr3_write => _,
            out("rsi") _, out("rdx") _, out("rcx") _, out("r8") bad, out("r9") _, out("r10") _, out("r11") _,
        );
    }
    (rax, bad)
}

fn intact(cr3_write: u64) -> TestResult {
    let (rax, bad) = probe(cr3_write);
    check(rax == 0, "the probe did not return 0")?;
    for (bit, why) in BITS {
        check(bad & bit == 0, why)?;
    }
    Ok(())
}

/// Enough rounds, both ways, that timer interrupts land on the path (one
/// arriving at CPL1 is rolled forward to user mode by the kernel).
fn many() -> TestResult {
    for i in 0..20_000u64 {
        let (rax, bad) = probe(i & 1);
        check(rax == 0 && bad == 0, "a probe among many came back altered")?;
    }
    Ok(())
}

fn refuse() -> TestResult {
    let r = sys::call(0, self_op::PROBE_RING1, [2, 0, 0, 0, 0, 0]);
    check(r.ok() == Err(Error::Inval), "cr3_write = 2 was not refused with Inval")
}
