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

/// The MXCSR bits this CPU accepts (fxsave's MXCSR_MASK; 0 there means
/// 0xffbf): an FPU image with others set makes fxrstor fault.
pub fn mxcsr_mask() -> u32 {
    use core::sync::atomic::{AtomicU32, Ordering};
    static MASK: AtomicU32 = AtomicU32::new(0);
    let m = MASK.load(Ordering::Relaxed);
    if m != 0 {
        return m;
    }
    #[repr(C, align(16))]
    struct Image([u8; 512]);
    let mut img = Image([0; 512]);
    // SAFETY: fxsave64 writes exactly the 512-byte, 16-aligned image.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) img.0.as_mut_ptr(), options(nostack)) };
    let m = match u32::from_le_bytes([img.0[28], img.0[29], img.0[30], img.0[31]]) {
        0 => 0xffbf,
        m => m,
    };
    MASK.store(m, Ordering::Relaxed);
    m
}
