//! Device register windows: `ioremap` maps a device's frames (the kernel
//! only grants frames outside RAM, uncached) into the server's physical
//! window (`region`), and `iomem_access` reads or writes them with single
//! volatile accesses of the size asked for, as device registers need.

use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::cap::{Hw, Pgtbl};
use cellux_rt::mem;
use cellux_rt::sync::SpinLocked;

use super::region::phys_to_virt;

const WINDOWS: usize = 32;

/// The mapped windows: (address in the physical window, length).
struct Windows {
    w: [(u64, u64); WINDOWS],
}
static MAPPED: SpinLocked<Windows> = SpinLocked::new(Windows { w: [(0, 0); WINDOWS] });

fn inside(addr: u64, len: u64) -> bool {
    MAPPED.with(|m| m.w.iter().any(|&(b, l)| l != 0 && b <= addr && addr.saturating_add(len) <= b + l))
}

/// Maps device frames into the physical window, building missing
/// page-table levels.
fn map_device(pa: u64, pages: u64) -> Result<(), Error> {
    for i in 0..pages {
        let a = pa + i * 4096;
        let va = phys_to_virt(a).ok_or(Error::Inval)?;
        loop {
            match Hw(boot_slot::HW).map_mmio(boot_slot::SELF_PT, va, a, 1) {
                Ok(()) => break,
                Err(Error::NoTable) => {
                    Pgtbl(boot_slot::SELF_PT).cons(va, mem::kernel_frame()?)?;
                }
                // Already mapped (two devices in one frame): fine.
                Err(Error::Mapped) => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The address at which `size` bytes of device memory at `addr` can be
/// reached (null if the kernel refuses them).
pub fn ioremap(addr: u64, size: u64) -> *mut u8 {
    let Some(end) = addr.checked_add(size) else { return core::ptr::null_mut() };
    let (Some(va), Some(_)) = (phys_to_virt(addr), phys_to_virt(end)) else { return core::ptr::null_mut() };
    if size == 0 {
        return core::ptr::null_mut();
    }
    if inside(va, size) {
        return va as *mut u8;
    }
    let first = addr & !0xfff;
    let pages = (end - first).div_ceil(4096);
    if map_device(first, pages).is_err() {
        return core::ptr::null_mut();
    }
    MAPPED.with(|m| {
        if let Some(s) = m.w.iter_mut().find(|w| w.1 == 0) {
            *s = (va & !0xfff, pages * 4096);
        }
    });
    va as *mut u8
}

/// One access of `size` (1, 2, 4, 8) bytes; `val` is the value in or out.
pub fn access(addr: u64, val: &mut u64, size: u64, write: bool) -> Result<(), Error> {
    if !matches!(size, 1 | 2 | 4 | 8) || !addr.is_multiple_of(size) || !inside(addr, size) {
        return Err(Error::Inval);
    }
    // SAFETY: the address lies in a window `ioremap` mapped (device
    // memory, uncached), aligned for an access of this size.
    unsafe {
        match (size, write) {
            (1, false) => *val = core::ptr::read_volatile(addr as *const u8) as u64,
            (2, false) => *val = core::ptr::read_volatile(addr as *const u16) as u64,
            (4, false) => *val = core::ptr::read_volatile(addr as *const u32) as u64,
            (_, false) => *val = core::ptr::read_volatile(addr as *const u64),
            (1, true) => core::ptr::write_volatile(addr as *mut u8, *val as u8),
            (2, true) => core::ptr::write_volatile(addr as *mut u16, *val as u16),
            (4, true) => core::ptr::write_volatile(addr as *mut u32, *val as u32),
            (_, true) => core::ptr::write_volatile(addr as *mut u64, *val),
        }
    }
    Ok(())
}
