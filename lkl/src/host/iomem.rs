//! Device register windows for Linux's `ioremap`/`iomem_access`. A device
//! is announced to Linux at an address of our choosing (they never overlap
//! real memory: Linux only ever reaches them through iomem_access, which
//! looks the address up here).

use crate::ffi;
use crate::virtio::mmio::{After, Transport};
use crate::virtio::Device;
use core::ffi::{c_int, c_ulong, c_void};
use std::sync::Mutex;

/// Where the first window goes, and how far apart they are.
const BASE: u64 = 0xc000_0000;
const STRIDE: u64 = 0x1000;

/// A register window as Linux sees it.
pub trait Window: Send {
    fn read(&mut self, offset: u64, size: usize) -> u64;
    /// Returns whether to raise the device's interrupt afterwards.
    fn write(&mut self, offset: u64, size: usize, value: u64) -> bool;
}

impl<D: Device + Send> Window for Transport<D> {
    fn read(&mut self, offset: u64, size: usize) -> u64 {
        Transport::read(self, offset, size)
    }
    fn write(&mut self, offset: u64, _size: usize, value: u64) -> bool {
        Transport::write(self, offset, value) == After::Interrupt
    }
}

struct Region {
    base: u64,
    size: u64,
    irq: c_int,
    window: Mutex<Box<dyn Window>>,
}

static REGIONS: Mutex<Vec<&'static Region>> = Mutex::new(Vec::new());

/// Registers a window of `size` bytes whose interrupt is `irq`; returns
/// the address to announce to Linux.
pub fn register(size: u64, irq: c_int, window: Box<dyn Window>) -> u64 {
    let mut regions = REGIONS.lock().unwrap_or_else(|e| e.into_inner());
    let base = BASE + STRIDE * regions.len() as u64;
    // Leaked: Linux may touch the window until the process ends.
    regions.push(Box::leak(Box::new(Region { base, size, irq, window: Mutex::new(window) })));
    base
}

fn find(addr: u64) -> Option<&'static Region> {
    let regions = REGIONS.lock().unwrap_or_else(|e| e.into_inner());
    regions.iter().copied().find(|r| r.base <= addr && addr < r.base + r.size)
}

/// # Safety
/// None beyond the C ABI: the address is only looked up, never touched.
pub unsafe extern "C" fn ioremap(addr: c_ulong, size: c_ulong) -> *mut c_void {
    match find(addr as u64) {
        Some(r) if addr as u64 + size as u64 <= r.base + r.size => addr as *mut c_void,
        _ => core::ptr::null_mut(),
    }
}

/// # Safety
/// `val` points to `size` readable/writable bytes.
pub unsafe extern "C" fn iomem_access(addr: *const c_void, val: *mut c_void, size: c_int, write: c_int) -> c_int {
    const EINVAL: c_int = 22;
    let size = size as usize;
    if !matches!(size, 1 | 2 | 4 | 8) {
        return -EINVAL;
    }
    let Some(r) = find(addr as u64) else { return -EINVAL };
    let off = addr as u64 - r.base;
    let mut bytes = [0u8; 8];
    if write != 0 {
        // SAFETY: `val` has `size` bytes per the contract.
        unsafe { core::ptr::copy_nonoverlapping(val as *const u8, bytes.as_mut_ptr(), size) };
        let raise = r.window.lock().unwrap_or_else(|e| e.into_inner()).write(off, size, u64::from_le_bytes(bytes));
        if raise {
            // After the window is unlocked: the handler reads registers.
            // SAFETY: the irq came from lkl_get_free_irq for this device.
            unsafe { ffi::lkl_trigger_irq(r.irq) };
        }
    } else {
        let v = r.window.lock().unwrap_or_else(|e| e.into_inner()).read(off, size);
        bytes = v.to_le_bytes();
        // SAFETY: `val` has room for `size` bytes per the contract.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), val as *mut u8, size) };
    }
    0
}
