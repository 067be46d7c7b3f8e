//! Machine facts a new process is told: AT_RANDOM bytes and AT_HWCAP.

use core::arch::x86_64::__cpuid;

/// splitmix64 over the TSC when the CPU has no RDRAND.
fn tsc_mix(n: u64) -> u64 {
    let mut z = cellux_rt::sys::rdtsc().wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn random16() -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, half) in out.chunks_mut(8).enumerate() {
        let v = cellux_rt::cpu::rdrand().unwrap_or_else(|| tsc_mix(i as u64));
        half.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// Linux's AT_HWCAP on x86_64: CPUID leaf 1's EDX feature bits.
pub fn hwcap() -> u64 {
    u64::from(__cpuid(1).edx)
}
