//! The hostile CPL1 component (issue 11, deliverable 7; docs/ring1.md
//! step 6, kernel/README.md "The entry area"). khostile is not the LKL
//! server but is linked in the server region like it; loaded here, in a
//! boot without a server, its root becomes the region's owner and its
//! threads run at CPL1 (`sched::before_return`). Through its gate we ask
//! it for one attempt at a time on what CPL1 must never reach, with the
//! kernel's own addresses (`ksyms`, from the kernel's symbols at build
//! time). Each attempt must end in the fault the hardware protection
//! gives, delivered to our handler (which reports it with the registers,
//! as the booter does for the server), with the kernel running on; an
//! attempt that is not stopped returns to us and its check fails. Runs
//! last: the region stays khostile's for the rest of the boot.

use crate::inv::{OP_ADD, SRV_GATE};
use crate::{check, run, util, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{HW, SELF_CT, SELF_PT};
use cellux_rt::abi::ops::{captbl_op, thd_op, COMP_LINUX_ABI, PERM_WRITE, THD_DEAD};
use cellux_rt::abi::layout::in_server_region;
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::cap::{self, Hw};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{println, sys};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[path = "../khostile/ops.rs"]
mod ops;
use ops::*;

/// The token of khostile's fault gate into us.
pub const TOKEN: u64 = 0x4057_11e;

/// Where the kernel is linked and where the entry area aliases it
/// (kernel/src/arch/x86_64/entry.rs), and the direct map.
const KBASE: u64 = 0xffff_ffff_8000_0000;
const ENTRY_BASE: u64 = 0xffff_ff00_0000_0000;
const DIRECT_BASE: u64 = 0xffff_8000_0000_0000;
/// The entry tables' layout (desc.rs `Tables`): the IDT, then the GDT
/// (9 descriptors), then the TSS.
const GDT_AT: u64 = 4096;
const TSS_AT: u64 = 4096 + 9 * 8;
/// The kernel code descriptor (desc.rs), accessed bit preset.
const KCODE_DESC: u64 = 0x00af_9a00_0000_ffff | 1 << 40;
/// The ring-1 probe's IRET frame slot in its stack (ring1.rs FRAME_AT).
const PROBE_FRAME_AT: u64 = (512 - 5) * 8;

/// Page-fault error code bits.
const PF_P: u64 = 1;
const PF_W: u64 = 2;
const PF_ID: u64 = 0x10;

static GATE: AtomicU32 = AtomicU32::new(0);
static COMP: AtomicU32 = AtomicU32::new(0);
/// khostile's page table.
static PT: AtomicU32 = AtomicU32::new(0);
static HANDLER: AtomicU32 = AtomicU32::new(0);
/// A gate into khostile for a Linux-ABI component's handler.
static AS_HANDLER: AtomicU32 = AtomicU32::new(0);
static LAST_VECTOR: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_ERROR: AtomicU64 = AtomicU64::new(0);
static LAST_ADDR: AtomicU64 = AtomicU64::new(0);
static LAST_RIP: AtomicU64 = AtomicU64::new(0);
static LAST_RAX: AtomicU64 = AtomicU64::new(0);
static LAST_R12: AtomicU64 = AtomicU64::new(0);

/// The kernel's addresses from `ksyms`, image addresses.
#[derive(Clone, Copy, Default)]
struct Syms {
    tables: u64,
    ring1_stack: u64,
    entry_fast_stack: u64,
    entry_kernel_root: u64,
    entry_stack_start: u64,
    entry_stack_end: u64,
    entry_text_start: u64,
    entry_text_end: u64,
    isr_common: u64,
    kmain: u64,
    kstack_bottom: u64,
    return_to_frame: u64,
    ring1_probe_return: u64,
    syscall_entry: u64,
    /// The kernel has the Ring 1 design (khostile at CPL1).
    ring1: bool,
}

fn syms() -> Option<Syms> {
    let text = core::str::from_utf8(util::archive()?.find("ksyms")?.data).ok()?;
    let mut s = Syms::default();
    for line in text.lines() {
        let (name, v) = line.split_once(' ')?;
        let v = u64::from_str_radix(v.trim_start_matches("0x"), 16).ok()?;
        let f = match name {
            "tables" => &mut s.tables,
            "ring1_stack" => &mut s.ring1_stack,
            "entry_fast_stack" => &mut s.entry_fast_stack,
            "entry_kernel_root" => &mut s.entry_kernel_root,
            "entry_stack_start" => &mut s.entry_stack_start,
            "entry_stack_end" => &mut s.entry_stack_end,
            "entry_text_start" => &mut s.entry_text_start,
            "entry_text_end" => &mut s.entry_text_end,
            "isr_common" => &mut s.isr_common,
            "kmain" => &mut s.kmain,
            "kstack_bottom" => &mut s.kstack_bottom,
            "return_to_frame" => &mut s.return_to_frame,
            "ring1_probe_return" => &mut s.ring1_probe_return,
            "syscall_entry" => &mut s.syscall_entry,
            "ring1" => {
                s.ring1 = v == 1;
                continue;
            }
            _ => continue,
        };
        *f = v;
    }
    let all = [s.tables, s.ring1_stack, s.entry_fast_stack, s.entry_kernel_root, s.entry_stack_start, s.entry_stack_end, s.entry_text_start,
        s.entry_text_end, s.isr_common, s.kmain, s.kstack_bottom, s.return_to_frame, s.ring1_probe_return, s.syscall_entry];
    all.iter().all(|&a| a >= KBASE).then_some(s)
}

/// The entry area's alias of a kernel image address.
fn alias(image_va: u64) -> u64 {
    image_va - KBASE + ENTRY_BASE
}

pub fn all() {
    let k = syms();
    if k.is_some_and(|k| !k.ring1) {
        println!("hostile: the kernel is built without the Ring 1 design (CELLUX_RING1=0): no CPL1, no hostile.* tests");
        return;
    }
    run("hostile.kernel_symbols", || check(k.is_some(), "ksyms missing from the boot archive or incomplete"));
    let Some(k) = k else { return };
    let tables = alias(k.tables);
    let gdt = tables + GDT_AT;
    let tss = tables + TSS_AT;
    let direct = DIRECT_BASE + (k.kmain - KBASE);
    run("hostile.load_as_region_owner", load);
    run("hostile.runs_at_cpl1", runs_at_cpl1);
    run("hostile.reads_entry_tables", || check(read(gdt + 8) == Ok(KCODE_DESC), "the GDT's kernel code descriptor not where the symbols say"));
    // The entry area's read-only structures: each write faults and
    // changes nothing (read back).
    run("hostile.write_gdt_null_descriptor", || write_refused(gdt, |_| 0x5a));
    run("hostile.write_gdt_kernel_code_dpl", || write_refused(gdt + 8 + 5, |b| b | 0x60));
    run("hostile.write_idt_page_fault_gate_dpl", || write_refused(tables + 14 * 16 + 5, |b| b | 0x60));
    run("hostile.write_tss_rsp0", || write_refused(tss + 4, |b| b ^ 0x80));
    run("hostile.write_percpu_kernel_root", || write_refused(alias(k.entry_kernel_root), |b| b));
    run("hostile.write_percpu_fast_stack", || write_refused(alias(k.entry_fast_stack), |b| b));
    run("hostile.write_entry_code", || write_refused(alias(k.syscall_entry), |b| b));
    // The kernel's image and direct map are not in its root at all.
    run("hostile.read_kernel_image", || faults([READ64, k.kmain, 0, 0, 0], 14, Some(0), Some(k.kmain)));
    run("hostile.write_kernel_image", || faults([WRITE8, k.kmain, 0xcc, 0, 0], 14, Some(PF_W), Some(k.kmain)));
    run("hostile.read_direct_map", || faults([READ64, direct, 0, 0, 0], 14, Some(0), Some(direct)));
    run("hostile.write_direct_map", || faults([WRITE8, direct, 0xcc, 0, 0], 14, Some(PF_W), Some(direct)));
    run("hostile.jump_kernel_image", || faults([CALL, k.kmain, 0, 0, 0], 14, Some(PF_ID), Some(k.kmain)));
    run("hostile.jump_direct_map", || faults([CALL, direct, 0, 0, 0], 14, Some(PF_ID), Some(direct)));
    run("hostile.jump_entry_tables", || faults([CALL, gdt, 0, 0, 0], 14, Some(PF_P | PF_ID), Some(gdt)));
    let stack_ret = alias(k.kstack_bottom);
    run("hostile.jump_entry_stack", || faults([CALL, stack_ret, 0, 0, 0], 14, Some(PF_P | PF_ID), Some(stack_ret)));
    // Into the entry code itself at CPL1: it runs, and stops at its first
    // privileged instruction or its first reach outside the entry area.
    let entry_text = (alias(k.entry_text_start), alias(k.entry_text_end));
    let in_entry = move |rip: u64| rip >= entry_text.0 && rip < entry_text.1;
    run("hostile.jump_syscall_entry_as_server", || entry_fault([ENTER, alias(k.syscall_entry), 1 << 63, 0, 0], 13, 0, in_entry));
    run("hostile.jump_syscall_entry_as_process", || entry_fault([ENTER, alias(k.syscall_entry), 0, 0, 0], 13, 0, in_entry));
    // Its call into the kernel's Rust code, not in the root.
    run("hostile.jump_isr_common", || entry_fault([ENTER, alias(k.isr_common), 0, 15, 0], 14, PF_ID, in_entry));
    run("hostile.iretq_cpl0_frame_via_return_to_frame", || entry_fault([ENTER, alias(k.return_to_frame), 0, 0, 0], 13, 0x08, in_entry));
    run("hostile.iretq_cpl0_frame_via_probe_routine", || entry_fault([ENTER, alias(k.ring1_probe_return), 0, 17, 0], 13, 0x08, in_entry));
    // Privileged instructions and the kernel's selectors.
    run("hostile.priv_mov_cr3", || privileged(P_MOV_CR3, 13, 0));
    run("hostile.priv_mov_cr0", || privileged(P_MOV_CR0, 13, 0));
    run("hostile.priv_mov_cr4", || privileged(P_MOV_CR4, 13, 0));
    run("hostile.priv_read_cr3", || privileged(P_READ_CR3, 13, 0));
    run("hostile.priv_wrmsr", || privileged(P_WRMSR, 13, 0));
    run("hostile.priv_rdmsr", || privileged(P_RDMSR, 13, 0));
    run("hostile.priv_lgdt", || privileged(P_LGDT, 13, 0));
    run("hostile.priv_lidt", || privileged(P_LIDT, 13, 0));
    run("hostile.priv_ltr", || privileged(P_LTR, 13, 0));
    run("hostile.priv_lldt", || privileged(P_LLDT, 13, 0));
    run("hostile.priv_cli", || privileged(P_CLI, 13, 0));
    run("hostile.priv_sti", || privileged(P_STI, 13, 0));
    run("hostile.priv_hlt", || privileged(P_HLT, 13, 0));
    run("hostile.priv_in", || privileged(P_IN, 13, 0));
    run("hostile.priv_out", || privileged(P_OUT, 13, 0));
    run("hostile.priv_invlpg", || privileged(P_INVLPG, 13, 0));
    run("hostile.priv_swapgs", || privileged(P_SWAPGS, 13, 0));
    run("hostile.priv_sysretq", || privileged(P_SYSRET, 13, 0));
    run("hostile.priv_clts", || privileged(P_CLTS, 13, 0));
    run("hostile.priv_wbinvd", || privileged(P_WBINVD, 13, 0));
    run("hostile.priv_invd", || privileged(P_INVD, 13, 0));
    run("hostile.priv_mov_dr7", || privileged(P_MOV_DR7, 13, 0));
    run("hostile.priv_lmsw", || privileged(P_LMSW, 13, 0));
    run("hostile.priv_xsetbv", || privileged(P_XSETBV, 13, 0));
    run("hostile.priv_rdpmc", || privileged(P_RDPMC, 13, 0));
    run("hostile.umip_sgdt", || privileged(P_SGDT, 13, 0));
    run("hostile.umip_sidt", || privileged(P_SIDT, 13, 0));
    run("hostile.umip_str", || privileged(P_STR, 13, 0));
    run("hostile.umip_smsw", || privileged(P_SMSW, 13, 0));
    run("hostile.smap_stac", || privileged(P_STAC, 6, 0));
    run("hostile.int_page_fault_gate", int_page_fault_gate);
    run("hostile.sysenter", sysenter);
    run("hostile.selector_ds_kernel_data", || privileged(P_MOV_DS_KDATA, 13, 0x10));
    run("hostile.selector_ss_kernel_data", || privileged(P_MOV_SS_KDATA, 13, 0x10));
    run("hostile.selector_ss_user_data", || privileged(P_MOV_SS_UDATA, 13, 0x18));
    run("hostile.far_return_kernel_code", || privileged(P_RETF_KCODE, 13, 0x08));
    run("hostile.far_call_kernel_code", || privileged(P_CALLF_KCODE, 13, 0x08));
    run("hostile.far_jump_kernel_code", || privileged(P_JMPF_KCODE, 13, 0x08));
    run("hostile.far_call_tss", || privileged(P_CALLF_TSS, 13, 0x28));
    run("hostile.iretq_cpl0_frame", || privileged(P_IRETQ_KCODE, 13, 0x08));
    // Down to CPL3 it may go, but its region is supervisor-only there.
    run("hostile.iretq_to_cpl3_reaches_nothing", || faults([PRIV, P_IRETQ_CPL3, 0, 0, 0], 14, Some(PF_P | 4 | PF_ID), None));
    run("hostile.popf_keeps_if_and_iopl", || flags(0));
    run("hostile.iretq_keeps_if_and_iopl", || flags(1));
    run("hostile.syscall_with_wild_registers", wild_syscall);
    run("hostile.syscall_with_nested_task_flag", nt_syscall);
    run("hostile.syscall_in_mov_ss_shadow_single_step", movss);
    // The kernel's saved state: what CPL1 can write of the entry area
    // (the kernel's stacks and scratch word) it overwrites with frames
    // to CPL0, and the kernel, entered again and again, runs on.
    let (stack, stack_len) = (alias(k.entry_stack_start), k.entry_stack_end - k.entry_stack_start);
    run("hostile.entry_stack_rewritten_kernel_runs_on", || stack_rewrite(stack, stack_len, k.kmain));
    run("hostile.entry_stack_rewritten_fault_frame_intact", || fault_frame(stack, stack_len, k.kmain));
    let (routine, slot) = (alias(k.ring1_probe_return), alias(k.ring1_stack) + PROBE_FRAME_AT);
    run("hostile.probe_frame_slot_not_consumed", || probe_loop(routine, slot, k.kmain));
    run("hostile.fault_without_handler_ends_invocation", no_handler);
    run("hostile.fast_stack_unmapped_kernel_runs_on", fast_stack_unmapped);
    run("hostile.fast_stack_unmapped_exception_kernel_runs_on", fast_stack_unmapped_exception);
    run("hostile.kernel_runs_on", runs_on);
}

fn load() -> TestResult {
    let image = util::archive().and_then(|a| a.find("khostile")).ok_or("khostile not in the boot archive")?;
    let b = cellux_rt::loader::load(image.data, 0).map_err(|_| "khostile refused (is the region owned already?)")?;
    check(in_server_region(b.entry), "khostile not linked in the server region")?;
    let g = util::gate(&b, 0).ok_or("gate")?;
    let h = util::handler_gate(TOKEN).ok_or("handler gate")?;
    check(util::set_handler(b.comp, h), "set handler refused")?;
    // Its own page table (to unmap its fast stack) and that stack's page.
    cellux_rt::cap::Captbl(b.ct).copy(SELF_PT, b.pt).map_err(|_| "page table capability")?;
    let f = cellux_rt::mem::user_frames(1).map_err(|_| "frame")?;
    cellux_rt::mem::map(b.pt, FAST_STACK_PAGE, f, 1, PERM_WRITE).map_err(|_| "fast stack page refused")?;
    AS_HANDLER.store(util::gate(&b, 0).ok_or("gate")?, Ordering::Relaxed);
    GATE.store(g, Ordering::Relaxed);
    COMP.store(b.comp, Ordering::Relaxed);
    PT.store(b.pt, Ordering::Relaxed);
    HANDLER.store(h, Ordering::Relaxed);
    Ok(())
}

/// What became of one attempt.
enum Outcome {
    /// The fault ended it: our handler saw it (vector, error, address).
    Stopped(u64, u64, u64),
    /// It returned (rdi, rsi).
    Returned(u64, u64),
}

fn attempt(a: [u64; 5]) -> Result<Outcome, &'static str> {
    let g = GATE.load(Ordering::Relaxed);
    check(g != 0, "khostile not loaded")?;
    LAST_VECTOR.store(u64::MAX, Ordering::Relaxed);
    let r = sys::invoke(g, a);
    if r.rax == 0 {
        return Ok(Outcome::Returned(r.rdi, r.rsi));
    }
    check(r.rax as i64 == Error::Fault.as_ret(), "the invocation failed otherwise than by a fault")?;
    let v = LAST_VECTOR.load(Ordering::Relaxed);
    check(v != u64::MAX && r.rdi == v, "a fault our handler never saw")?;
    Ok(Outcome::Stopped(v, LAST_ERROR.load(Ordering::Relaxed), LAST_ADDR.load(Ordering::Relaxed)))
}

