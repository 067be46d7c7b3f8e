//! The cellux kernel image.
#![no_std]
#![no_main]

mod arch;
mod asnd;
mod bootcomp;
mod captbl;
mod comp;
mod console;
mod counters;
mod exception;
mod extable;
mod fastpath;
mod fault;
mod hw;
mod irq;
mod kcell;
mod mem;
mod obj;
mod pgtbl;
mod region;
mod sched;
mod sinv;
mod syscall;
mod thread;
mod uaccess;
mod untyped;

use arch::{cpu, desc, entry, exit, fpu, ioapic, kmap, lapic, pvh, serial, trap};
use core::fmt::Write;

#[no_mangle]
extern "C" fn kmain(start_info: u32) -> ! {
    serial::init();
    console::str("cellux: kernel starting\n");
    enable_cpu_features();
    kmap::protect();
    // The descriptor tables and the syscall entry point name the entry
    // area, which `protect` built.
    desc::init();
    if region::AT_CPL1 {
        entry::set_kernel_root(pgtbl::kernel_pml4());
    }
    trap::init_syscall();
    fpu::init();
    let info = match pvh::read(start_info as u64) {
        Ok(i) => i,
        Err(e) => panic!("PVH start info unusable: {:?}", e),
    };
    let top = mem::init(&info);
    console::str("cellux: RAM frames up to ");
    console::hex(top);
    console::str(", ");
    console::dec(info.modules.len() as u64);
    console::str(" boot module(s)\n");
    lapic::init();
    ioapic::init();
    let (_, b, c, d) = cpu::cpuid(0, 0);
    let mut vendor = [0u8; 12];
    vendor[..4].copy_from_slice(&b.to_le_bytes());
    vendor[4..8].copy_from_slice(&d.to_le_bytes());
    vendor[8..].copy_from_slice(&c.to_le_bytes());
    console::str("cellux: CPU ");
    console::bytes(&vendor);
    console::str(", TSC ");
    console::dec(lapic::tsc_hz() / 1_000_000);
    console::str(" MHz\n");
    let t = match bootcomp::create(&info, top) {
        Ok(t) => t,
        Err(e) => {
            bootcomp::report(&e);
            exit::qemu_exit(exit::FAILURE);
        }
    };
    console::str("cellux: starting the booter\n");
    sched::switch_to(t);
    sched::before_return();
    extern "C" {
        fn return_to_frame() -> !;
    }
    // SAFETY: the frame at the top of the kernel stack now holds the
    // booter's initial context; return_to_frame pops it and leaves the
    // kernel, with rsp reset to that frame (nothing below it is live).
    unsafe {
        core::arch::asm!("mov rsp, {}", "jmp {}", in(reg) trap::user_frame(), in(reg) entry::alias(return_to_frame as *const () as u64), options(noreturn));
    }
}

/// The CPU features the kernel relies on, each checked in CPUID so a
/// machine without one is refused by name instead of misbehaving later:
/// FSGSBASE for per-thread FS/GS bases (Linux TLS), and the protections
/// kernel/README.md "Hardware protections" lists: CR0.WP (set by the boot
/// code, checked here), UMIP, SMEP, SMAP and NX.
fn enable_cpu_features() {
    let (_, b, c, _) = cpu::cpuid(7, 0);
    let (_, _, _, ext_d) = cpu::cpuid(0x8000_0001, 0);
    let need: [(bool, &str); 5] = [
        (b & 1 != 0, "FSGSBASE"),
        (b & (1 << 7) != 0, "SMEP"),
        (b & (1 << 20) != 0, "SMAP"),
        (c & (1 << 2) != 0, "UMIP"),
        (ext_d & (1 << 20) != 0, "NX"),
    ];
    for (have, name) in need {
        if !have {
            panic!("this CPU lacks {}; run QEMU with -cpu max", name);
        }
    }
    let cr4 = cpu::read_cr4() | cpu::CR4_FSGSBASE | cpu::CR4_UMIP | cpu::CR4_SMEP | cpu::CR4_SMAP;
    // SAFETY: only adds FSGSBASE/UMIP/SMEP/SMAP. The kernel reaches user
    // memory only through the direct map (supervisor pages, never a user
    // address), so SMAP needs no STAC/CLAC window anywhere; SMEP holds
    // because the kernel only jumps into its own text.
    unsafe { cpu::write_cr4(cr4) }
    if cpu::read_cr0() & cpu::CR0_WP == 0 {
        panic!("CR0.WP is off: the boot code must set it");
    }
    if cpu::rdmsr(cpu::MSR_EFER) & cpu::EFER_NXE == 0 {
        panic!("EFER.NXE is off: the boot code must set it");
    }
}

#[panic_handler]
fn panic(p: &core::panic::PanicInfo) -> ! {
    let _ = write!(console::Writer, "\n*** cellux kernel panic: {}\n", p);
    let mut rsp: u64;
    // SAFETY: reads the stack pointer only.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) rsp) };
    let _ = writeln!(console::Writer, "rsp={:#x} cr2={:#x} cr3={:#x}", rsp, cpu::read_cr2(), cpu::read_cr3());
    exit::qemu_exit(exit::KERNEL_FAULT)
}
