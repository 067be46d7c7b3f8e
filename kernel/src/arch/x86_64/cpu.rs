//! Thin wrappers over privileged instructions, each with its own contract.

use core::arch::asm;

/// CR0.WP: supervisor writes honour read-only pages.
pub const CR0_WP: u64 = 1 << 16;
/// CR4.UMIP: SGDT/SIDT/SLDT/SMSW/STR raise #GP at CPL > 0.
pub const CR4_UMIP: u64 = 1 << 11;
pub const CR4_FSGSBASE: u64 = 1 << 16;
/// CR4.SMEP: no instruction fetch from a user page at CPL < 3.
pub const CR4_SMEP: u64 = 1 << 20;
/// CR4.SMAP: no data access to a user page at CPL < 3 unless RFLAGS.AC.
pub const CR4_SMAP: u64 = 1 << 21;
pub const MSR_EFER: u32 = 0xC000_0080;
/// EFER.NXE: page-table bit 63 forbids instruction fetch.
pub const EFER_NXE: u64 = 1 << 11;

pub fn outb(port: u16, v: u8) {
    // SAFETY: port I/O has no memory effects; the ports used (COM1, debug
    // exit) are devices this kernel owns.
    unsafe { asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags)) }
}

pub fn outl(port: u16, v: u32) {
    // SAFETY: as outb.
    unsafe { asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack, preserves_flags)) }
}

pub fn outw(port: u16, v: u16) {
    // SAFETY: port I/O has no memory effects; which ports user level may
    // drive is the hardware capability's authority.
    unsafe { asm!("out dx, ax", in("dx") port, in("ax") v, options(nomem, nostack, preserves_flags)) }
}

pub fn inw(port: u16) -> u16 {
    let v: u16;
    // SAFETY: as outw.
    unsafe { asm!("in ax, dx", out("ax") v, in("dx") port, options(nomem, nostack, preserves_flags)) }
    v
}

pub fn inl(port: u16) -> u32 {
    let v: u32;
    // SAFETY: as outw.
    unsafe { asm!("in eax, dx", out("eax") v, in("dx") port, options(nomem, nostack, preserves_flags)) }
    v
}

pub fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: reading a device register the kernel owns.
    unsafe { asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags)) }
    v
}

pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: only architectural MSRs present on every x86_64 are read.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags)) }
    ((hi as u64) << 32) | lo as u64
}

/// # Safety
/// The MSR and value must be valid and must not break the kernel's invariants.
pub unsafe fn wrmsr(msr: u32, v: u64) {
    // SAFETY: the caller's contract.
    unsafe { asm!("wrmsr", in("ecx") msr, in("eax") v as u32, in("edx") (v >> 32) as u32, options(nostack, preserves_flags)) }
}

pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc only reads the time-stamp counter.
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags)) }
    ((hi as u64) << 32) | lo as u64
}

pub fn read_cr2() -> u64 {
    let v: u64;
    // SAFETY: reading cr2 has no side effects.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack, preserves_flags)) }
    v
}

pub fn read_cr3() -> u64 {
    let v: u64;
    // SAFETY: reading cr3 has no side effects.
    unsafe { asm!("mov {}, cr3", out(reg) v, options(nomem, nostack, preserves_flags)) }
    v
}

/// # Safety
/// `pml4` must be the physical address of a page table that maps the
/// kernel half exactly as the boot table does.
pub unsafe fn write_cr3(pml4: u64) {
    // The one writer of CR3 after boot, so the count is every switch.
    crate::counters::count!(cr3_writes);
    // SAFETY: the caller's contract keeps the kernel mapped.
    unsafe { asm!("mov cr3, {}", in(reg) pml4, options(nostack, preserves_flags)) }
}

pub fn invlpg(va: u64) {
    // SAFETY: dropping a TLB entry is always safe.
    unsafe { asm!("invlpg [{}]", in(reg) va, options(nostack, preserves_flags)) }
}

pub fn read_cr0() -> u64 {
    let v: u64;
    // SAFETY: no side effects.
    unsafe { asm!("mov {}, cr0", out(reg) v, options(nomem, nostack, preserves_flags)) }
    v
}

pub fn read_cr4() -> u64 {
    let v: u64;
    // SAFETY: no side effects.
    unsafe { asm!("mov {}, cr4", out(reg) v, options(nomem, nostack, preserves_flags)) }
    v
}

/// # Safety
/// The new value must keep paging, PAE and the SSE enables on.
pub unsafe fn write_cr4(v: u64) {
    // SAFETY: the caller's contract.
    unsafe { asm!("mov cr4, {}", in(reg) v, options(nostack, preserves_flags)) }
}

pub fn cpuid(leaf: u32, sub: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86_64::__cpuid_count(leaf, sub);
    (r.eax, r.ebx, r.ecx, r.edx)
}

pub fn halt_forever() -> ! {
    loop {
        // SAFETY: interrupts off, hlt just stops the CPU.
        unsafe { asm!("cli; hlt", options(nomem, nostack)) }
    }
}

/// Waits for an interrupt with interrupts enabled for exactly this window.
pub fn wait_for_interrupt() {
    // SAFETY: sti;hlt is atomic with respect to interrupts (the sti shadow),
    // so no wake-up is lost; interrupt handlers run on this kernel stack.
    unsafe { asm!("sti; hlt; cli", options(nostack)) }
}
