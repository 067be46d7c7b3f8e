//! CPU instructions components use directly, beyond the kernel's calls:
//! here so the crates that use them can forbid `unsafe` themselves.

use core::arch::x86_64::__cpuid;

/// A random word from the CPU's RDRAND, or None if the CPU has none or it
/// keeps failing (it may, briefly, when its entropy source is drained).
pub fn rdrand() -> Option<u64> {
    if __cpuid(1).ecx & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..10 {
        let (v, ok): (u64, u8);
        // SAFETY: RDRAND is available (CPUID.1:ECX.RDRAND checked above);
        // it only writes the two declared registers and the flags.
        unsafe { core::arch::asm!("rdrand {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

/// The privilege level the caller runs at: 3 for components, 1 for the
/// server with the Ring 1 design on (docs/ring1.md).
pub fn privilege_level() -> u8 {
    let cs: u16;
    // SAFETY: reading CS has no effect at any privilege level.
    unsafe { core::arch::asm!("mov {:x}, cs", out(reg) cs, options(nomem, nostack, preserves_flags)) };
    (cs & 3) as u8
}
