//! The booter (constructor): the first component. It reads the boot
//! archive the kernel mapped for it, builds the scheduler and the
//! components named in the archive's `init` entry, hands each its
//! capabilities and a share of untyped memory, and starts the scheduler.
//!
//! It stays the exception handler of every component it built: none of
//! them (the scheduler, the LKL server) handles its own faults, and the
//! system cannot go on without any of them, so a fault or a panic in one
//! is reported here (the component's name, the fault, its registers) and
//! powers the machine off with `exit_status::COMPONENT_FAULT`, which
//! scripts/run names. The disk is left as a power cut leaves it: Linux's
//! journal makes it consistent at the next mount.
#![no_std]
#![no_main]

use cellux_rt::abi::archive::Archive;
use cellux_rt::abi::layout::{boot_slot, in_server_region, BOOT_ARCHIVE_VA, SERVER_ARCHIVE_VA};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::{CLIENT_BASE, CLIENT_STRIDE};
use cellux_rt::abi::ops::exit_status;
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::cap::{self, Captbl, Comp as CompCap, Hw, Pgtbl, Thd, Untyped};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{loader, mem, println, slots, sys, thread};
use core::sync::atomic::{AtomicU64, Ordering};

const SCHED_MEM: u64 = 8 << 20;
/// What the booter keeps for building the components (their images, page
/// tables, threads); the rest of RAM is shared out among the apps.
const BOOTER_MEM: u64 = 16 << 20;
/// Less than this per app and the system could not run a process.
const APP_MIN: u64 = 64 << 20;
const APP_ALIGN: u64 = 2 << 20;
const MAX_APPS: usize = 3;

fn fail(msg: core::fmt::Arguments) -> ! {
    println!("booter: {}", msg);
    sys::power_off(false)
}

struct Comp {
    ct: u32,
    comp: u32,
    thd: u32,
    entry: u64,
}

/// Where the boot archive lies past BOOT_ARCHIVE_VA, for the fault report
/// to find the components' names again.
static ARCHIVE_OFF: AtomicU64 = AtomicU64::new(0);

fn archive(off: u64) -> Archive<'static> {
    let base = BOOT_ARCHIVE_VA + off;
    // SAFETY: the kernel mapped the whole archive read-only at this
    // address; its length field is at offset 16 and the parser checks it
    // against the bytes (and their checksum) before trusting anything.
    let bytes = unsafe {
        let total = core::ptr::read_unaligned((base + 16) as *const u64).min(1 << 30);
        core::slice::from_raw_parts(base as *const u8, total as usize)
    };
    Archive::parse(bytes).unwrap_or_else(|e| fail(format_args!("boot archive refused: {:?}", e)))
}

/// A kernel operation the boot can not go on without.
fn must<T>(r: Result<T, Error>, what: &str) -> T {
    r.unwrap_or_else(|e| fail(format_args!("{} failed: {:?}", what, e)))
}

/// Builds component `name` with a thread whose scheduler is `sched_thd`
/// (a thread slot in our table, 0 for none) and `mem_range` of memory.
fn build(ar: &Archive, name: &str, sched_thd: u32, mem_first: u64, mem_frames: u64, arg: u64) -> Comp {
    let e = ar.find(name).unwrap_or_else(|| fail(format_args!("component '{}' is not in the boot archive", name)));
    let b = loader::load(e.data, 0).unwrap_or_else(|err| fail(format_args!("component image '{}' refused: {:?}", name, err)));
    let (own, ct) = (Captbl(boot_slot::SELF_CT), Captbl(b.ct));
    let copy = |dst: u32, src: u32| must(ct.copy(dst, src), "cap copy");
    copy(boot_slot::SELF_CT, b.ct);
    copy(boot_slot::SELF_PT, b.pt);
    copy(boot_slot::SELF_COMP, b.comp);
    copy(boot_slot::HW, boot_slot::HW);
    must(ct.new_untyped(boot_slot::UNTYPED, mem::UT, mem_first, mem_frames), "untyped carve");
    // The archive, read-only, where we have it; the server (the one
    // component linked in its region) keeps it in the region too.
    let at = if in_server_region(b.entry) { SERVER_ARCHIVE_VA } else { BOOT_ARCHIVE_VA };
    let mut off = 0;
    while let Ok((f, _)) = Pgtbl(boot_slot::SELF_PT).lookup(BOOT_ARCHIVE_VA + off) {
        mem::map(b.pt, at + off, cellux_rt::abi::ops::kmem(mem::UT, f), 1, 0).unwrap_or_else(|e| fail(format_args!("archive map: {:?}", e)));
        off += 4096;
    }
    let thd = slots::alloc();
    let kf = mem::kernel_frame().unwrap_or_else(|e| fail(format_args!("out of memory: {:?}", e)));
    must(own.new_thd(thd, b.comp, kf, b.entry, arg, sched_thd), "thread create");
    copy(boot_slot::SELF_THD, thd);
    must(ct.new_asnd(thread::SELF_ASND, thd), "asnd create");
    // Its faults come to us (`cellux_exception`), the gate's token naming it.
    let gate = slots::alloc();
    must(own.new_sinv(gate, boot_slot::SELF_COMP, cellux_rt::entry::address(), fault_token(name)), "fault gate");
    must(CompCap(b.comp).set_handler(gate), "fault handler");
    Comp { ct: b.ct, comp: b.comp, thd, entry: b.entry }
}

