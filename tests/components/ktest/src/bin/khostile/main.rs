//! The hostile CPL1 component (issue 11, deliverable 7): not the LKL
//! server, but, like it, linked in the server region and the region's
//! owner, so it runs at CPL1 (`sched::before_return`). ktest loads it,
//! is its exception handler, and asks it through a gate (`ops`) for one
//! attempt at a time on what CPL1 must never reach: the entry area's
//! read-only structures, the kernel's selectors, the kernel's saved state,
//! privileged instructions, the kernel's code and memory. Each attempt
//! must be stopped by a fault that ktest's handler sees; an attempt that
//! goes on returns `WENT_THROUGH`, and ktest's check fails. It has no
//! capability but its own (not even the console): all it can do is what
//! the CPU lets code at CPL1 do.
#![no_std]
#![no_main]

#[path = "ops.rs"]
mod ops;

use cellux_rt::entry::{Action, Upcall};
use core::arch::asm;
use ops::*;

#[no_mangle]
fn cellux_main(_arg: u64) {}

/// As the handler of a Linux-ABI component, twice (ktest's
/// `hostile.fast_stack_unmapped_kernel_runs_on`, then
/// `hostile.fast_stack_unmapped_exception_kernel_runs_on`): at the
/// process's first `syscall`, turns the fast path on with a server stack
/// for its thread, unmaps that stack and resumes the process, whose next
/// `syscall` (the first time) or page fault (the second: it resumes at
/// `FAULT_RIP`) would have the entry code write onto the unmapped page at
/// CPL0; at the next trap (the kernel's slow path, if it refused the fast
/// one), turns the path off again and ends the thread.
#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    use cellux_rt::abi::layout::boot_slot::SELF_PT;
    use cellux_rt::abi::regs::UserRegs;
    use cellux_rt::cap::{self, Pgtbl};
    use core::sync::atomic::{AtomicU64, Ordering};
    /// Traps seen: even, a process's first; odd, its second.
    static TRAPS: AtomicU64 = AtomicU64::new(0);
    let n = TRAPS.fetch_add(1, Ordering::Relaxed);
    if u.vector != cellux_rt::abi::ops::VEC_SYSCALL || n % 2 == 1 {
        let _ = cap::fast_entry(0, 0);
        return Action::End(0);
    }
    extern "C" {
        fn khostile_fast_entry();
    }
    let entry = khostile_fast_entry as *const () as u64;
    let set = cap::fast_entry(entry, entry)
        .and_then(|_| cap::fast_stack(FAST_STACK_PAGE + 4096))
        .and_then(|_| Pgtbl(SELF_PT).unmap(FAST_STACK_PAGE, 1));
    let fault = || {
        let mut r = UserRegs::default();
        cap::exc_regs_read(&mut r).and_then(|_| cap::exc_regs_write(&UserRegs { rip: FAULT_RIP, ..r }))
    };
    match (set, n) {
        (Ok(()), 0) => Action::ResumeRax(0),
        (Ok(()), _) if fault().is_ok() => Action::Resume,
        _ => Action::End(1),
    }
}

// The fast path's entry (both), never meant to be reached: the fast stack
// is gone before the process's next `syscall` or exception.
core::arch::global_asm!(".text", ".global khostile_fast_entry", "khostile_fast_entry:", "ud2");

#[no_mangle]
fn cellux_sinv(u: &Upcall) -> [u64; 2] {
    match u.rdi {
        CPL => [cellux_rt::cpu::privilege_level() as u64, rsp()],
        // SAFETY: a read of an address ktest names, which is meant to
        // fault; no Rust reference to it is formed.
        READ64 => [unsafe { core::ptr::read_volatile(u.rsi as *const u64) }, 0],
        WRITE8 => {
            // SAFETY: a store ktest asks for into memory CPL1 must not be
            // able to write: it faults, or ktest's check fails.
            unsafe { core::ptr::write_volatile(u.rsi as *mut u8, u.rdx as u8) };
            [WENT_THROUGH, 0]
        }
        CALL => {
            // SAFETY: a call into the kernel, which must fault on its
            // first instruction (not mapped, or not executable).
            unsafe { asm!("call {}", in(reg) u.rsi, clobber_abi("C")) };
            [WENT_THROUGH, 0]
        }
        ENTER => enter(u.rsi, u.rdx, u.r10),
        PRIV => privileged(u.rsi),
        FLAGS => [flags(u.rsi), 0],
        FILL => [fill_rounds(u.rsi, u.rdx, u.r10, u.r8), 0],
        FILL_UD2 => {
            fill(u.rsi, u.rdx, u.r10);
            // SAFETY: raises #UD; ktest's handler ends the invocation.
            unsafe { asm!("lea rax, [rip + 2f]", "2: ud2", in("r12") MAGIC, out("rax") _) };
            [WENT_THROUGH, 0]
        }
        PROBE_LOOP => [probe_loop(u.rsi, u.rdx, u.r10, u.r8), 0],
        WILD_SYSCALL => [wild_syscall(), 0],
        NT_SYSCALL => nt_syscall(),
        MOVSS_TF_SYSCALL => movss_tf_syscall(),
        _ => [0, 0],
    }
}

