//! Exception call-gates: CPU exceptions of a server component and `syscall`
//! of a Linux-ABI component delivered to this component's handler on the
//! same thread, register-file access, resume and end; and the refusals.

use crate::inv::{SRV_COMP, SRV_GATE};
use crate::{check, run, util, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::SELF_PT;
use cellux_rt::abi::ops::{self, self_op, PERM_WRITE, VEC_SYSCALL};
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{mem, sys, thread};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const OP_READ: u64 = 3;
const OP_WRITE: u64 = 4;
const OP_CLI: u64 = 5;
const OP_UD2: u64 = 6;
const OP_INT3: u64 = 7;
const OP_DIV0: u64 = 8;
const OP_WRMSR: u64 = 10;
const OP_SGDT: u64 = 13;
const OP_SIDT: u64 = 14;
const OP_SLDT: u64 = 15;
const OP_SMSW: u64 = 16;
const OP_STR: u64 = 17;
const OP_IN: u64 = 18;
const OP_OUT: u64 = 19;
const OP_POPF: u64 = 20;

const HANDLER_TOKEN: u64 = 0xee;
const LINUX_TOKEN: u64 = 0x11;

static LAST_VECTOR: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_ADDR: AtomicU64 = AtomicU64::new(0);
static LAST_TID: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_TOKEN: AtomicU64 = AtomicU64::new(0);
static LAST_RIP: AtomicU64 = AtomicU64::new(0);
static LINUX_GATE: AtomicU32 = AtomicU32::new(0);

pub fn all() {
    run("exc.register_handler", register);
    run("exc.read_unmapped_address", || fault_test(OP_READ, 0x7000_0000, 14, Some(0x7000_0000)));
    run("exc.read_kernel_memory", || fault_test(OP_READ, 0xffff_ffff_8010_0000, 14, Some(0xffff_ffff_8010_0000)));
    run("exc.write_kernel_memory", || fault_test(OP_WRITE, 0xffff_8000_0000_1000, 14, Some(0xffff_8000_0000_1000)));
    run("exc.read_other_component_memory", read_other);
    run("exc.privileged_instruction", || fault_test(OP_CLI, 0, 13, None));
    run("exc.privileged_msr_write", || fault_test(OP_WRMSR, 0, 13, None));
    run("exc.invalid_opcode", || fault_test(OP_UD2, 0, 6, None));
    run("exc.umip_sgdt", || fault_test(OP_SGDT, 0, 13, None));
    run("exc.umip_sidt", || fault_test(OP_SIDT, 0, 13, None));
    run("exc.umip_sldt", || fault_test(OP_SLDT, 0, 13, None));
    run("exc.umip_smsw", || fault_test(OP_SMSW, 0, 13, None));
    run("exc.umip_str", || fault_test(OP_STR, 0, 13, None));
    run("exc.iopl0_port_in", || fault_test(OP_IN, 0, 13, None));
    run("exc.iopl0_port_out", || fault_test(OP_OUT, 0, 13, None));
    run("exc.iopl0_popf_keeps_if_and_iopl", popf);
    run("exc.breakpoint_resumes", breakpoint);
    run("exc.divide_error_rewrites_registers", divide);
    run("exc.single_step_over_system_call", single_step);
    run("exc.random_register_files_resumed", random_regs);
    run("exc.no_handler_ends_invocation", no_handler);
    run("linux.load_linux_abi_component", load_linux);
    run("linux.syscalls_trap_to_handler", linux_syscalls);
    run("linux.syscall_without_handler", linux_no_handler);
    run("linux.process_thread_traps_and_ends", linux_thread);
    run("linux.interrupt_busy_thread", interrupt_busy);
    run("linux.interrupt_in_handler_waits_for_resume", interrupt_in_handler);
    run("linux.interrupt_refusals", interrupt_refusals);
}

fn register() -> TestResult {
    let g = util::handler_gate(HANDLER_TOKEN).ok_or("handler gate")?;
    check(util::set_handler(SRV_COMP.load(Ordering::Relaxed), g), "set handler refused")?;
    check(sys::op(SRV_COMP.load(Ordering::Relaxed), ops::comp_op::SET_HANDLER, [9999, 0, 0, 0, 0, 0]) == Err(Error::NoCap), "bogus gate accepted")?;
    check(util::set_handler(SRV_COMP.load(Ordering::Relaxed), g), "set handler again refused")
}

fn fault_test(op: u64, addr: u64, vector: u64, cr2: Option<u64>) -> TestResult {
    LAST_VECTOR.store(u64::MAX, Ordering::Relaxed);
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [op, addr, 0, 0, 0]);
    check(r.rax as i64 == Error::Fault.as_ret(), "invocation did not end with Fault")?;
    check(r.rdi == vector, "handler's end code (vector) not passed back")?;
    check(LAST_VECTOR.load(Ordering::Relaxed) == vector, "wrong vector delivered")?;
    check(LAST_TID.load(Ordering::Relaxed) == thread::current(), "handler ran on another thread")?;
    check(LAST_TOKEN.load(Ordering::Relaxed) == HANDLER_TOKEN, "wrong handler token")?;
    if let Some(a) = cr2 {
        check(LAST_ADDR.load(Ordering::Relaxed) == a, "wrong fault address")?;
    }
    check(LAST_RIP.load(Ordering::Relaxed) >= 0x400000, "register file not readable")
}

