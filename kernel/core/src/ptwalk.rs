//! Page-table structure operations (walk, build a level, map, unmap,
//! tear down) over any frame memory, so the rules are unit-tested on the
//! host. The kernel supplies the direct map and does the reference
//! counting through the callbacks.

use crate::pte;
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::is_mappable;

/// Access to page-table frames by physical address.
pub trait Frames {
    fn table(&mut self, pa: u64) -> &mut [u64; 512];
}

pub fn check_va(va: u64) -> KResult<()> {
    if va & 0xfff != 0 || !is_mappable(va) {
        return Err(Error::Inval);
    }
    Ok(())
}

/// The level-1 table and index for va, if every level above exists.
pub fn leaf<F: Frames>(m: &mut F, root: u64, va: u64) -> Option<(u64, usize)> {
    let mut t = root;
    for level in [4, 3, 2] {
        let e = m.table(t)[pte::index(va, level)];
        if e & pte::P == 0 {
            return None;
        }
        t = e & pte::ADDR;
    }
    Some((t, pte::index(va, 1)))
}

/// The present leaf entry for va.
pub fn lookup<F: Frames>(m: &mut F, root: u64, va: u64) -> Option<u64> {
    if !is_mappable(va & !0xfff) {
        return None;
    }
    let (t, i) = leaf(m, root, va & !0xfff)?;
    let e = m.table(t)[i];
    (e & pte::P != 0).then_some(e)
}

/// Hooks `node` (a zeroed frame the caller made a table object) in as the
/// first missing level on the path to va; returns the level it became
/// (3, 2 or 1). `claim(node)` is called first and may refuse.
pub fn cons<F: Frames>(m: &mut F, root: u64, va: u64, node: u64, claim: impl FnOnce(u64) -> KResult<()>) -> KResult<u64> {
    check_va(va & !0xfff)?;
    let mut t = root;
    for level in [4u32, 3, 2] {
        let i = pte::index(va, level);
        let e = m.table(t)[i];
        if e & pte::P == 0 {
            claim(node)?;
            m.table(node).fill(0);
            m.table(t)[i] = pte::table(node);
            return Ok(level as u64 - 1);
        }
        t = e & pte::ADDR;
    }
    Err(Error::Busy)
}

/// Writes a leaf for va; `claim()` takes the frame's reference and may refuse.
pub fn map<F: Frames>(m: &mut F, root: u64, va: u64, entry: u64, claim: impl FnOnce() -> KResult<()>) -> KResult<()> {
    check_va(va)?;
    let (t, i) = leaf(m, root, va).ok_or(Error::NoTable)?;
    if m.table(t)[i] & pte::P != 0 {
        return Err(Error::Mapped);
    }
    claim()?;
    m.table(t)[i] = entry;
    Ok(())
}

/// Clears the leaf for va and returns the entry it held.
pub fn unmap<F: Frames>(m: &mut F, root: u64, va: u64) -> KResult<u64> {
    check_va(va)?;
    let (t, i) = leaf(m, root, va).ok_or(Error::NotMapped)?;
    let e = m.table(t)[i];
    if e & pte::P == 0 {
        return Err(Error::NotMapped);
    }
    m.table(t)[i] = 0;
    Ok(e)
}

/// Empties the user half: `leaf(entry)` for every mapping, `node(pa)` for
/// every intermediate table after its entries were visited. The other
/// slots (the kernel's, and the server region's tables, which every root
/// shares: `empty_below`) are left alone.
pub fn destroy<F: Frames>(m: &mut F, root: u64, mut on_leaf: impl FnMut(u64), mut on_node: impl FnMut(u64)) {
    for i4 in 0..256 {
        let e4 = m.table(root)[i4];
        if e4 & pte::P == 0 {
            continue;
        }
        empty_below(m, e4 & pte::ADDR, &mut on_leaf, &mut on_node);
        on_node(e4 & pte::ADDR);
        m.table(root)[i4] = 0;
    }
}

