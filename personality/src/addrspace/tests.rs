use super::*;
use std::vec;

const BRK: u64 = 0x60_0000;
const BASE: u64 = 0x7f00_0000_0000;
const RW: u32 = prot::READ | prot::WRITE;
const ANON: u32 = map::PRIVATE | map::ANONYMOUS;

fn space() -> AddressSpace {
    let mut a = AddressSpace::new(BRK, BASE);
    a.insert(0x40_0000, 0x50_0000, prot::READ | prot::EXEC, Backing::File { file: 1, offset: 0 });
    a
}

#[test]
fn anonymous_mmap_goes_top_down_below_the_base() {
    let mut a = space();
    let (p, fx) = a.mmap(0, 8192, RW, ANON, None, 0).unwrap();
    assert_eq!(p, BASE - 8192);
    assert_eq!(fx, vec![Effect::Map { start: p, end: p + 8192, prot: RW, backing: Backing::Anonymous }]);
    let (q, _) = a.mmap(0, 100, RW, ANON, None, 0).unwrap();
    assert_eq!(q, p - 4096, "length rounds up to a page, next one goes below");
}

#[test]
fn a_free_hint_is_honoured_and_a_taken_one_is_not() {
    let mut a = space();
    let (p, _) = a.mmap(0x1000_0000, 4096, RW, ANON, None, 0).unwrap();
    assert_eq!(p, 0x1000_0000);
    let (q, _) = a.mmap(0x1000_0000, 4096, RW, ANON, None, 0).unwrap();
    assert_ne!(q, 0x1000_0000);
}

#[test]
fn map_fixed_replaces_and_noreplace_refuses() {
    let mut a = space();
    let (p, _) = a.mmap(0, 3 * 4096, RW, ANON, None, 0).unwrap();
    let (q, fx) = a.mmap(p + 4096, 4096, prot::READ, ANON | map::FIXED, None, 0).unwrap();
    assert_eq!(q, p + 4096);
    assert_eq!(fx[0], Effect::Unmap { start: q, end: q + 4096 });
    assert_eq!(a.find(p).unwrap().1.prot, RW);
    assert_eq!(a.find(q).unwrap().1.prot, prot::READ);
    assert_eq!(a.find(q + 4096).unwrap().1.prot, RW);
    assert_eq!(a.mmap(p, 4096, RW, ANON | map::FIXED_NOREPLACE, None, 0).unwrap_err(), Errno::EEXIST);
}

#[test]
fn bad_arguments_are_einval_or_enomem() {
    let mut a = space();
    assert_eq!(a.mmap(0, 0, RW, ANON, None, 0).unwrap_err(), Errno::EINVAL);
    assert_eq!(a.mmap(0, 4096, RW, map::ANONYMOUS, None, 0).unwrap_err(), Errno::EINVAL, "no type");
    assert_eq!(a.mmap(0x1001, 4096, RW, ANON | map::FIXED, None, 0).unwrap_err(), Errno::EINVAL);
    assert_eq!(a.mmap(0, 4096, 0x80, ANON, None, 0).unwrap_err(), Errno::EINVAL);
    assert_eq!(a.mmap(0, u64::MAX, RW, ANON, None, 0).unwrap_err(), Errno::ENOMEM);
    assert_eq!(a.mmap(TASK_SIZE_MAX, 4096, RW, ANON | map::FIXED, None, 0).unwrap_err(), Errno::ENOMEM);
    assert_eq!(a.mmap(0, 4096, RW, map::PRIVATE, None, 0).unwrap_err(), Errno::EBADF);
    assert_eq!(a.mmap(0, 4096, RW, map::PRIVATE, Some(3), 100).unwrap_err(), Errno::EINVAL);
    assert_eq!(a.munmap(0x1001, 4096).unwrap_err(), Errno::EINVAL);
    assert_eq!(a.munmap(0x1000, 0).unwrap_err(), Errno::EINVAL);
}