/// popf at CPL3 may neither clear IF nor raise IOPL: no trap, no effect.
fn popf() -> TestResult {
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_POPF, 0, 0, 0, 0]);
    check(r.rax == 0, "invocation failed")?;
    check(r.rdi & 0x200 != 0, "popf cleared IF at user level")?;
    check(r.rdi & 0x3000 == 0, "popf raised IOPL at user level")
}

fn read_other() -> TestResult {
    // Memory only we map; the server's page table does not have it.
    let va = 0x5800_0000;
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    mem::map(SELF_PT, va, k, 1, PERM_WRITE).map_err(|_| "map")?;
    // SAFETY: just mapped writable in our own page table.
    unsafe { core::ptr::write_volatile(va as *mut u64, 0x5ec2e7) };
    fault_test(OP_READ, va, 14, Some(va))
}

fn breakpoint() -> TestResult {
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_INT3, 0, 0, 0, 0]);
    check(LAST_VECTOR.load(Ordering::Relaxed) == 3, "no #BP delivered")?;
    check(r.rax == 0 && r.rdi == 77, "server did not resume after int3")
}

fn divide() -> TestResult {
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_DIV0, 0, 0, 0, 0]);
    check(LAST_VECTOR.load(Ordering::Relaxed) == 0, "no #DE delivered")?;
    check(r.rax == 0 && r.rdi == 4242, "handler's register rewrite not seen")
}

fn single_step() -> TestResult {
    LAST_VECTOR.store(u64::MAX, Ordering::Relaxed);
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [12, 0, 0, 0, 0]);
    check(LAST_VECTOR.load(Ordering::Relaxed) == 1, "no #DB delivered")?;
    check(r.rax == 0 && r.rdi == 55, "server did not finish after single-stepping")
}

static FUZZ_LEFT: AtomicU64 = AtomicU64::new(0);
static FUZZ_SEED: AtomicU64 = AtomicU64::new(0x2545_f491_4f6c_dd1d);
static FUZZ_REFUSED: AtomicU64 = AtomicU64::new(0);

fn rnd() -> u64 {
    let mut s = FUZZ_SEED.load(Ordering::Relaxed);
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    FUZZ_SEED.store(s, Ordering::Relaxed);
    s
}

/// The handler resumes faults with random register files (any rip, rsp,
/// rflags, GPRs; kernel and non-canonical values included): the kernel
/// refuses what it must and delivers whatever the resumed code does next.
fn random_regs() -> TestResult {
    let (mut resumed, mut rounds) = (0, 0);
    FUZZ_REFUSED.store(0, Ordering::Relaxed);
    while resumed < 100 && rounds < 6 {
        rounds += 1;
        // A server without the hardware capability: random code paths in
        // it can not power the machine off.
        let b = util::load_bare("ktsrv").ok_or("ktsrv")?;
        let g = util::gate(&b, 0).ok_or("gate")?;
        let h = util::handler_gate(HANDLER_TOKEN).ok_or("handler gate")?;
        check(util::set_handler(b.comp, h), "set handler")?;
        FUZZ_LEFT.store(300, Ordering::Relaxed);
        let r = sys::invoke(g, [OP_UD2, 0, 0, 0, 0]);
        resumed += 300 - FUZZ_LEFT.swap(0, Ordering::Relaxed);
        // The random code may also have found its way back out (a return
        // path in the server): any clean end of the invocation is fine.
        check(r.rax == 0 || r.rax as i64 == Error::Fault.as_ret(), "fuzzed invocation ended with a strange error")?;
        for s in [g, h, b.comp, b.ct, b.pt] {
            sys::op(cellux_rt::abi::layout::boot_slot::SELF_CT, ops::captbl_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).map_err(|_| "teardown")?;
            cellux_rt::slots::free(s);
        }
    }
    cellux_rt::println!("regs fuzz: {} faults resumed with random registers, {} register files refused", resumed, FUZZ_REFUSED.load(Ordering::Relaxed));
    check(resumed >= 50, "too few faults were resumed with random registers")?;
    check(FUZZ_REFUSED.load(Ordering::Relaxed) > 0, "no bad register file refused")?;
    check(sys::invoke(SRV_GATE.load(Ordering::Relaxed), [1, 2, 3, 0, 0]).rdi == 5, "server broken")
}

