//! The local APIC timer in one-shot mode, calibrated against the TSC with
//! the PIT at boot, so user level can speak TSC deadlines.

use crate::kcell::KCell;
use crate::mem::phys_to_virt;
use crate::arch::cpu::{inb, outb, rdtsc};

const BASE: u64 = 0xfee0_0000;
pub const TIMER_VECTOR: u64 = 32;
pub const SPURIOUS_VECTOR: u64 = 255;

struct Calib {
    tsc_hz: u64,
    /// APIC ticks per 2^32 TSC cycles.
    apic_per_tsc: u64,
}

static CAL: KCell<Calib> = KCell::new(Calib { tsc_hz: 1_000_000_000, apic_per_tsc: 1 << 32 });

fn reg(off: u64) -> *mut u32 {
    phys_to_virt(BASE + off) as *mut u32
}

fn rd(off: u64) -> u32 {
    // SAFETY: the LAPIC page is in the direct map; MMIO registers are read
    // with volatile 32-bit accesses.
    unsafe { core::ptr::read_volatile(reg(off)) }
}

fn wr(off: u64, v: u32) {
    // SAFETY: as rd.
    unsafe { core::ptr::write_volatile(reg(off), v) }
}

pub fn init() {
    // SAFETY: enabling the xAPIC at its default base, which the direct map covers.
    unsafe {
        let v = crate::arch::cpu::rdmsr(0x1b);
        crate::arch::cpu::wrmsr(0x1b, v | (1 << 11));
    }
    wr(0xf0, 0x100 | SPURIOUS_VECTOR as u32);
    wr(0x3e0, 0xb); // divide by 1
    wr(0x320, 1 << 16); // masked
    // Mask the legacy PIC: only the LAPIC delivers.
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    calibrate();
}

/// Counts TSC and APIC ticks over 50 ms of PIT channel 0, free-running
/// (mode 2, period 65536): the elapsed PIT ticks are summed from
/// successive latched reads, so no single read's timing matters.
fn calibrate() {
    const PIT_HZ: u64 = 1_193_182;
    const WANT: u64 = PIT_HZ / 20;
    outb(0x43, 0x34); // channel 0, lo/hi, mode 2
    outb(0x40, 0);
    outb(0x40, 0);
    let read = || {
        outb(0x43, 0x00);
        let lo = inb(0x40) as u16;
        let hi = inb(0x40) as u16;
        (hi << 8) | lo
    };
    // Let the new count load before measuring from a read.
    let mut prev = read();
    for _ in 0..100 {
        prev = read();
    }
    wr(0x380, u32::MAX);
    let t0 = rdtsc();
    let a0 = rd(0x390);
    let mut elapsed = 0u64;
    let mut guard = 0u64;
    while elapsed < WANT && guard < 100_000_000 {
        let c = read();
        elapsed += prev.wrapping_sub(c) as u64;
        prev = c;
        guard += 1;
    }
    let t1 = rdtsc();
    let a1 = rd(0x390);
    wr(0x380, 0);
    outb(0x43, 0x30); // back to one-shot, so it raises no periodic interrupt
    let elapsed = elapsed.max(1);
    let dt = t1.wrapping_sub(t0).max(1);
    let da = a0.wrapping_sub(a1) as u64;
    let cal = CAL.get();
    cal.tsc_hz = ((dt as u128 * PIT_HZ as u128) / elapsed as u128) as u64;
    cal.apic_per_tsc = ((da as u128) << 32).checked_div(dt as u128).unwrap_or(1 << 32) as u64;
}

pub fn tsc_hz() -> u64 {
    CAL.get().tsc_hz
}

/// Programs the one-shot timer for an absolute TSC deadline (0 cancels).
pub fn set_deadline(deadline: u64) {
    if deadline == 0 {
        wr(0x380, 0);
        return;
    }
    let now = rdtsc();
    let delta = deadline.saturating_sub(now).max(1);
    let ticks = ((delta as u128 * CAL.get().apic_per_tsc as u128) >> 32).clamp(1, u32::MAX as u128) as u32;
    wr(0x320, TIMER_VECTOR as u32);
    wr(0x380, ticks);
}

pub fn eoi() {
    wr(0xb0, 0);
}