/// Empties the level-3 table `n3` (which stays, zeroed): `leaf` and
/// `node` as for `destroy`.
pub fn empty_below<F: Frames>(m: &mut F, n3: u64, on_leaf: &mut impl FnMut(u64), on_node: &mut impl FnMut(u64)) {
    for i3 in 0..512 {
        let e3 = m.table(n3)[i3];
        if e3 & pte::P == 0 {
            continue;
        }
        let n2 = e3 & pte::ADDR;
        for i2 in 0..512 {
            let e2 = m.table(n2)[i2];
            if e2 & pte::P == 0 {
                continue;
            }
            let n1 = e2 & pte::ADDR;
            for i1 in 0..512 {
                let e1 = m.table(n1)[i1];
                if e1 & pte::P != 0 {
                    on_leaf(e1);
                }
            }
            on_node(n1);
        }
        on_node(n2);
        m.table(n3)[i3] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cellux_abi::layout::{SERVER_BASE, SERVER_END, USER_END};
    use std::collections::HashMap;

    #[derive(Default)]
    struct Mem(HashMap<u64, Box<[u64; 512]>>);

    impl Frames for Mem {
        fn table(&mut self, pa: u64) -> &mut [u64; 512] {
            self.0.entry(pa).or_insert_with(|| Box::new([0; 512]))
        }
    }

    const ROOT: u64 = 0x1000;
    const VA: u64 = 0x4000_1000;

    fn built(m: &mut Mem) {
        for (k, node) in [0x2000u64, 0x3000, 0x4000].into_iter().enumerate() {
            assert_eq!(cons(m, ROOT, VA, node, |_| Ok(())), Ok(2 - k as u64 + 1));
        }
    }

    #[test]
    fn map_needs_tables_then_works() {
        let mut m = Mem::default();
        let e = pte::leaf(0x9000, 0, false);
        assert_eq!(map(&mut m, ROOT, VA, e, || Ok(())), Err(Error::NoTable));
        built(&mut m);
        assert_eq!(cons(&mut m, ROOT, VA, 0x5000, |_| Ok(())), Err(Error::Busy));
        map(&mut m, ROOT, VA, e, || Ok(())).unwrap();
        assert_eq!(lookup(&mut m, ROOT, VA + 0x123), Some(e));
        assert_eq!(map(&mut m, ROOT, VA, e, || Ok(())), Err(Error::Mapped));
        // A neighbour in the same last-level table needs no new tables.
        map(&mut m, ROOT, VA + 0x1000, e, || Ok(())).unwrap();
    }

    #[test]
    fn refusals_leave_tables_unchanged() {
        let mut m = Mem::default();
        built(&mut m);
        let e = pte::leaf(0x9000, 0, false);
        assert_eq!(map(&mut m, ROOT, VA, e, || Err(Error::BadType)), Err(Error::BadType));
        assert_eq!(lookup(&mut m, ROOT, VA), None);
        assert_eq!(cons(&mut m, ROOT, 0x7000_0000, 0x6000, |_| Err(Error::InUse)), Err(Error::InUse));
        assert_eq!(map(&mut m, ROOT, 0, e, || Ok(())), Err(Error::Inval));
        assert_eq!(map(&mut m, ROOT, VA + 1, e, || Ok(())), Err(Error::Inval));
        assert_eq!(map(&mut m, ROOT, USER_END, e, || Ok(())), Err(Error::Inval));
        assert_eq!(map(&mut m, ROOT, SERVER_BASE - 0x1000, e, || Ok(())), Err(Error::Inval));
        assert_eq!(map(&mut m, ROOT, SERVER_END, e, || Ok(())), Err(Error::Inval));
        assert_eq!(map(&mut m, ROOT, 0xffff_ff80_0000_0000, e, || Ok(())), Err(Error::Inval));
        assert_eq!(lookup(&mut m, ROOT, u64::MAX), None);
    }

    #[test]
    fn unmap_returns_the_entry_once() {
        let mut m = Mem::default();
        built(&mut m);
        let e = pte::leaf(0x9000, 1, false);
        map(&mut m, ROOT, VA, e, || Ok(())).unwrap();
        assert_eq!(unmap(&mut m, ROOT, VA), Ok(e));
        assert_eq!(unmap(&mut m, ROOT, VA), Err(Error::NotMapped));
        assert_eq!(unmap(&mut m, ROOT, 0x7000_0000), Err(Error::NotMapped));
    }

    #[test]
    fn destroy_visits_every_leaf_and_node_and_keeps_the_kernel_half() {
        let mut m = Mem::default();
        built(&mut m);
        m.table(ROOT)[300] = 0xdead_0003;
        for i in 0..3 {
            map(&mut m, ROOT, VA + i * 0x1000, pte::leaf(0x9000 + i * 0x1000, 0, false), || Ok(())).unwrap();
        }
        let (mut leaves, mut nodes) = (vec![], vec![]);
        destroy(&mut m, ROOT, |e| leaves.push(e & pte::ADDR), |n| nodes.push(n));
        assert_eq!(leaves, vec![0x9000, 0xa000, 0xb000]);
        assert_eq!(nodes, vec![0x4000, 0x3000, 0x2000]);
        assert_eq!(lookup(&mut m, ROOT, VA), None);
        assert_eq!(m.table(ROOT)[300], 0xdead_0003);
    }

    #[test]
    fn the_server_region_maps_and_is_emptied_apart_from_roots() {
        let mut m = Mem::default();
        let va = SERVER_BASE + 0x40_1000;
        for node in [0x2000u64, 0x3000, 0x4000] {
            cons(&mut m, ROOT, va, node, |_| Ok(())).unwrap();
        }
        let e = pte::leaf(0x9000, 0, false);
        map(&mut m, ROOT, va, e, || Ok(())).unwrap();
        assert_eq!(lookup(&mut m, ROOT, va + 8), Some(e));
        let (mut leaves, mut nodes) = (vec![], vec![]);
        // A root's own teardown leaves the region, which every root shares.
        destroy(&mut m, ROOT, |e| leaves.push(e & pte::ADDR), |n| nodes.push(n));
        assert_eq!((leaves.len(), nodes.len()), (0, 0));
        assert_eq!(lookup(&mut m, ROOT, va), Some(e));
        let n3 = m.table(ROOT)[pte::index(va, 4)] & pte::ADDR;
        empty_below(&mut m, n3, &mut |e| leaves.push(e & pte::ADDR), &mut |n| nodes.push(n));
        assert_eq!((leaves, nodes), (vec![0x9000], vec![0x4000, 0x3000]));
        assert_eq!(lookup(&mut m, ROOT, va), None);
        assert_ne!(m.table(ROOT)[pte::index(va, 4)], 0);
    }
}