fn faults(a: [u64; 5], vector: u64, error: Option<u64>, addr: Option<u64>) -> TestResult {
    match attempt(a)? {
        Outcome::Returned(WENT_THROUGH, _) => Err("went through: not stopped at CPL1"),
        Outcome::Returned(..) => Err("returned without the attempt: not stopped at CPL1"),
        Outcome::Stopped(v, e, at) => {
            if v != vector || error.is_some_and(|x| x != e) || addr.is_some_and(|x| x != at) {
                println!("hostile: vector {} error {:#x} address {:#x}; expected {} {:?} {:?}", v, e, at, vector, error, addr);
                return Err("stopped by another fault than expected");
            }
            Ok(())
        }
    }
}

fn read(a: u64) -> Result<u64, &'static str> {
    match attempt([READ64, a, 0, 0, 0])? {
        Outcome::Returned(v, _) => Ok(v),
        Outcome::Stopped(..) => Err("read faulted"),
    }
}

/// A write of the byte `new(old)` at `a`: a present-page write fault at
/// `a`, and the byte unchanged after.
fn write_refused(a: u64, new: fn(u8) -> u8) -> TestResult {
    let before = read(a & !7)?;
    let old = (before >> ((a & 7) * 8)) as u8;
    let r = faults([WRITE8, a, new(old) as u64, 0, 0], 14, Some(PF_P | PF_W), Some(a));
    check(read(a & !7)? == before, "the write changed the kernel's structure")?;
    r
}

