//! The I/O APIC at its default base: device interrupt inputs (GSIs) routed
//! to vectors `GSI_VECTOR_BASE + gsi` on this CPU, masked unless attached.

use crate::mem::phys_to_virt;
use cellux_abi::ops::IRQ_GSIS;

const BASE: u64 = 0xfec0_0000;
pub const GSI_VECTOR_BASE: u64 = 48;

fn write(reg: u32, v: u32) {
    // SAFETY: the IOAPIC's index/data window is in the direct map; volatile
    // 32-bit accesses as the device requires, on one CPU.
    unsafe {
        core::ptr::write_volatile(phys_to_virt(BASE) as *mut u32, reg);
        core::ptr::write_volatile(phys_to_virt(BASE + 0x10) as *mut u32, v);
    }
}

fn read(reg: u32) -> u32 {
    // SAFETY: as write.
    unsafe {
        core::ptr::write_volatile(phys_to_virt(BASE) as *mut u32, reg);
        core::ptr::read_volatile(phys_to_virt(BASE + 0x10) as *const u32)
    }
}

/// Inputs the chip has (0 if there is none).
pub fn inputs() -> u64 {
    let v = read(1);
    if v == u32::MAX { 0 } else { (((v >> 16) & 0xff) + 1) as u64 }
}

pub fn init() {
    for g in 0..inputs().min(IRQ_GSIS) {
        write(0x10 + 2 * g as u32, 1 << 16);
        write(0x11 + 2 * g as u32, 0);
    }
}

/// Masks an input, keeping its vector and trigger mode (the local APIC's
/// EOI finds a level-triggered entry by its vector to clear remote IRR).
pub fn mask(gsi: u64) {
    let lo = read(0x10 + 2 * gsi as u32) | (1 << 16);
    write(0x10 + 2 * gsi as u32, lo);
}

/// Routes `gsi` to its vector on APIC id 0 (this CPU), unmasked.
pub fn route(gsi: u64, level: bool, active_low: bool) {
    let mut lo = (GSI_VECTOR_BASE + gsi) as u32;
    if active_low {
        lo |= 1 << 13;
    }
    if level {
        lo |= 1 << 15;
    }
    write(0x11 + 2 * gsi as u32, 0);
    write(0x10 + 2 * gsi as u32, lo);
}

pub fn unmask(gsi: u64) {
    let lo = read(0x10 + 2 * gsi as u32) & !(1 << 16);
    write(0x10 + 2 * gsi as u32, lo);
}
