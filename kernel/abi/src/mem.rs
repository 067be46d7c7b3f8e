//! The C memory primitives the compiler emits calls to. The host target's
//! compiler_builtins does not export them (libc does there), and a plain
//! Rust loop would be turned back into a call to itself, so they are
//! string instructions. Eight bytes at a time, then the bytes left: under
//! QEMU's TCG each iteration of a `rep` instruction is a pass through a
//! translated block of its own, so `rep movsb` over a 184-byte register
//! file cost some 700 cycles, and the copies of one getppid's trip
//! through the server 2,000 of its 9,500.

use core::arch::asm;

// Unit tests call them by name, beside the host's own.
#[cfg_attr(not(test), no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges are valid for n bytes and
    // do not overlap (memcpy's contract); the n / 8 words and n % 8 bytes
    // copied forwards are exactly those.
    unsafe {
        asm!("rep movsq", "mov rcx, {tail}", "rep movsb", tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dst => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dst
}

// Unit tests call them by name, beside the host's own.
#[cfg_attr(not(test), no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // The byte in each of the word's eight.
    let word = u64::from(c as u8) * 0x0101_0101_0101_0101;
    // SAFETY: the caller guarantees dst is valid for n bytes: the n / 8
    // words and n % 8 bytes stored forwards are exactly those.
    unsafe {
        asm!("rep stosq", "mov rcx, {tail}", "rep stosb", tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dst => _, in("rax") word,
             options(nostack, preserves_flags));
    }
    dst
}

// Unit tests call them by name, beside the host's own.
#[cfg_attr(not(test), no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize).wrapping_add(n) {
        // SAFETY: copying forwards is correct when dst is below src or the
        // ranges are disjoint; validity is the caller's contract.
        return unsafe { memcpy(dst, src, n) };
    }
    if n == 0 {
        return dst;
    }
    // SAFETY: overlapping with dst above src: copy backwards from the last
    // byte with the direction flag set, and clear it again as the ABI wants.
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rcx") n => _, inout("rdi") dst.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
             options(nostack));
    }
    dst
}

// Unit tests call them by name, beside the host's own.
#[cfg_attr(not(test), no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n and the caller guarantees both are valid for n bytes.
        let (x, y) = unsafe { (core::ptr::read_volatile(a.add(i)), core::ptr::read_volatile(b.add(i))) };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

// Unit tests call them by name, beside the host's own.
#[cfg_attr(not(test), no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

/// The prebuilt `core` references an unwinding personality even though
/// these images abort on panic; it is never called.
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

#[cfg(test)]
mod tests {
    /// Every length up to a few words past the unrolled sizes, at every
    /// alignment of either end: the bytes in range are the source's (the
    /// fill's), none outside is touched.
    #[test]
    fn copies_and_fills_exactly_the_range() {
        let src: Vec<u8> = (0..128u32).map(|i| (i * 7 + 1) as u8).collect();
        for n in 0..80 {
            for so in 0..8 {
                for d_off in 0..8 {
                    let mut dst = vec![0xeeu8; 128];
                    // SAFETY: both ranges lie inside their vectors, apart.
                    unsafe { super::memcpy(dst.as_mut_ptr().add(d_off), src.as_ptr().add(so), n) };
                    assert_eq!(&dst[d_off..d_off + n], &src[so..so + n], "memcpy n={n} src+{so} dst+{d_off}");
                    assert!(dst[..d_off].iter().chain(&dst[d_off + n..]).all(|&b| b == 0xee), "memcpy wrote outside n={n}");
                    let mut fill = vec![0xeeu8; 128];
                    // SAFETY: the range lies inside the vector.
                    unsafe { super::memset(fill.as_mut_ptr().add(d_off), 0x1a5, n) };
                    assert!(fill[d_off..d_off + n].iter().all(|&b| b == 0xa5), "memset n={n} dst+{d_off}");
                    assert!(fill[..d_off].iter().chain(&fill[d_off + n..]).all(|&b| b == 0xee), "memset wrote outside n={n}");
                }
            }
        }
    }
}