/// An attempt that runs the entry code at CPL1: stopped by the expected
/// fault, or, if an interrupt found it in the entry code first, by the
/// #GP the kernel makes of a return to the region's owner outside its
/// region (`sched::before_return`). Either way at an entry-code rip, but
/// a page fault's, which is at the kernel address the code reached for.
fn entry_fault(a: [u64; 5], vector: u64, error: u64, in_entry: impl Fn(u64) -> bool) -> TestResult {
    let Outcome::Stopped(v, e, at) = attempt(a)? else { return Err("went through: not stopped at CPL1") };
    let rip = LAST_RIP.load(Ordering::Relaxed);
    let expected = v == vector && e == error && if v == 14 { at >= KBASE && rip == at } else { in_entry(rip) };
    if expected || (v == 13 && e == 0 && in_entry(rip)) {
        return Ok(());
    }
    println!("hostile: vector {} error {:#x} address {:#x} rip {:#x}; expected {} {:#x}", v, e, at, rip, vector, error);
    Err("stopped by another fault than expected")
}

fn privileged(n: u64, vector: u64, error: u64) -> TestResult {
    faults([PRIV, n, 0, 0, 0], vector, Some(error), None)
}

/// `int 14` at CPL1: the gate's DPL 0 makes it #GP with an error code
/// naming the IDT entry (bit 1), never a page fault the kernel would
/// take for real. The index is in 8-byte units on hardware; QEMU's TCG
/// counts the 16-byte gates of long mode.
fn int_page_fault_gate() -> TestResult {
    match attempt([PRIV, P_INT_PF, 0, 0, 0])? {
        Outcome::Stopped(13, e, _) if e == 14 << 3 | 2 || e == 14 << 4 | 2 => Ok(()),
        Outcome::Stopped(v, e, _) => {
            println!("hostile: int 14 gave vector {} error {:#x}", v, e);
            Err("stopped by another fault than the gate's #GP")
        }
        Outcome::Returned(..) => Err("went through: not stopped at CPL1"),
    }
}