fn fuzz_regs(mut regs: UserRegs) -> Action {
    let pick = |r: u64| match r % 6 {
        0 => 0x400000 + r % 0x3000,
        1 => r & 0x0000_7fff_ffff_ffff,
        2 => 0xffff_ffff_8010_0000 + r % 0x1000,
        3 => 0x8000_0000_0000_0000 | r,
        4 => 0,
        _ => r,
    };
    regs.rip = pick(rnd());
    regs.rsp = pick(rnd());
    regs.rflags = rnd();
    regs.rax = rnd();
    regs.rcx = rnd();
    regs.r11 = rnd();
    regs.fs_base = pick(rnd());
    if !write_regs(&regs) {
        FUZZ_REFUSED.fetch_add(1, Ordering::Relaxed);
        regs.rip = 0x400000 + rnd() % 0x3000;
        regs.rsp = rnd() & 0x0000_7fff_ffff_ffff;
        regs.fs_base = 0;
        if !write_regs(&regs) {
            return Action::End(95);
        }
    }
    Action::Resume
}

fn no_handler() -> TestResult {
    let c = SRV_COMP.load(Ordering::Relaxed);
    check(util::set_handler(c, 0), "clearing handler refused")?;
    LAST_VECTOR.store(u64::MAX, Ordering::Relaxed);
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_READ, 0, 0, 0, 0]);
    check(r.rax as i64 == Error::Fault.as_ret(), "fault without handler did not end the invocation")?;
    check(LAST_VECTOR.load(Ordering::Relaxed) == u64::MAX, "a removed handler was called")?;
    // The server still works afterwards.
    check(sys::invoke(SRV_GATE.load(Ordering::Relaxed), [1, 2, 3, 0, 0]).rdi == 5, "server broken after fault")
}

fn load_linux() -> TestResult {
    let b = util::load("ktlinux", ops::COMP_LINUX_ABI).ok_or("ktlinux could not be built")?;
    let g = util::gate(&b, 0).ok_or("gate")?;
    let h = util::handler_gate(LINUX_TOKEN).ok_or("handler gate")?;
    check(util::set_handler(b.comp, h), "set handler")?;
    LINUX_GATE.store(g, Ordering::Relaxed);
    Ok(())
}

fn linux_syscalls() -> TestResult {
    let r = sys::invoke(LINUX_GATE.load(Ordering::Relaxed), [0, 0, 0, 0, 0]);
    check(r.rax as i64 == Error::Fault.as_ret(), "exit did not end the invocation")?;
    check(LAST_TOKEN.load(Ordering::Relaxed) == LINUX_TOKEN && LAST_TID.load(Ordering::Relaxed) == thread::current(), "wrong thread/token")?;
    match r.rdi {
        0 => Ok(()),
        s if s & 1 != 0 => Err("getpid result not delivered"),
        s if s & 2 != 0 => Err("syscall arguments not delivered"),
        s if s & 4 != 0 => Err("registers or SSE state not preserved across the trap"),
        s if s & 8 != 0 => Err("register-file write not seen"),
        s if s & 16 != 0 => Err("FS base write not seen"),
        s if s & 32 != 0 => Err("trapped SSE state not readable/writable by the handler"),
        _ => Err("linux component failed"),
    }
}

