//! The page-by-page plan of a kernel-mediated copy between two address
//! spaces, independent of how addresses are translated: it stops at the
//! first byte either side can not reach and says which side and where.

/// How far a copy got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    /// 0: everything was copied; 1: stopped on the `a` side; 2: on the `b` side.
    pub side: u8,
    /// The first address that could not be reached (0 when side == 0).
    pub at: u64,
}

/// Copies `len` bytes between address `a` (translated by `ta`) and `b`
/// (translated by `tb`), from b to a, or from a to b when `from_a`.
/// Translators take (address, writable-needed) and return the host
/// pointer for that byte, valid up to the end of its 4 KiB page.
/// `mov(src, dst, n)` moves n bytes within one page on each side.
pub fn copy(
    a: u64,
    b: u64,
    len: u64,
    from_a: bool,
    mut ta: impl FnMut(u64, bool) -> Option<u64>,
    mut tb: impl FnMut(u64, bool) -> Option<u64>,
    mut mov: impl FnMut(u64, u64, usize),
) -> Copied {
    let mut done = 0u64;
    while done < len {
        let (va, vb) = (a.wrapping_add(done), b.wrapping_add(done));
        let chunk = (len - done).min(4096 - (va & 0xfff)).min(4096 - (vb & 0xfff));
        let Some(ka) = ta(va, !from_a) else {
            return Copied { bytes: done, side: 1, at: va };
        };
        let Some(kb) = tb(vb, from_a) else {
            return Copied { bytes: done, side: 2, at: vb };
        };
        if from_a {
            mov(ka, kb, chunk as usize);
        } else {
            mov(kb, ka, chunk as usize);
        }
        done += chunk;
    }
    Copied { bytes: len, side: 0, at: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fake address space: page number -> (bytes, writable).
    struct Space {
        pages: HashMap<u64, (Vec<u8>, bool)>,
    }

    impl Space {
        fn new(pages: &[(u64, bool)]) -> Self {
            Space { pages: pages.iter().map(|&(p, w)| (p, (vec![0u8; 4096], w))).collect() }
        }
        fn tr(&mut self, va: u64, write: bool) -> Option<u64> {
            let (buf, w) = self.pages.get_mut(&(va >> 12))?;
            if write && !*w {
                return None;
            }
            Some(buf.as_mut_ptr() as u64 + (va & 0xfff))
        }
    }

    fn mov(src: u64, dst: u64, n: usize) {
        // SAFETY: (test) both point into live 4 KiB Vec pages with n bytes left.
        unsafe { std::ptr::copy(src as *const u8, dst as *mut u8, n) }
    }

    #[test]
    fn copies_across_page_boundaries_on_both_sides() {
        let mut a = Space::new(&[(0x10, true), (0x11, true)]);
        let mut b = Space::new(&[(0x20, true), (0x21, true)]);
        for i in 0..300u64 {
            let p = b.tr(0x20f80 + i, true).unwrap();
            // SAFETY: (test) p points into b's pages.
            unsafe { *(p as *mut u8) = i as u8 };
        }
        let r = copy(0x10ff0, 0x20f80, 300, false, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r, Copied { bytes: 300, side: 0, at: 0 });
        for i in 0..300u64 {
            // SAFETY: (test) reads a's pages.
            assert_eq!(unsafe { *(a.tr(0x10ff0 + i, false).unwrap() as *const u8) }, i as u8);
        }
    }

    #[test]
    fn stops_at_first_unmapped_page_of_either_side() {
        let mut a = Space::new(&[(0x10, true)]);
        let mut b = Space::new(&[(0x20, true), (0x21, true)]);
        let r = copy(0x10f00, 0x20000, 1000, false, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r, Copied { bytes: 256, side: 1, at: 0x11000 });
        let mut a = Space::new(&[(0x10, true), (0x11, true)]);
        let mut b = Space::new(&[(0x20, true)]);
        let r = copy(0x10000, 0x20800, 4096, true, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r, Copied { bytes: 2048, side: 2, at: 0x21000 });
    }

    #[test]
    fn needs_write_access_only_on_the_written_side() {
        let mut a = Space::new(&[(0x10, false)]);
        let mut b = Space::new(&[(0x20, true)]);
        let r = copy(0x10000, 0x20000, 8, false, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r, Copied { bytes: 0, side: 1, at: 0x10000 });
        let r = copy(0x10000, 0x20000, 8, true, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r.bytes, 8);
    }

    #[test]
    fn wraps_without_overflow_at_the_top_of_the_address_space() {
        let mut a = Space::new(&[]);
        let mut b = Space::new(&[(0x20, true)]);
        let r = copy(u64::MAX - 10, 0x20000, 100, false, |v, w| a.tr(v, w), |v, w| b.tr(v, w), mov);
        assert_eq!(r, Copied { bytes: 0, side: 1, at: u64::MAX - 10 });
    }
}