/// `sysenter` with IA32_SYSENTER_CS 0: #GP, or #UD where the CPU has no
/// `sysenter` in long mode (AMD's).
fn sysenter() -> TestResult {
    match attempt([PRIV, P_SYSENTER, 0, 0, 0])? {
        Outcome::Stopped(13 | 6, _, _) => Ok(()),
        Outcome::Stopped(..) => Err("stopped by another fault than expected"),
        Outcome::Returned(..) => Err("went through: not stopped at CPL1"),
    }
}

fn runs_at_cpl1() -> TestResult {
    match attempt([CPL, 0, 0, 0, 0])? {
        Outcome::Returned(cpl, sp) => {
            check(cpl == 1, "khostile does not run at CPL1")?;
            check(in_server_region(sp), "khostile's stack is not in the region")
        }
        Outcome::Stopped(..) => Err("faulted"),
    }
}

fn flags(how: u64) -> TestResult {
    match attempt([FLAGS, how, 0, 0, 0])? {
        Outcome::Returned(f, _) => {
            check(f & 0x200 != 0, "CPL1 cleared IF")?;
            check(f & 0x3000 == 0, "CPL1 raised IOPL")
        }
        Outcome::Stopped(..) => Err("faulted"),
    }
}

fn wild_syscall() -> TestResult {
    match attempt([WILD_SYSCALL, 0, 0, 0, 0])? {
        Outcome::Returned(rax, _) => check(rax as i64 == Error::NoCap.as_ret(), "a call on no capability did not fail with NoCap"),
        Outcome::Stopped(..) => Err("faulted"),
    }
}

