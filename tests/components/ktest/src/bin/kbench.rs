//! Benchmark component: times the kernel's paths with rdtsc over N
//! iterations each and prints `raw NAME median=X p99=Y unit=cycles`.
//!   invocation     gate call into another component and return
//!   syscall-trap   a Linux-ABI component's `syscall`, through the
//!                  exception gate to our handler and back (timed inside it)
//!   asnd-rcv       send to a blocked receiver until it runs
//!   thread-switch  a thread wakes another and blocks; the scheduler runs it
//!   null-syscall   `syscall` to the kernel's cheapest op (`NOP`) and `sysret`
//!   ring1-roundtrip      the ring-1 probe (issue 11): `syscall`, the
//!                  kernel `iretq`s to a CPL1 routine that `iretq`s to us
//!   ring1-roundtrip-cr3  the same plus one CR3 write (a full TCG flush):
//!                  whether a server at CPL1 can replace today's CR3 writes
//!                  hangs on these two differing by far
#![no_std]
#![no_main]

use cellux_rt::abi::archive::Archive;
use cellux_rt::abi::layout::{boot_slot, BOOT_ARCHIVE_VA};
use cellux_rt::abi::ops::{self, captbl_op, VEC_SYSCALL};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::Sem;
use cellux_rt::{loader, mem, println, slots, sys, thread};
use core::sync::atomic::{AtomicU64, Ordering};

const N: usize = 20_000;
const WARMUP: usize = 500;

struct Samples(core::cell::UnsafeCell<[u64; N]>);
// SAFETY: one measurement at a time; each buffer slot is written by the
// one thread that takes that sample, and read after the run completes.
unsafe impl Sync for Samples {}
static SAMPLES: Samples = Samples(core::cell::UnsafeCell::new([0; N]));

fn samples() -> &'static mut [u64; N] {
    // SAFETY: see `Samples`.
    unsafe { &mut *SAMPLES.0.get() }
}

fn report(name: &str, n: usize) {
    let s = &mut samples()[..n];
    s.sort_unstable();
    let med = s[n / 2];
    let p99 = s[(n * 99) / 100];
    println!("raw {} median={} p99={} unit=cycles", name, med, p99);
}

fn archive() -> Archive<'static> {
    // SAFETY: the booter mapped the archive read-only here; the parser
    // checks length and checksum.
    let bytes = unsafe {
        let total = core::ptr::read_unaligned((BOOT_ARCHIVE_VA + 16) as *const u64).min(1 << 30);
        core::slice::from_raw_parts(BOOT_ARCHIVE_VA as *const u8, total as usize)
    };
    Archive::parse(bytes).unwrap_or_else(|_| fail("archive"))
}

fn fail(what: &str) -> ! {
    println!("kbench: {} failed", what);
    sys::power_off(false)
}

fn gate_to(b: &loader::Built, token: u64) -> u32 {
    let s = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [s as u64, b.comp as u64, b.entry, token, 0, 0]).unwrap_or_else(|_| fail("gate"));
    s
}

/// For reading the figures (stderr only): two back-to-back rdtscs, the
/// timer's own cost, and its step (the smallest non-zero difference).
fn rdtsc_resolution() {
    for i in 0..N + WARMUP {
        let t0 = sys::rdtsc();
        let t1 = sys::rdtsc();
        if i >= WARMUP {
            samples()[i - WARMUP] = t1 - t0;
        }
    }
    let s = samples();
    s.sort_unstable();
    let step = s.iter().copied().find(|&d| d > 0).unwrap_or(0);
    println!("info rdtsc-back-to-back median={} p99={} step={} unit=cycles", s[N / 2], s[N * 99 / 100], step);
}

/// The kernel's cheapest op against the same op returning through ring 1,
/// without and with a CR3 write: one call site shape for all three, so
/// only the return path differs.
fn self_op_cases() {
    for (name, op, cr3_write) in [
        ("null-syscall", ops::self_op::NOP, 0),
        ("ring1-roundtrip", ops::self_op::PROBE_RING1, 0),
        ("ring1-roundtrip-cr3", ops::self_op::PROBE_RING1, 1),
    ] {
        for i in 0..N + WARMUP {
            let t0 = sys::rdtsc();
            let r = sys::call(0, op, [cr3_write, 0, 0, 0, 0, 0]);
            let t1 = sys::rdtsc();
            if r.rax != 0 {
                fail(name);
            }
            if i >= WARMUP {
                samples()[i - WARMUP] = t1 - t0;
            }
        }
        report(name, N);
    }
}

