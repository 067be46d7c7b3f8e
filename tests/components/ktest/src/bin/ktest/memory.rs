//! Untyped memory, retype, capability tables, page tables and the
//! kernel-mediated copy, with their refusals.

use crate::{check, run, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{HW, SELF_CT, SELF_PT};
use cellux_rt::abi::ops::{self, captbl_op, pgtbl_op, untyped_op, CapKind, PERM_WRITE, RETYPE_KERNEL, RETYPE_UNTYPED, RETYPE_USER};
use cellux_rt::{mem, slots, sys};

const UT: u32 = mem::UT;

fn frame_of(kmem: u64) -> u64 {
    ops::kmem_split(kmem).1
}

fn frame_info(f: u64) -> (u64, u64) {
    let r = sys::call(UT, untyped_op::FRAME_INFO, [f, 0, 0, 0, 0, 0]);
    (r.rax, r.rdi)
}

pub fn all() {
    run("untyped.retype_user_and_back", retype_user_and_back);
    run("untyped.retype_kernel_and_back", retype_kernel_and_back);
    run("untyped.refuse_retype_of_mapped_frame", refuse_retype_mapped);
    run("untyped.refuse_retype_of_live_object", refuse_retype_object);
    run("untyped.refuse_frame_outside_capability", refuse_outside);
    run("untyped.refuse_map_of_kernel_frame", refuse_map_kernel_frame);
    run("captbl.create_copy_remove", captbl_ops);
    run("captbl.multi_page_table", multi_page);
    run("captbl.refuse_capability_not_held", refuse_not_held);
    run("captbl.refuse_occupied_slot", refuse_occupied);
    run("pgtbl.map_lookup_unmap", map_lookup_unmap);
    run("pgtbl.cons_builds_levels", cons_levels);
    run("pgtbl.teardown_releases_frames", teardown);
    run("pgtbl.refuse_kernel_address", refuse_kernel_va);
    run("copy.to_and_from_page_table", copy_round_trip);
    run("copy.stops_at_first_unmapped", copy_stops);
    run("copy.refuses_read_only_target", copy_read_only);
    run("copy.refuses_kernel_address", copy_kernel);
    run("hw.refuse_mmio_map_of_ram", refuse_mmio_ram);
}

fn retype_user_and_back() -> TestResult {
    let f = frame_of(mem::user_frames(1).map_err(|_| "alloc")?);
    check(frame_info(f) == (RETYPE_USER, 0), "not user after retype")?;
    sys::op(UT, untyped_op::RETYPE, [f, 1, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "retype back refused")?;
    check(frame_info(f).0 == RETYPE_UNTYPED, "not untyped after retype back")
}

fn retype_kernel_and_back() -> TestResult {
    let f = frame_of(mem::kernel_frame().map_err(|_| "alloc")?);
    check(frame_info(f).0 == RETYPE_KERNEL, "not kernel after retype")?;
    sys::op(UT, untyped_op::RETYPE, [f, 1, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "retype back refused")?;
    check(frame_info(f).0 == RETYPE_UNTYPED, "not untyped after retype back")
}

const TEST_VA: u64 = 0x5000_0000;

fn refuse_retype_mapped() -> TestResult {
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    mem::map(SELF_PT, TEST_VA, k, 1, PERM_WRITE).map_err(|_| "map")?;
    let r = sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_UNTYPED, 0, 0, 0]);
    check(r == Err(Error::InUse), "retype of a mapped frame was not refused with InUse")?;
    check(sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_KERNEL, 0, 0, 0]) == Err(Error::BadType), "user frame became kernel")?;
    sys::op(SELF_PT, pgtbl_op::UNMAP, [TEST_VA, 1, 0, 0, 0, 0]).map_err(|_| "unmap")?;
    sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "retype after unmap refused")?;
    Ok(())
}

fn refuse_retype_object() -> TestResult {
    let k = mem::kernel_frame().map_err(|_| "alloc")?;
    let s = slots::alloc();
    sys::op(SELF_CT, captbl_op::NEW_CAPTBL, [s as u64, k, 0, 0, 0, 0]).map_err(|_| "captbl create")?;
    let r = sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_UNTYPED, 0, 0, 0]);
    check(r == Err(Error::InUse), "retype of a live captbl not refused")?;
    // A second object in the same frame is refused too.
    let s2 = slots::alloc();
    check(sys::op(SELF_CT, captbl_op::NEW_PGTBL, [s2 as u64, k, 0, 0, 0, 0]) == Err(Error::InUse), "two objects in one frame")?;
    sys::op(SELF_CT, captbl_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "retype after destroy refused")?;
    Ok(())
}