fn linux_no_handler() -> TestResult {
    let b = util::load("ktlinux", ops::COMP_LINUX_ABI).ok_or("ktlinux")?;
    let g = util::gate(&b, 0).ok_or("gate")?;
    let r = sys::invoke(g, [0, 0, 0, 0, 0]);
    check(r.rax as i64 == Error::Fault.as_ret(), "syscall without handler not refused")?;
    // The kernel and we are still fine: another component still answers.
    check(sys::invoke(SRV_GATE.load(Ordering::Relaxed), [1, 2, 3, 0, 0]).rdi == 5, "server broken")
}

#[repr(C, align(16))]
struct Fpu([u8; 512]);

static EXIT_STATUS: AtomicU64 = AtomicU64::new(u64::MAX);
static EXIT_TID: AtomicU64 = AtomicU64::new(u64::MAX);

/// A thread whose home is the Linux-ABI component, as a process's thread
/// will be: its syscalls come to us on that thread, and exit ends it.
fn linux_thread() -> TestResult {
    use cellux_rt::abi::layout::boot_slot::SELF_CT;
    use cellux_rt::abi::ops::captbl_op;
    let b = util::load("ktlinux", ops::COMP_LINUX_ABI).ok_or("ktlinux")?;
    let h = util::handler_gate(LINUX_TOKEN + 1).ok_or("handler gate")?;
    check(util::set_handler(b.comp, h), "set handler")?;
    EXIT_STATUS.store(u64::MAX, Ordering::Relaxed);
    let thd = cellux_rt::slots::alloc();
    let kf = mem::kernel_frame().map_err(|_| "kmem")?;
    let tid = sys::op(SELF_CT, captbl_op::NEW_THD, [thd as u64, b.comp as u64, kf, b.entry, 0, 0]).map_err(|_| "thread create")?;
    let deadline = sys::rdtsc() + sys::tsc_hz();
    while EXIT_STATUS.load(Ordering::Acquire) == u64::MAX && sys::rdtsc() < deadline {
        let _ = sys::rcv(false, sys::rdtsc() + sys::tsc_hz() / 1000);
    }
    check(EXIT_STATUS.load(Ordering::Acquire) == 0, "process thread did not exit cleanly")?;
    check(EXIT_TID.load(Ordering::Relaxed) == tid, "handler ran on another thread")?;
    check(sys::op(thd, ops::thd_op::STATE, [0; 6]) == Ok(ops::THD_DEAD), "thread still alive after exit")
}

/// Interrupt upcalls of the busy threads below: how many, and the
/// interrupted rax and r12 of the last one.
const INTR_TOKEN: u64 = LINUX_TOKEN + 2;
static INTR_SEEN: AtomicU64 = AtomicU64::new(0);
static INTR_RAX: AtomicU64 = AtomicU64::new(0);
static INTR_R12: AtomicU64 = AtomicU64::new(0);
/// Interrupts the handler lets resume before it ends the thread.
static INTR_RESUMES: AtomicU64 = AtomicU64::new(0);
/// The thread capability of the mode-4 thread, and what INTERRUPT of
/// itself answered from inside its syscall's handler.
static INTR_SELF: AtomicU32 = AtomicU32::new(0);
static INTR_SELF_RET: AtomicU64 = AtomicU64::new(u64::MAX);
static INTR_DEAD: AtomicU32 = AtomicU32::new(0);

/// A ktlinux thread in `mode` (3: busy, 4: one trap then busy), with the
/// interrupt test's handler.
fn busy_linux_thread(mode: u64) -> Result<(u32, u64), &'static str> {
    use cellux_rt::abi::layout::boot_slot::SELF_CT;
    use cellux_rt::abi::ops::captbl_op;
    let b = util::load("ktlinux", ops::COMP_LINUX_ABI).ok_or("ktlinux")?;
    let h = util::handler_gate(INTR_TOKEN).ok_or("handler gate")?;
    check(util::set_handler(b.comp, h), "set handler")?;
    let thd = cellux_rt::slots::alloc();
    let kf = mem::kernel_frame().map_err(|_| "kmem")?;
    let tid = sys::op(SELF_CT, captbl_op::NEW_THD, [thd as u64, b.comp as u64, kf, b.entry, mode, 0]).map_err(|_| "thread create")?;
    Ok((thd, tid))
}

/// Lets other threads run until `cond` holds (at most a second).
fn wait_until(cond: impl Fn() -> bool) -> bool {
    let deadline = sys::rdtsc() + sys::tsc_hz();
    while !cond() && sys::rdtsc() < deadline {
        let _ = sys::rcv(false, sys::rdtsc() + sys::tsc_hz() / 1000);
    }
    cond()
}