fn rsp() -> u64 {
    let sp: u64;
    // SAFETY: reads rsp only.
    unsafe { asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack)) };
    sp
}

/// The kernel's code selector and a stack segment of the kernel's data.
const KCODE: u64 = 0x08;
const KDATA: u64 = 0x10;

/// Jumps to `target` (in the entry code) with rcx = `rcx` and rsp at word
/// `at` of a `Frame` as the kernel's entry code builds it: 15 general
/// registers, vector 0, error 0, and an IRET frame to CPL0 at `target`'s
/// own address, as if the kernel had saved it.
fn enter(target: u64, rcx: u64, at: u64) -> [u64; 2] {
    let mut frame = [0u64; 22];
    frame[17..].copy_from_slice(&[target, KCODE, 2, rsp(), KDATA]);
    let sp = frame.as_ptr() as u64 + at.min(21) * 8;
    // SAFETY: leaves for the entry code at CPL1 and never comes back
    // here: the entry code must fault (a privileged instruction, or an
    // iretq to CPL0), and ktest's handler ends the invocation.
    unsafe { asm!("mov rsp, {sp}", "jmp {t}", sp = in(reg) sp, t = in(reg) target, in("rcx") rcx, options(noreturn)) }
}

/// A privileged instruction, or a load of a selector CPL1 may not have.
fn privileged(n: u64) -> [u64; 2] {
    // A descriptor-table pointer (limit 0, base 0) and a far pointer,
    // both in our own memory.
    let table = [0u64; 2];
    let p = table.as_ptr() as u64;
    let (far_kcode, far_tss) = ([0u64, KCODE], [0u64, 0x28]);
    // SAFETY: each instruction must raise #GP (#UD for stac) at CPL1
    // with IOPL 0, UMIP and the GDT's DPLs; ktest's handler then ends the
    // invocation. Should one go through, it acts on values that change
    // nothing the kernel relies on but what the check reports.
    unsafe {
        match n {
            P_MOV_CR3 => asm!("mov cr3, {}", in(reg) 0u64),
            P_MOV_CR0 => asm!("mov cr0, {}", in(reg) 0x8000_0011u64),
            P_MOV_CR4 => asm!("mov cr4, {}", in(reg) 0u64),
            P_READ_CR3 => asm!("mov {}, cr3", out(reg) _),
            P_WRMSR => asm!("wrmsr", in("ecx") 0xc000_0082u32, in("eax") 0, in("edx") 0),
            P_RDMSR => asm!("rdmsr", in("ecx") 0xc000_0080u32, out("eax") _, out("edx") _),
            P_LGDT => asm!("lgdt [{}]", in(reg) p),
            P_LIDT => asm!("lidt [{}]", in(reg) p),
            P_LTR => asm!("ltr {0:x}", in(reg) 0x28u64),
            P_LLDT => asm!("lldt {0:x}", in(reg) 0u64),
            P_CLI => asm!("cli"),
            P_STI => asm!("sti"),
            P_HLT => asm!("hlt"),
            P_IN => asm!("in al, dx", in("dx") 0x3f8u16, out("al") _),
            P_OUT => asm!("out dx, al", in("dx") 0x80u16, in("al") 0u8),
            P_INVLPG => asm!("invlpg [{}]", in(reg) p),
            P_SWAPGS => asm!("swapgs"),
            P_SYSRET => asm!("sysretq", in("rcx") 0u64, in("r11") 0x202u64),
            P_CLTS => asm!("clts"),
            P_WBINVD => asm!("wbinvd"),
            P_INVD => asm!("invd"),
            P_MOV_DR7 => asm!("mov dr7, {}", in(reg) 0u64),
            P_LMSW => asm!("lmsw {0:x}", in(reg) 1u64),
            P_XSETBV => asm!("xsetbv", in("ecx") 0, in("eax") 3, in("edx") 0),
            P_RDPMC => asm!("rdpmc", in("ecx") 0, out("eax") _, out("edx") _),
            P_SGDT => asm!("sgdt [{}]", in(reg) p),
            P_SIDT => asm!("sidt [{}]", in(reg) p),
            P_STR => asm!("str {0:x}", out(reg) _),
            P_SMSW => asm!("smsw {}", out(reg) _),
            P_STAC => asm!("stac"),
            P_INT_PF => asm!("int 14"),
            P_MOV_DS_KDATA => asm!("mov ds, {0:e}", in(reg) KDATA),
            P_MOV_SS_KDATA => asm!("mov ss, {0:e}", in(reg) KDATA),
            P_MOV_SS_UDATA => asm!("mov ss, {0:e}", in(reg) 0x1bu64),
            P_RETF_KCODE => asm!("push {k}", "lea {t}, [rip + 2f]", "push {t}", "retfq", "2:", k = in(reg) KCODE, t = out(reg) _),
            // REX.W FF /3 and FF /5: call and jmp far through an m16:64.
            P_CALLF_KCODE => asm!(".byte 0x48, 0xff, 0x18", in("rax") far_kcode.as_ptr()),
            P_JMPF_KCODE => asm!(".byte 0x48, 0xff, 0x28", in("rax") far_kcode.as_ptr()),
            P_CALLF_TSS => asm!(".byte 0x48, 0xff, 0x18", in("rax") far_tss.as_ptr()),
            P_IRETQ_KCODE => asm!(
                "mov {t}, rsp", "push {kd}", "push {t}", "push 2", "push {kc}", "lea {t}, [rip + 2f]", "push {t}", "iretq", "2:",
                kd = in(reg) KDATA, kc = in(reg) KCODE, t = out(reg) _,
            ),
            P_SYSENTER => asm!("sysenter"),
            P_IRETQ_CPL3 => asm!(
                "mov {t}, rsp", "push 0x1b", "push {t}", "pushfq", "push 0x23", "lea {t}, [rip + 2f]", "push {t}", "iretq", "2:",
                t = out(reg) _,
            ),
            _ => return [0, 0],
        }
    }
    [WENT_THROUGH, n]
}