fn refuse_outside() -> TestResult {
    let r = sys::call(UT, untyped_op::INFO, [0; 6]);
    let first = r.rax;
    check(sys::op(UT, untyped_op::RETYPE, [first - 4096, 1, RETYPE_USER, 0, 0, 0]) == Err(Error::Inval), "frame below range")?;
    check(sys::op(UT, untyped_op::RETYPE, [first + r.rdi * 4096, 1, RETYPE_USER, 0, 0, 0]) == Err(Error::Inval), "frame above range")?;
    check(sys::op(UT, untyped_op::RETYPE, [first, u64::MAX / 2, RETYPE_USER, 0, 0, 0]) == Err(Error::Inval), "huge count")?;
    // A kernel-memory argument naming a frame outside the capability.
    let s = slots::alloc();
    check(sys::op(SELF_CT, captbl_op::NEW_CAPTBL, [s as u64, ops::kmem(UT, 0x100000), 0, 0, 0, 0]) == Err(Error::Inval), "kernel image frame as kmem")
}

fn refuse_map_kernel_frame() -> TestResult {
    let k = mem::kernel_frame().map_err(|_| "alloc")?;
    check(mem::map(SELF_PT, TEST_VA + 0x10000, k, 1, PERM_WRITE) == Err(Error::BadType), "kernel frame mapped to user")
}

