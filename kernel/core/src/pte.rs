//! x86_64 4-level page-table entries.

pub const P: u64 = 1;
pub const W: u64 = 2;
pub const U: u64 = 4;
pub const PWT: u64 = 8;
pub const PCD: u64 = 16;
pub const PS: u64 = 0x80;
pub const G: u64 = 0x100;
/// Software bit: the frame is device memory, not a retyped user frame.
pub const DEVICE: u64 = 0x200;
pub const NX: u64 = 1 << 63;
pub const ADDR: u64 = 0x000f_ffff_ffff_f000;

/// Index into the table at `level` (4 = top) for `va`.
pub const fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * (level - 1))) & 0x1ff) as usize
}

/// An intermediate entry: user-accessible and writable, the leaf decides.
pub const fn table(pa: u64) -> u64 {
    (pa & ADDR) | P | W | U
}

/// A user leaf for the `ops::PERM_*` bits.
pub const fn leaf(pa: u64, perms: u64, device: bool) -> u64 {
    let mut e = (pa & ADDR) | P | U;
    if perms & cellux_abi::ops::PERM_WRITE != 0 {
        e |= W;
    }
    if perms & cellux_abi::ops::PERM_EXEC == 0 {
        e |= NX;
    }
    if device {
        e |= DEVICE | PCD | PWT;
    }
    e
}

pub const fn perms_of(e: u64) -> u64 {
    let mut p = 0;
    if e & W != 0 {
        p |= cellux_abi::ops::PERM_WRITE;
    }
    if e & NX == 0 {
        p |= cellux_abi::ops::PERM_EXEC;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use cellux_abi::ops::{PERM_EXEC, PERM_WRITE};

    #[test]
    fn indices_split_address() {
        let va = (3u64 << 39) | (5 << 30) | (7 << 21) | (9 << 12) | 0x123;
        assert_eq!((index(va, 4), index(va, 3), index(va, 2), index(va, 1)), (3, 5, 7, 9));
    }

    #[test]
    fn leaf_permissions_round_trip() {
        for p in [0, PERM_WRITE, PERM_EXEC, PERM_WRITE | PERM_EXEC] {
            let e = leaf(0x1234_5000, p, false);
            assert_eq!(perms_of(e), p);
            assert_eq!(e & ADDR, 0x1234_5000);
            assert!(e & U != 0 && e & P != 0 && e & DEVICE == 0);
        }
        assert!(leaf(0xfeb0_0000, 0, true) & (DEVICE | PCD) == DEVICE | PCD);
    }
}