/// RFLAGS after trying to raise IOPL to 3 and clear IF at CPL1.
fn flags(how: u64) -> u64 {
    let f: u64;
    // SAFETY: popfq and iretq at CPL1 with IOPL 0 leave IF and IOPL as
    // they are (no fault); the iretq returns to the next instruction on
    // the same stack, at CPL1.
    unsafe {
        if how == 0 {
            asm!("pushfq", "pop {t}", "and {t}, ~0x200", "or {t}, 0x3000", "push {t}", "popfq", "pushfq", "pop {f}", t = out(reg) _, f = out(reg) f);
        } else {
            asm!(
                "mov {t}, rsp", "push {ss}", "push {t}", "pushfq", "and qword ptr [rsp], ~0x200", "or qword ptr [rsp], 0x3000",
                "mov {t}, cs", "push {t}", "lea {t}, [rip + 2f]", "push {t}", "iretq", "2:", "pushfq", "pop {f}",
                ss = in(reg) 0x41u64, t = out(reg) _, f = out(reg) f,
            );
        }
    }
    f
}

/// Fills [start, start + len) with IRET frames to CPL0 at `krip`, on a
/// stack inside the range itself.
fn fill(start: u64, len: u64, krip: u64) {
    let words = [krip, KCODE, 2, start, KDATA];
    for (i, a) in (start..start + len).step_by(8).enumerate() {
        // SAFETY: the entry area's writable part (the kernel's stacks and
        // scratch word), which CPL1 can write: the kernel must keep no
        // state there between its entries.
        unsafe { core::ptr::write_volatile(a as *mut u64, words[i % 5]) };
    }
}

fn fill_rounds(start: u64, len: u64, krip: u64, cycles: u64) -> u64 {
    let end = cellux_rt::sys::rdtsc() + cycles;
    let mut rounds = 0;
    while cellux_rt::sys::rdtsc() < end {
        fill(start, len, krip);
        let _ = cellux_rt::sys::call(0, cellux_rt::abi::ops::self_op::NOP, [0; 6]);
        rounds += 1;
    }
    rounds
}