/// A thread spinning in user mode of a Linux-ABI component is upcalled
/// to its handler with its register file, resumes, and is interrupted
/// again.
fn interrupt_busy() -> TestResult {
    INTR_SEEN.store(0, Ordering::Relaxed);
    INTR_R12.store(0, Ordering::Relaxed);
    INTR_RESUMES.store(1, Ordering::Relaxed);
    let (thd, _) = busy_linux_thread(3)?;
    // Let it reach its loop.
    let t0 = sys::rdtsc();
    while sys::rdtsc() < t0 + sys::tsc_hz() / 50 {
        let _ = sys::rcv(false, sys::rdtsc() + sys::tsc_hz() / 1000);
    }
    check(sys::op(thd, ops::thd_op::INTERRUPT, [0; 6]) == Ok(0), "busy thread not interrupted at once")?;
    check(wait_until(|| INTR_SEEN.load(Ordering::Acquire) == 1), "no interrupt upcall")?;
    check(INTR_R12.load(Ordering::Relaxed) == 0x5157, "interrupted register file is not the busy loop's")?;
    check(sys::op(thd, ops::thd_op::STATE, [0; 6]) != Ok(ops::THD_DEAD), "resumed thread died")?;
    check(sys::op(thd, ops::thd_op::INTERRUPT, [0; 6]) == Ok(0), "second interrupt refused")?;
    check(wait_until(|| sys::op(thd, ops::thd_op::STATE, [0; 6]) == Ok(ops::THD_DEAD)), "second interrupt did not end it")?;
    check(INTR_SEEN.load(Ordering::Relaxed) == 2, "wrong number of interrupt upcalls")?;
    INTR_DEAD.store(thd, Ordering::Relaxed);
    Ok(())
}

/// INTERRUPT of a thread inside its handler marks it: the resume becomes
/// the interrupt upcall, with the resumed registers, before any user
/// instruction runs.
fn interrupt_in_handler() -> TestResult {
    INTR_SEEN.store(0, Ordering::Relaxed);
    INTR_RESUMES.store(0, Ordering::Relaxed);
    INTR_SELF_RET.store(u64::MAX, Ordering::Relaxed);
    INTR_RAX.store(0, Ordering::Relaxed);
    let (thd, _) = busy_linux_thread(4)?;
    INTR_SELF.store(thd, Ordering::Release);
    check(wait_until(|| sys::op(thd, ops::thd_op::STATE, [0; 6]) == Ok(ops::THD_DEAD)), "thread not ended by the deferred interrupt")?;
    check(INTR_SELF_RET.load(Ordering::Relaxed) == 1, "INTERRUPT from inside the handler did not answer 'marked'")?;
    check(INTR_SEEN.load(Ordering::Relaxed) == 1, "no interrupt upcall at resume")?;
    check(INTR_RAX.load(Ordering::Relaxed) == 0x503, "interrupt upcall does not carry the resumed registers")
}

fn interrupt_refusals() -> TestResult {
    use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_THD};
    check(sys::op(9999, ops::thd_op::INTERRUPT, [0; 6]) == Err(Error::NoCap), "bad capability accepted")?;
    check(sys::op(SELF_COMP, ops::thd_op::INTERRUPT, [0; 6]).is_err(), "component capability accepted")?;
    check(sys::op(SELF_THD, ops::thd_op::INTERRUPT, [0; 6]) == Err(Error::Inval), "non-Linux-ABI thread accepted")?;
    let dead = INTR_DEAD.load(Ordering::Relaxed);
    check(dead != 0, "no dead thread from the earlier test")?;
    check(sys::op(dead, ops::thd_op::INTERRUPT, [0; 6]) == Err(Error::ThreadState), "dead thread accepted")
}

fn interrupt_handler(u: &Upcall, regs: UserRegs) -> Action {
    if u.vector == VEC_SYSCALL && u.rax == 503 {
        let me = INTR_SELF.load(Ordering::Acquire);
        let r = sys::op(me, ops::thd_op::INTERRUPT, [0; 6]).unwrap_or(u64::MAX - 1);
        INTR_SELF_RET.store(r, Ordering::Relaxed);
        return Action::ResumeRax(0x503);
    }
    if u.vector != ops::VEC_INTERRUPT {
        return Action::End(u.vector);
    }
    INTR_RAX.store(regs.rax, Ordering::Relaxed);
    INTR_R12.store(regs.r12, Ordering::Relaxed);
    INTR_SEEN.fetch_add(1, Ordering::Release);
    if INTR_RESUMES.load(Ordering::Relaxed) > 0 {
        INTR_RESUMES.fetch_sub(1, Ordering::Relaxed);
        return Action::Resume;
    }
    Action::End(0)
}