/// RFLAGS.NT set by `popfq` before a kernel call: the kernel's `iretq`
/// back to CPL1 would raise #GP at CPL0 with NT still set in its own
/// flags (IA-32e mode has no task return), so entry must clear it.
fn nt_syscall() -> TestResult {
    match attempt([NT_SYSCALL, 0, 0, 0, 0])? {
        Outcome::Returned(f, rax) => {
            check(rax == 0, "the kernel call failed")?;
            check(f & 0x4000 == 0, "NT came back set")
        }
        Outcome::Stopped(..) => Err("faulted"),
    }
}

/// `mov ss; syscall` with TF set: the single-step trap held over the
/// `syscall` must reach the owner as its own #DB at CPL1 (or the call
/// return), never be taken at CPL0 on the caller's stack. (QEMU's TCG
/// delivers it after the call; hardware that takes it at the entry's
/// first instruction is not covered: see docs/ring1.md.)
fn movss() -> TestResult {
    match attempt([MOVSS_TF_SYSCALL, 0, 0, 0, 0])? {
        Outcome::Returned(_, rax) => check(rax == 0, "the kernel call failed"),
        Outcome::Stopped(v, _, _) => check(v == 1, "stopped by another fault than #DB"),
    }
}

fn counters() -> Result<cellux_rt::abi::counters::Counters, &'static str> {
    Hw(HW).counters().map_err(|_| "counters unreadable")
}