/// Plants an IRET frame to CPL0 in the ring-1 probe's frame slot, then
/// runs through the probe's routine (one `iretq`) again and again, so
/// that interrupts arrive with rip at the routine.
fn probe_loop(routine: u64, slot: u64, krip: u64, cycles: u64) -> u64 {
    for (i, w) in [krip, KCODE, 2, slot, KDATA].into_iter().enumerate() {
        // SAFETY: the probe's stack is in the entry area's writable part.
        unsafe { core::ptr::write_volatile((slot + i as u64 * 8) as *mut u64, w) };
    }
    let end = cellux_rt::sys::rdtsc() + cycles;
    let mut rounds = 0;
    while cellux_rt::sys::rdtsc() < end {
        for _ in 0..64 {
            // SAFETY: the routine is one `iretq`, which pops the frame
            // built here: back to the next instruction, at CPL1, on the
            // same stack.
            unsafe {
                asm!(
                    "mov {t}, rsp", "push {ss}", "push {t}", "pushfq", "mov {t}, cs", "push {t}", "lea {t}, [rip + 2f]", "push {t}",
                    "jmp {r}", "2:",
                    r = in(reg) routine, ss = in(reg) 0x41u64, t = out(reg) _,
                )
            };
        }
        rounds += 64;
    }
    rounds
}

/// A kernel call (`NOP`) made with RFLAGS.NT set.
fn nt_syscall() -> [u64; 2] {
    let (f, rax): (u64, u64);
    // SAFETY: NT only matters to `iret`; the kernel call preserves what
    // `sys::call` says, and the flags are read back before anything else.
    unsafe {
        asm!(
            "pushfq", "or qword ptr [rsp], 0x4000", "popfq",
            "syscall",
            "pushfq", "pop {f}",
            f = out(reg) f,
            inlateout("rax") cellux_rt::abi::ops::encode(0, cellux_rt::abi::ops::self_op::NOP) => rax,
            out("rcx") _, out("r11") _,
        )
    };
    [f, rax]
}

/// `mov ss` with TF set, `syscall` in its shadow.
pub fn movss_tf_syscall() -> [u64; 2] {
    let (f, rax): (u64, u64);
    // SAFETY: reloads ss with its own value; TF makes the CPU trap after
    // the instructions that follow (#DB, ours: our handler resumes or
    // ends); TF is cleared again before anything else runs.
    unsafe {
        asm!(
            "mov {s:e}, ss",
            "pushfq", "or qword ptr [rsp], 0x100", "popfq",
            "mov ss, {s:e}",
            "syscall",
            "pushfq", "pop {f}",
            "pushfq", "and qword ptr [rsp], ~0x100", "popfq",
            s = out(reg) _, f = out(reg) f,
            inlateout("rax") cellux_rt::abi::ops::encode(0, cellux_rt::abi::ops::self_op::NOP) => rax,
            out("rcx") _, out("r11") _,
        )
    };
    [f, rax]
}

/// A kernel call with every register wild, the stack pointer too.
fn wild_syscall() -> u64 {
    static mut SAVED_RSP: u64 = 0;
    let rax: u64;
    // SAFETY: rbx, rbp and rsp are saved first and restored from our own
    // memory after the call (the kernel returns to the next instruction,
    // at CPL1, with the wild rsp); every other register is declared
    // clobbered; the wild rflags in r11 may set DF, cleared again.
    unsafe {
        asm!(
            "push rbx", "push rbp",
            "mov [rip + {saved}], rsp",
            "mov rax, -1",
            "movabs rbx, 0xdeadbeefdeadbeef", "mov rcx, rbx", "mov rdx, rbx", "mov rsi, rbx", "mov rdi, rbx", "mov rbp, rbx",
            "mov r8, rbx", "mov r9, rbx", "mov r10, rbx", "mov r11, rbx", "mov r12, rbx", "mov r13, rbx", "mov r14, rbx", "mov r15, rbx",
            "mov rsp, rbx",
            "syscall",
            "mov rsp, [rip + {saved}]",
            "cld",
            "pop rbp", "pop rbx",
            saved = sym SAVED_RSP,
            out("rax") rax, out("rcx") _, out("rdx") _, out("rsi") _, out("rdi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _, out("r12") _, out("r13") _, out("r14") _, out("r15") _,
        )
    };
    rax
}