/// For context (stderr only): a gate call into our own component (no
/// address-space switch).
fn invocation_same_space() {
    let own = {
        extern "C" {
            fn _start();
        }
        let s = slots::alloc();
        sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [s as u64, boot_slot::SELF_COMP as u64, _start as *const () as u64, 0, 0, 0])
            .unwrap_or_else(|_| fail("self gate"));
        s
    };
    for i in 0..N + WARMUP {
        let t0 = sys::rdtsc();
        sys::invoke(own, [0; 5]);
        let t1 = sys::rdtsc();
        if i >= WARMUP {
            samples()[i - WARMUP] = t1 - t0;
        }
    }
    let s = samples();
    s.sort_unstable();
    println!("info invocation-same-space median={} p99={} unit=cycles", s[N / 2], s[N * 99 / 100]);
}

fn invocation(ar: &Archive) {
    let b = loader::load(ar.find("ktsrv").unwrap_or_else(|| fail("ktsrv")).data, 0).unwrap_or_else(|_| fail("load ktsrv"));
    let g = gate_to(&b, 0);
    for i in 0..N + WARMUP {
        let t0 = sys::rdtsc();
        let r = sys::invoke(g, [9, 0, 0, 0, 0]);
        let t1 = sys::rdtsc();
        if r.rax != 0 {
            fail("invocation");
        }
        if i >= WARMUP {
            samples()[i - WARMUP] = t1 - t0;
        }
    }
    report("invocation", N);
}

fn syscall_trap(ar: &Archive) {
    let b = loader::load(ar.find("ktlinux").unwrap_or_else(|| fail("ktlinux")).data, ops::COMP_LINUX_ABI)
        .unwrap_or_else(|_| fail("load ktlinux"));
    let g = gate_to(&b, 0);
    extern "C" {
        fn _start();
    }
    let h = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [h as u64, boot_slot::SELF_COMP as u64, _start as *const () as u64, 0, 0, 0])
        .unwrap_or_else(|_| fail("handler gate"));
    sys::op(b.comp, ops::comp_op::SET_HANDLER, [h as u64, 0, 0, 0, 0, 0]).unwrap_or_else(|_| fail("set handler"));
    // Mode 2: the component times its own syscalls and exits with the
    // address of its sample buffer, which we read through its page table.
    let r = sys::invoke(g, [2, N as u64, 0, 0, 0]);
    if r.rax as i64 != cellux_rt::abi::err::Error::Fault.as_ret() || r.rdi == 0 {
        fail("syscall-trap run");
    }
    let buf = samples();
    let (n, _) = mem::copy(b.pt, r.rdi, buf.as_mut_ptr() as u64, (N * 8) as u64, false).unwrap_or_else(|_| fail("copy samples"));
    if n != (N * 8) as u64 {
        fail("copy samples (short)");
    }
    report("syscall-trap", N);
}

/// The trap path without an address-space switch (stderr only): a
/// Linux-ABI component sharing our page table runs `lx_shared_entry`, a
/// loop of timed syscalls on its own stack; our handler answers them.
fn syscall_trap_same_space() {
    let ct = slots::alloc();
    let comp = slots::alloc();
    let k = mem::kernel_frame().unwrap_or_else(|_| fail("kmem"));
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_CAPTBL, [ct as u64, k, 0, 0, 0, 0]).unwrap_or_else(|_| fail("captbl"));
    let k = mem::kernel_frame().unwrap_or_else(|_| fail("kmem"));
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_COMP, [comp as u64, ct as u64, boot_slot::SELF_PT as u64, k, ops::COMP_LINUX_ABI, 0])
        .unwrap_or_else(|_| fail("comp"));
    extern "C" {
        fn _start();
        fn lx_shared_entry();
    }
    let h = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [h as u64, boot_slot::SELF_COMP as u64, _start as *const () as u64, 0, 0, 0])
        .unwrap_or_else(|_| fail("handler gate"));
    sys::op(comp, ops::comp_op::SET_HANDLER, [h as u64, 0, 0, 0, 0, 0]).unwrap_or_else(|_| fail("set handler"));
    let g = slots::alloc();
    sys::op(boot_slot::SELF_CT, captbl_op::NEW_SINV, [g as u64, comp as u64, lx_shared_entry as *const () as u64, 0, 0, 0])
        .unwrap_or_else(|_| fail("gate"));
    let r = sys::invoke(g, [0; 5]);
    if r.rax as i64 != cellux_rt::abi::err::Error::Fault.as_ret() {
        fail("same-space trap run");
    }
    let s = samples();
    s.sort_unstable();
    println!("info syscall-trap-same-space median={} p99={} unit=cycles", s[N / 2], s[N * 99 / 100]);
}