fn stack_rewrite(stack: u64, len: u64, krip: u64) -> TestResult {
    let c0 = counters()?;
    let r = attempt([FILL, stack, len, krip, sys::tsc_hz() / 20])?;
    let c1 = counters()?;
    let Outcome::Returned(rounds, _) = r else { return Err("the rewrite faulted") };
    check(rounds > 0, "no round made")?;
    check(c1.kcalls - c0.kcalls >= rounds, "the kernel calls were not made")?;
    check(c1.interrupts > c0.interrupts, "no interrupt came while the stacks were rewritten")
}

fn fault_frame(stack: u64, len: u64, krip: u64) -> TestResult {
    faults([FILL_UD2, stack, len, krip, 0], 6, Some(0), None)?;
    check(LAST_RIP.load(Ordering::Relaxed) == LAST_RAX.load(Ordering::Relaxed), "the trapped rip is not the ud2's")?;
    check(LAST_R12.load(Ordering::Relaxed) == MAGIC, "the trapped registers are not the component's")
}

/// The ring-1 probe's routine runs again and again with an IRET frame to
/// CPL0 planted in the probe's frame slot, until an interrupt finds rip
/// at the routine: the kernel must take it as the owner's interrupt, whose
/// rip outside its region it refuses as a #GP of the owner (never by
/// returning through the planted frame, which would run the kernel's
/// `kmain` at CPL0 and restart the kernel, as it once did).
fn probe_loop(routine: u64, slot: u64, krip: u64) -> TestResult {
    match attempt([PROBE_LOOP, routine, slot, krip, sys::tsc_hz()])? {
        Outcome::Returned(..) => Err("no interrupt found rip at the routine in a second"),
        Outcome::Stopped(v, _, _) => {
            check(v == 13, "stopped by another fault than #GP")?;
            check(LAST_RIP.load(Ordering::Relaxed) == routine, "the #GP was not at the routine")
        }
    }
}