fn captbl_ops() -> TestResult {
    let k = mem::kernel_frame().map_err(|_| "alloc")?;
    let s = slots::alloc();
    sys::op(SELF_CT, captbl_op::NEW_CAPTBL, [s as u64, k, 0, 0, 0, 0]).map_err(|_| "create")?;
    sys::op(s, captbl_op::COPY, [9, HW as u64, 0, 0, 0, 0]).map_err(|_| "copy")?;
    check(sys::op(s, captbl_op::KIND, [9, 0, 0, 0, 0, 0]) == Ok(CapKind::Hw as u64), "copied cap has wrong kind")?;
    sys::op(s, captbl_op::REMOVE, [9, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    check(sys::op(s, captbl_op::KIND, [9, 0, 0, 0, 0, 0]) == Ok(0), "slot not free after remove")?;
    check(sys::op(s, captbl_op::REMOVE, [9, 0, 0, 0, 0, 0]) == Err(Error::NoCap), "double remove")?;
    sys::op(SELF_CT, captbl_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove table")?;
    Ok(())
}

fn multi_page() -> TestResult {
    let k = mem::kernel_frames(2).map_err(|_| "alloc")?;
    let s = slots::alloc();
    check(sys::op(SELF_CT, captbl_op::NEW_CAPTBL, [s as u64, k, 65, 0, 0, 0]) == Err(Error::Inval), "65-page table accepted")?;
    sys::op(SELF_CT, captbl_op::NEW_CAPTBL, [s as u64, k, 2, 0, 0, 0]).map_err(|_| "create")?;
    sys::op(s, captbl_op::COPY, [255, HW as u64, 0, 0, 0, 0]).map_err(|_| "last slot of page 2")?;
    check(sys::op(s, captbl_op::COPY, [256, HW as u64, 0, 0, 0, 0]) == Err(Error::Inval), "slot past the table")?;
    // The second frame belongs to the table: not retypeable, not reusable.
    let f2 = frame_of(k) + 4096;
    check(sys::op(UT, untyped_op::RETYPE, [f2, 1, RETYPE_UNTYPED, 0, 0, 0]) == Err(Error::InUse), "extension frame retyped")?;
    sys::op(SELF_CT, captbl_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    sys::op(UT, untyped_op::RETYPE, [frame_of(k), 2, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "frames not released")?;
    Ok(())
}

fn refuse_not_held() -> TestResult {
    let empty = slots::alloc();
    check(sys::op(empty, captbl_op::KIND, [1, 0, 0, 0, 0, 0]) == Err(Error::NoCap), "empty slot usable")?;
    check(sys::op(5000, 1, [0; 6]) == Err(Error::NoCap), "slot beyond table usable")?;
    check(sys::op(0xffff_ffff, 1, [0; 6]) == Err(Error::NoCap), "huge cap number usable")?;
    // The wrong kind: a page-table op on the hardware capability.
    check(sys::op(HW, 999, [0; 6]) == Err(Error::BadOp), "unknown op accepted")?;
    check(sys::op(SELF_CT, captbl_op::NEW_ASND, [slots::alloc() as u64, HW as u64, 0, 0, 0, 0]) == Err(Error::NoCap), "asnd to a non-thread")?;
    check(sys::op(0, 999, [0; 6]) == Err(Error::BadOp), "unknown self op")
}

fn refuse_occupied() -> TestResult {
    let s = slots::alloc();
    sys::op(SELF_CT, captbl_op::COPY, [s as u64, HW as u64, 0, 0, 0, 0]).map_err(|_| "copy")?;
    check(sys::op(SELF_CT, captbl_op::COPY, [s as u64, HW as u64, 0, 0, 0, 0]) == Err(Error::Busy), "occupied slot overwritten")?;
    check(sys::op(SELF_CT, captbl_op::COPY, [0, HW as u64, 0, 0, 0, 0]) == Err(Error::Inval), "slot 0 written")?;
    check(sys::op(SELF_CT, captbl_op::COPY, [100_000, HW as u64, 0, 0, 0, 0]) == Err(Error::Inval), "slot out of range written")
}

fn new_pt() -> Result<u32, &'static str> {
    let s = slots::alloc();
    let k = mem::kernel_frame().map_err(|_| "alloc")?;
    sys::op(SELF_CT, captbl_op::NEW_PGTBL, [s as u64, k, 0, 0, 0, 0]).map_err(|_| "pgtbl create")?;
    Ok(s)
}

fn map_lookup_unmap() -> TestResult {
    let va = TEST_VA + 0x20000;
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    mem::map(SELF_PT, va, k, 1, PERM_WRITE).map_err(|_| "map")?;
    // SAFETY: va was just mapped writable in our own page table.
    unsafe { core::ptr::write_volatile(va as *mut u64, 0xfeed) };
    let r = sys::call(SELF_PT, pgtbl_op::LOOKUP, [va, 0, 0, 0, 0, 0]);
    check(r.rax == frame_of(k) && r.rdi == PERM_WRITE, "lookup disagrees")?;
    check(mem::map(SELF_PT, va, k, 1, PERM_WRITE) == Err(Error::Mapped), "double map")?;
    sys::op(SELF_PT, pgtbl_op::UNMAP, [va, 1, 0, 0, 0, 0]).map_err(|_| "unmap")?;
    check(sys::op(SELF_PT, pgtbl_op::LOOKUP, [va, 0, 0, 0, 0, 0]) == Err(Error::NotMapped), "still mapped")?;
    check(sys::op(SELF_PT, pgtbl_op::UNMAP, [va, 1, 0, 0, 0, 0]) == Err(Error::NotMapped), "double unmap")
}

fn cons_levels() -> TestResult {
    let pt = new_pt()?;
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    check(sys::op(pt, pgtbl_op::MAP, [0x1000_0000, k, 0, 1, 0, 0]) == Err(Error::NoTable), "map without tables")?;
    for want in [3, 2, 1] {
        let kf = mem::kernel_frame().map_err(|_| "alloc")?;
        check(sys::op(pt, pgtbl_op::CONS, [0x1000_0000, kf, 0, 0, 0, 0]) == Ok(want), "cons built the wrong level")?;
    }
    let kf = mem::kernel_frame().map_err(|_| "alloc")?;
    check(sys::op(pt, pgtbl_op::CONS, [0x1000_0000, kf, 0, 0, 0, 0]) == Err(Error::Busy), "cons past the last level")?;
    sys::op(pt, pgtbl_op::MAP, [0x1000_0000, k, 0, 1, 0, 0]).map_err(|_| "map after cons")?;
    Ok(())
}

fn teardown() -> TestResult {
    let pt = new_pt()?;
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    mem::map(pt, 0x1000_0000, k, 1, PERM_WRITE).map_err(|_| "map")?;
    check(frame_info(frame_of(k)).1 == 1, "mapping not counted")?;
    sys::op(SELF_CT, captbl_op::REMOVE, [pt as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    check(frame_info(frame_of(k)).1 == 0, "frame still referenced after page-table teardown")?;
    sys::op(UT, untyped_op::RETYPE, [frame_of(k), 1, RETYPE_UNTYPED, 0, 0, 0]).map_err(|_| "retype after teardown")?;
    Ok(())
}

fn refuse_kernel_va() -> TestResult {
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    check(sys::op(SELF_PT, pgtbl_op::MAP, [0xffff_8000_0000_0000, k, 0, 1, 0, 0]) == Err(Error::Inval), "kernel va mapped")?;
    check(sys::op(SELF_PT, pgtbl_op::MAP, [0x0000_8000_0000_0000, k, 0, 1, 0, 0]) == Err(Error::Inval), "non-canonical va mapped")?;
    check(sys::op(SELF_PT, pgtbl_op::MAP, [0x1234, k, 0, 1, 0, 0]) == Err(Error::Inval), "unaligned va mapped")?;
    check(sys::op(SELF_PT, pgtbl_op::UNMAP, [0xffff_ffff_8010_0000, 1, 0, 0, 0, 0]) == Err(Error::Inval), "kernel va unmapped")
}

fn remote_page(perms: u64) -> Result<(u32, u64), &'static str> {
    let pt = new_pt()?;
    let k = mem::user_frames(1).map_err(|_| "alloc")?;
    mem::map(pt, 0x1000_0000, k, 1, perms).map_err(|_| "map")?;
    Ok((pt, 0x1000_0000))
}

fn copy_round_trip() -> TestResult {
    let (pt, va) = remote_page(PERM_WRITE)?;
    let src: [u8; 100] = core::array::from_fn(|i| i as u8 ^ 0x5a);
    let (n, stop) = mem::copy(pt, va + 50, src.as_ptr() as u64, 100, true).map_err(|_| "copy to")?;
    check(n == 100 && stop.is_none(), "short copy to")?;
    let mut dst = [0u8; 100];
    let (n, stop) = mem::copy(pt, va + 50, dst.as_mut_ptr() as u64, 100, false).map_err(|_| "copy from")?;
    check(n == 100 && stop.is_none() && dst == src, "data did not round-trip")
}

fn copy_stops() -> TestResult {
    let (pt, va) = remote_page(PERM_WRITE)?;
    let buf = [7u8; 256];
    let (n, stop) = mem::copy(pt, va + 4000, buf.as_ptr() as u64, 256, true).map_err(|_| "copy")?;
    check(n == 96 && stop == Some(va + 4096), "did not stop at the first unmapped byte")?;
    // Our own side unmapped: stops there too.
    let (n, stop) = mem::copy(pt, va, 0x7000_0000, 16, false).map_err(|_| "copy")?;
    check(n == 0 && stop == Some(0x7000_0000), "local unmapped not reported")
}

fn copy_read_only() -> TestResult {
    let (pt, va) = remote_page(0)?;
    let buf = [1u8; 8];
    let (n, stop) = mem::copy(pt, va, buf.as_ptr() as u64, 8, true).map_err(|_| "copy")?;
    check(n == 0 && stop == Some(va), "wrote a read-only page")?;
    let mut out = [0u8; 8];
    let (n, _) = mem::copy(pt, va, out.as_mut_ptr() as u64, 8, false).map_err(|_| "copy")?;
    check(n == 8, "could not read a read-only page")
}

fn copy_kernel() -> TestResult {
    let mut out = [0u8; 8];
    let (n, stop) = mem::copy(SELF_PT, 0xffff_ffff_8010_0000, out.as_mut_ptr() as u64, 8, false).map_err(|_| "copy")?;
    check(n == 0 && stop == Some(0xffff_ffff_8010_0000), "read kernel memory")?;
    let (n, _) = mem::copy(SELF_PT, 0xffff_8000_0010_0000, out.as_ptr() as u64, 8, true).map_err(|_| "copy")?;
    check(n == 0, "wrote kernel memory")?;
    let r = sys::op(HW, ops::hw_op::PRINT, [0xffff_ffff_8010_0000, 8, 0, 0, 0, 0]);
    check(r == Err(Error::BadAddr), "printed kernel memory")
}

fn refuse_mmio_ram() -> TestResult {
    let r = sys::op(HW, ops::hw_op::MAP_MMIO, [SELF_PT as u64, 0x6000_0000, 0x200000, 1, 0, 0]);
    check(r == Err(Error::Inval), "RAM mapped as device memory")?;
    let r = sys::op(HW, ops::hw_op::MAP_MMIO, [SELF_PT as u64, 0x6000_0000, 0xfee0_0000, 1, 0, 0]);
    check(r == Err(Error::Inval), "local APIC mapped")?;
    // A device frame (microvm's virtio-mmio window) maps and unmaps.
    mem::map(SELF_PT, 0x6000_0000, mem::user_frames(1).map_err(|_| "alloc")?, 1, 0).map_err(|_| "prep")?;
    sys::op(SELF_PT, pgtbl_op::UNMAP, [0x6000_0000, 1, 0, 0, 0, 0]).map_err(|_| "prep unmap")?;
    sys::op(HW, ops::hw_op::MAP_MMIO, [SELF_PT as u64, 0x6000_0000, 0xfeb0_0000, 1, 0, 0]).map_err(|_| "device map refused")?;
    sys::op(SELF_PT, pgtbl_op::UNMAP, [0x6000_0000, 1, 0, 0, 0, 0]).map_err(|_| "device unmap")?;
    Ok(())
}