/// A component's fault gate token: its name's first 8 bytes (the init
/// entry names each component once).
fn fault_token(name: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = name.len().min(8);
    b[..n].copy_from_slice(&name.as_bytes()[..n]);
    u64::from_le_bytes(b)
}

#[no_mangle]
fn cellux_main(archive_off: u64) {
    println!("booter: up");
    ARCHIVE_OFF.store(archive_off, Ordering::Relaxed);
    let ar = archive(archive_off);
    let init = ar.find("init").unwrap_or_else(|| fail(format_args!("boot archive has no 'init' entry")));
    let init = core::str::from_utf8(init.data).unwrap_or_else(|_| fail(format_args!("'init' is not text")));
    let (bottom, frames) = Untyped(mem::UT).info().unwrap_or((0, 0));
    // QEMU loads the archive (the -initrd) at the top of RAM, and its
    // frames are the archive's: the shares end below it. (An archive of
    // over 8 MiB once left the scheduler's share, the topmost, with no
    // frame to make threads from.)
    let top = match Pgtbl(boot_slot::SELF_PT).lookup(BOOT_ARCHIVE_VA) {
        Ok((pa, _)) if pa > bottom && pa < bottom + frames * 4096 => pa & !0xfff,
        _ => bottom + frames * 4096,
    };

    let mut names = init.split_whitespace().filter(|n| *n != "sched");
    let apps: [Option<&str>; MAX_APPS] = core::array::from_fn(|_| names.next());
    let napps = apps.iter().flatten().count() as u64;
    // Each app gets an equal share of what RAM QEMU was given (`-m`), so
    // a bigger machine means more room for processes.
    let share = top.saturating_sub(bottom + BOOTER_MEM + SCHED_MEM) / napps.max(1) / APP_ALIGN * APP_ALIGN;
    if share < APP_MIN {
        fail(format_args!("{} MiB of RAM leaves {} MiB per component, {} MiB needed: give QEMU more (-m)", (top - bottom) >> 20, share >> 20, APP_MIN >> 20));
    }
    println!("booter: {} MiB for each of {} components", share >> 20, napps);
    let sched = build(&ar, "sched", 0, top - SCHED_MEM, SCHED_MEM / 4096, napps);
    for (i, name) in apps.iter().enumerate() {
        let Some(name) = name else { continue };
        let first = top - SCHED_MEM - (i as u64 + 1) * share;
        let app = build(&ar, name, sched.thd, first, share / 4096, 0);
        must(Captbl(app.ct).new_sinv(thread::SCHED_GATE, sched.comp, sched.entry, i as u64), "sched gate");
        let base = CLIENT_BASE + i as u32 * CLIENT_STRIDE;
        for (k, src) in [app.comp, app.ct, app.thd].into_iter().enumerate() {
            must(Captbl(sched.ct).copy(base + k as u32, src), "client caps");
        }
        println!("booter: built {}", name);
    }
    println!("booter: starting the scheduler");
    loop {
        if let Err(e) = Thd(sched.thd).switch(0) {
            fail(format_args!("scheduler did not start: {:?}", e));
        }
    }
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [cellux_rt::abi::err::Error::BadOp.as_ret() as u64, 0]
}

/// What an x86 exception vector is, for the report.
fn vector_name(v: u64) -> &'static str {
    match v {
        0 => "divide error",
        3 => "breakpoint",
        6 => "invalid opcode",
        8 => "double fault",
        13 => "general protection",
        14 => "page fault",
        16 | 19 => "floating point",
        17 => "alignment check",
        _ => "exception",
    }
}

/// A fault (or a panic, which faults: `cellux_rt::fault_on_panic`) in a
/// component we built: report it and power off. The upcall runs on the
/// faulting thread, on our own stack, so a component whose stack or
/// memory is gone is still reported.
#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    let ar = archive(ARCHIVE_OFF.load(Ordering::Relaxed));
    let init = ar.find("init").and_then(|e| core::str::from_utf8(e.data).ok()).unwrap_or("");
    let name = core::iter::once("sched").chain(init.split_whitespace()).find(|n| fault_token(n) == u.token).unwrap_or("?");
    println!(
        "cellux: component '{}' faulted: vector {} ({}) error {:#x} address {:#x} thread {}",
        name, u.vector, vector_name(u.vector), u.error, u.cr2, u.tid
    );
    let mut r = UserRegs::default();
    match cap::exc_regs_read(&mut r) {
        Ok(()) => {
            let regs = [
                ("rax", r.rax), ("rbx", r.rbx), ("rcx", r.rcx), ("rdx", r.rdx), ("rsi", r.rsi), ("rdi", r.rdi),
                ("rbp", r.rbp), ("rsp", r.rsp), ("r8", r.r8), ("r9", r.r9), ("r10", r.r10), ("r11", r.r11),
                ("r12", r.r12), ("r13", r.r13), ("r14", r.r14), ("r15", r.r15), ("rip", r.rip), ("rflags", r.rflags),
                ("fs_base", r.fs_base), ("gs_base", r.gs_base),
            ];
            for w in regs.chunks_exact(4) {
                println!(
                    "cellux:   {}={:#x} {}={:#x} {}={:#x} {}={:#x}",
                    w[0].0, w[0].1, w[1].0, w[1].1, w[2].0, w[2].1, w[3].0, w[3].1
                );
            }
        }
        Err(e) => println!("cellux:   registers unreadable: {:?}", e),
    }
    println!("cellux: the system cannot go on without '{}': power off (component fault)", name);
    Hw(boot_slot::HW).exit(exit_status::COMPONENT_FAULT);
    Action::End(u.vector)
}