/// With no handler the kernel reports the fault itself (vector, rip,
/// registers) and ends the invocation with `Fault`.
fn no_handler() -> TestResult {
    let comp = COMP.load(Ordering::Relaxed);
    check(util::set_handler(comp, 0), "clearing the handler refused")?;
    LAST_VECTOR.store(u64::MAX, Ordering::Relaxed);
    let r = sys::invoke(GATE.load(Ordering::Relaxed), [PRIV, P_CLI, 0, 0, 0]);
    check(util::set_handler(comp, HANDLER.load(Ordering::Relaxed)), "restoring the handler refused")?;
    check(r.rax as i64 == Error::Fault.as_ret(), "the invocation did not end with Fault")?;
    check(LAST_VECTOR.load(Ordering::Relaxed) == u64::MAX, "a handler ran though none was set")
}

/// khostile as the server of a Linux-ABI component: it names a fast-path
/// stack for the process's thread and unmaps it (khostile's
/// `cellux_exception`); the process's next `syscall` must not have the
/// entry code push onto the missing page at CPL0 (a double fault, once),
/// but take the slow path to khostile, which ends the thread.
fn fast_stack_unmapped() -> TestResult {
    let b = util::load("ktlinux", COMP_LINUX_ABI).ok_or("ktlinux")?;
    check(util::set_handler(b.comp, AS_HANDLER.load(Ordering::Relaxed)), "set handler")?;
    let thd = cellux_rt::slots::alloc();
    let kf = cellux_rt::mem::kernel_frame().map_err(|_| "kmem")?;
    sys::op(SELF_CT, captbl_op::NEW_THD, [thd as u64, b.comp as u64, kf, b.entry, 0, 0]).map_err(|_| "thread create")?;
    let deadline = sys::rdtsc() + sys::tsc_hz();
    while sys::op(thd, thd_op::STATE, [0; 6]) != Ok(THD_DEAD) && sys::rdtsc() < deadline {
        let _ = sys::rcv(false, sys::rdtsc() + sys::tsc_hz() / 1000);
    }
    check(sys::op(thd, thd_op::STATE, [0; 6]) == Ok(THD_DEAD), "the process's thread did not end")?;
    // khostile unmaps the page only once the kernel took its fast entry
    // and stack: the case happened.
    let gone = cellux_rt::cap::Pgtbl(PT.load(Ordering::Relaxed)).lookup(FAST_STACK_PAGE).is_err();
    check(gone, "khostile did not set the fast path up (its stack page is still mapped)")
}

/// The same with the process's second trap a page fault (khostile
/// resumes it at an unmapped address): the exception entry writes eight
/// words below the stack top, and must not either. The page is khostile's
/// again first (the previous case left it unmapped).
fn fast_stack_unmapped_exception() -> TestResult {
    let f = cellux_rt::mem::user_frames(1).map_err(|_| "frame")?;
    cellux_rt::mem::map(PT.load(Ordering::Relaxed), FAST_STACK_PAGE, f, 1, PERM_WRITE).map_err(|_| "fast stack page refused")?;
    fast_stack_unmapped()
}

fn runs_on() -> TestResult {
    check(matches!(attempt([CPL, 0, 0, 0, 0])?, Outcome::Returned(1, _)), "khostile no longer answers at CPL1")?;
    let r = sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_ADD, 40, 2, 0, 0]);
    check(r.rax == 0 && r.rdi == 42, "another component no longer answers")
}

/// khostile's faults: recorded for the checks and reported as the booter
/// reports a server's (name, fault, registers); the invocation ends.
pub fn handler(u: &Upcall) -> Action {
    let mut r = UserRegs::default();
    let regs = cap::exc_regs_read(&mut r).is_ok();
    LAST_ERROR.store(u.error, Ordering::Relaxed);
    LAST_ADDR.store(u.cr2, Ordering::Relaxed);
    LAST_RIP.store(r.rip, Ordering::Relaxed);
    LAST_RAX.store(r.rax, Ordering::Relaxed);
    LAST_R12.store(r.r12, Ordering::Relaxed);
    LAST_VECTOR.store(u.vector, Ordering::Relaxed);
    println!(
        "ktest: component 'khostile' (the region's owner) faulted: vector {} error {:#x} address {:#x} rip {:#x} rsp {:#x} rflags {:#x}{}",
        u.vector, u.error, u.cr2, r.rip, r.rsp, r.rflags, if regs { "" } else { " (registers unreadable)" }
    );
    Action::End(u.vector)
}