fn read_regs() -> UserRegs {
    let mut r = UserRegs::default();
    let _ = sys::op(0, self_op::EXC_REGS_READ, [&mut r as *mut UserRegs as u64, 0, 0, 0, 0, 0]);
    r
}

fn write_regs(r: &UserRegs) -> bool {
    sys::op(0, self_op::EXC_REGS_WRITE, [r as *const UserRegs as u64, 0, 0, 0, 0, 0]).is_ok()
}

/// Clobbers SSE registers the trapped thread uses, as a real handler's
/// code may: the kernel must restore the trapped thread's state.
fn clobber_sse() {
    // SAFETY: writes xmm registers only, declared clobbered.
    unsafe { core::arch::asm!("pcmpeqd xmm6, xmm6", "pcmpeqd xmm0, xmm0", out("xmm6") _, out("xmm0") _) };
}

pub fn handler(u: &Upcall) -> Action {
    if u.token == crate::hostile::TOKEN {
        return crate::hostile::handler(u);
    }
    LAST_VECTOR.store(u.vector, Ordering::Relaxed);
    LAST_ADDR.store(u.cr2, Ordering::Relaxed);
    LAST_TID.store(u.tid, Ordering::Relaxed);
    LAST_TOKEN.store(u.token, Ordering::Relaxed);
    let mut regs = read_regs();
    LAST_RIP.store(regs.rip, Ordering::Relaxed);
    if u.token == HANDLER_TOKEN && FUZZ_LEFT.load(Ordering::Relaxed) > 0 {
        return if FUZZ_LEFT.fetch_sub(1, Ordering::Relaxed) == 1 { Action::End(u.vector) } else { fuzz_regs(regs) };
    }
    if u.token == INTR_TOKEN {
        return interrupt_handler(u, regs);
    }
    if u.vector == VEC_SYSCALL {
        return linux_syscall(u, regs);
    }
    match u.vector {
        3 => Action::Resume,
        1 => {
            regs.rflags &= !0x100;
            if write_regs(&regs) { Action::Resume } else { Action::End(96) }
        }
        0 => {
            regs.rip += 3;
            regs.rax = 4242;
            if write_regs(&regs) { Action::Resume } else { Action::End(99) }
        }
        v => Action::End(v),
    }
}

fn linux_syscall(u: &Upcall, mut regs: UserRegs) -> Action {
    clobber_sse();
    match u.rax {
        39 => Action::ResumeRax(1234),
        500 => Action::ResumeRax(u.rdi + u.rsi + u.rdx + u.r10 + u.r8 + u.r9),
        501 => {
            regs.r12 = 0xabcd;
            regs.rax = 0;
            if write_regs(&regs) { Action::Resume } else { Action::End(98) }
        }
        158 if u.rdi == 0x1002 => {
            regs.fs_base = u.rsi;
            regs.rax = 0;
            if write_regs(&regs) { Action::Resume } else { Action::End(97) }
        }
        502 => {
            // fxsave image: xmm registers start at byte 160, 16 bytes each.
            let mut img = Fpu([0; 512]);
            let read = sys::op(0, self_op::EXC_FPU_READ, [img.0.as_mut_ptr() as u64, 0, 0, 0, 0, 0]).is_ok();
            let x1 = u64::from_le_bytes(img.0[176..184].try_into().unwrap_or([0; 8]));
            img.0[176..184].copy_from_slice(&0x5eed_5eed_5eed_5eedu64.to_le_bytes());
            let wrote = sys::op(0, self_op::EXC_FPU_WRITE, [img.0.as_ptr() as u64, 0, 0, 0, 0, 0]).is_ok();
            Action::ResumeRax((read && wrote && x1 == 0x0bad_c0de_0bad_c0de) as u64)
        }
        60 => {
            if u.token == LINUX_TOKEN + 1 {
                EXIT_TID.store(u.tid, Ordering::Relaxed);
                EXIT_STATUS.store(u.rdi, Ordering::Release);
            }
            Action::End(u.rdi)
        }
        _ => Action::ResumeRax(-38i64 as u64),
    }
}