#[test]
fn munmap_punches_a_hole_and_file_offsets_follow() {
    let mut a = space();
    let (p, _) = a.mmap(0, 4 * 4096, prot::READ, map::PRIVATE, Some(7), 0x2000).unwrap();
    let fx = a.munmap(p + 4096, 4096).unwrap();
    assert_eq!(fx, vec![Effect::Unmap { start: p + 4096, end: p + 8192 }]);
    assert!(a.find(p + 4096).is_none());
    assert_eq!(a.find(p).unwrap().1.end, p + 4096);
    let (s, tail) = a.find(p + 2 * 4096).unwrap();
    assert_eq!(s, p + 8192);
    assert_eq!(tail.backing, Backing::File { file: 7, offset: 0x2000 + 8192 });
    assert!(a.munmap(0x2000_0000, 4096).unwrap().is_empty(), "nothing mapped there: fine");
}

#[test]
fn mprotect_splits_and_needs_everything_mapped() {
    let mut a = space();
    let (p, _) = a.mmap(0, 3 * 4096, RW, ANON, None, 0).unwrap();
    let fx = a.mprotect(p + 4096, 4096, prot::READ).unwrap();
    assert_eq!(fx, vec![Effect::Protect { start: p + 4096, end: p + 8192, prot: prot::READ }]);
    assert_eq!(a.regions().filter(|(s, _)| *s >= p).count(), 3);
    a.munmap(p + 8192, 4096).unwrap();
    assert_eq!(a.mprotect(p, 3 * 4096, prot::READ).unwrap_err(), Errno::ENOMEM);
    assert_eq!(a.mprotect(p + 1, 4096, prot::READ).unwrap_err(), Errno::EINVAL);
}

#[test]
fn brk_grows_shrinks_and_refuses_collisions() {
    let mut a = space();
    assert_eq!(a.brk(0).0, BRK, "brk(0) reports the current break");
    let (b, fx) = a.brk(BRK + 10_000);
    assert_eq!(b, BRK + 10_000);
    assert_eq!(fx, vec![Effect::Map { start: BRK, end: BRK + 3 * 4096, prot: RW, backing: Backing::Heap }]);
    let (b2, fx2) = a.brk(BRK + 20_000);
    assert_eq!(b2, BRK + 20_000);
    assert_eq!(fx2[0], Effect::Map { start: BRK + 3 * 4096, end: BRK + 5 * 4096, prot: RW, backing: Backing::Heap });
    assert_eq!(a.find(BRK).unwrap().1.end, BRK + 5 * 4096, "one heap region");
    let (b3, fx3) = a.brk(BRK + 100);
    assert_eq!(b3, BRK + 100);
    assert_eq!(fx3, vec![Effect::Unmap { start: BRK + 4096, end: BRK + 5 * 4096 }]);
    a.mmap(BRK + 0x10_0000, 4096, RW, ANON | map::FIXED, None, 0).unwrap();
    let (b4, fx4) = a.brk(BRK + 0x20_0000);
    assert_eq!(b4, BRK + 100, "refused: would run into a mapping");
    assert!(fx4.is_empty());
    assert_eq!(a.brk(BRK - 4096).0, BRK + 100, "below the start: refused");
}

#[test]
fn top_down_search_skips_holes_too_small() {
    let mut a = space();
    a.mmap(BASE - 4096, 4096, RW, ANON | map::FIXED, None, 0).unwrap();
    a.mmap(BASE - 3 * 4096, 4096, RW, ANON | map::FIXED, None, 0).unwrap();
    let (p, _) = a.mmap(0, 2 * 4096, RW, ANON, None, 0).unwrap();
    assert_eq!(p, BASE - 5 * 4096, "the one-page hole at BASE-2 pages is too small");
    let (q, _) = a.mmap(0, 4096, RW, ANON, None, 0).unwrap();
    assert_eq!(q, BASE - 2 * 4096, "but it takes a single page");
}

#[test]
fn exhaustion_is_enomem() {
    let mut a = AddressSpace::new(0x10_0000, 0x10_0000 + 8 * 4096);
    assert!(a.mmap(0, 8 * 4096, RW, ANON, None, 0).is_ok());
    assert_eq!(a.mmap(0, 4096, RW, ANON, None, 0).unwrap_err(), Errno::ENOMEM);
}