#[repr(C, align(16))]
struct LxStack([u8; 16384]);
#[no_mangle]
static mut LX_SHARED_STACK: LxStack = LxStack([0; 16384]);

core::arch::global_asm!(
    r#"
    .text
    .global lx_shared_entry
lx_shared_entry:
    lea rsp, [rip + LX_SHARED_STACK + 16384]
    call lx_shared_main
    ud2
"#
);

#[no_mangle]
extern "C" fn lx_shared_main() -> ! {
    for s in samples().iter_mut() {
        let t0 = sys::rdtsc();
        // SAFETY: a Linux-ABI syscall; only rax, rcx, r11 change.
        unsafe { core::arch::asm!("syscall", inlateout("rax") 39u64 => _, lateout("rcx") _, lateout("r11") _, options(nostack)) };
        *s = sys::rdtsc() - t0;
    }
    // SAFETY: exit(0): the handler ends the invocation; never returns.
    unsafe { core::arch::asm!("syscall", in("rax") 60u64, in("rdi") 0u64, options(noreturn)) }
}

static T0: AtomicU64 = AtomicU64::new(0);
static COUNT: AtomicU64 = AtomicU64::new(0);
static DONE: Sem = Sem::new(0);

fn asnd_rcv() {
    COUNT.store(0, Ordering::Relaxed);
    let r = thread::spawn(|_| {
        for i in 0..N + WARMUP {
            let _ = sys::rcv(false, 0);
            let t1 = sys::rdtsc();
            if i >= WARMUP {
                samples()[i - WARMUP] = t1 - T0.load(Ordering::Relaxed);
            }
            COUNT.fetch_add(1, Ordering::Release);
        }
        DONE.up();
    }, 0).unwrap_or_else(|_| fail("spawn"));
    let cap = thread::asnd_slot(r);
    for i in 0..N + WARMUP {
        // Our send switches to the receiver at once; we run again once it
        // has taken its sample and blocked, unless the timer preempted it
        // first: then let it finish before the next round.
        while COUNT.load(Ordering::Acquire) < i as u64 {
            let _ = sys::rcv(false, sys::rdtsc() + 10_000);
        }
        T0.store(sys::rdtsc(), Ordering::Relaxed);
        sys::asnd(cap, true).unwrap_or_else(|_| fail("asnd"));
    }
    DONE.down();
    report("asnd-rcv", N);
}

fn thread_switch() {
    // Two threads take turns: each stamps the time, wakes the other and
    // blocks; the other, dispatched by the scheduler, takes the sample.
    let me = thread::current();
    let other = thread::spawn(|a| {
        let main = a;
        for i in 0..N / 2 + WARMUP {
            let _ = sys::rcv(false, 0);
            let t1 = sys::rdtsc();
            if i >= WARMUP {
                samples()[(i - WARMUP) * 2] = t1 - T0.load(Ordering::Relaxed);
            }
            T0.store(sys::rdtsc(), Ordering::Relaxed);
            let _ = sys::asnd(thread::asnd_slot(main), false);
        }
    }, me).unwrap_or_else(|_| fail("spawn"));
    let cap = thread::asnd_slot(other);
    for i in 0..N / 2 + WARMUP {
        T0.store(sys::rdtsc(), Ordering::Relaxed);
        let _ = sys::asnd(cap, false);
        let _ = sys::rcv(false, 0);
        let t1 = sys::rdtsc();
        if i >= WARMUP {
            samples()[(i - WARMUP) * 2 + 1] = t1 - T0.load(Ordering::Relaxed);
        }
    }
    report("thread-switch", N);
}

#[no_mangle]
fn cellux_main(_arg: u64) {
    let ar = archive();
    println!("kbench: {} iterations each, TSC {} MHz", N, sys::tsc_hz() / 1_000_000);
    rdtsc_resolution();
    self_op_cases();
    invocation_same_space();
    invocation(&ar);
    syscall_trap(&ar);
    syscall_trap_same_space();
    asnd_rcv();
    thread_switch();
    println!("kbench: done");
    sys::power_off(true);
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [0, 0]
}

#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    if u.vector != VEC_SYSCALL {
        return Action::End(u.vector);
    }
    match u.rax {
        60 => Action::End(u.rdi),
        39 => Action::ResumeRax(1234),
        _ => Action::ResumeRax(-38i64 as u64),
    }
}
