//! Physical memory: the direct map and the retype table over all RAM.

use crate::kcell::KCell;
use cellux_kerncore::retype::{Table, Ty};

/// All physical memory below 4 GiB is mapped here (kernel only).
pub const DIRECT_BASE: u64 = 0xffff_8000_0000_0000;
/// RAM below 4 GiB (the direct map's reach) is managed; above is ignored.
pub const MAX_FRAMES: usize = 1 << 20;

pub const fn phys_to_virt(p: u64) -> u64 {
    p + DIRECT_BASE
}

pub fn frame_ptr<T>(p: u64) -> *mut T {
    phys_to_virt(p) as *mut T
}

static RETYPE: KCell<[u64; MAX_FRAMES]> = KCell::new([0; MAX_FRAMES]);

pub fn table() -> Table<'static> {
    Table::new(RETYPE.get())
}

/// Zeroes by 64-bit words: write_bytes becomes `rep stosb`, which QEMU's
/// TCG runs one byte per step (a frame cost ~60 µs, most of a fork+exec).
pub fn zero_frame(p: u64) {
    let f = frame_ptr::<u64>(p);
    for i in 0..512 {
        // SAFETY: p is a RAM frame below 1 GiB (the retype table only holds
        // those), reached through the direct map; no Rust reference to it is live.
        unsafe { core::ptr::write_volatile(f.add(i), 0) }
    }
}

/// Physical range of the kernel image (frames never retypeable).
pub fn kernel_image() -> (u64, u64) {
    extern "C" {
        static __kernel_end: u8;
    }
    // SAFETY: only the symbol's address is used.
    let end = unsafe { &__kernel_end as *const u8 as u64 } - 0xffff_ffff_8000_0000;
    (0, end)
}

/// Marks RAM from the memory map as untyped, except the first MiB, the
/// kernel image and the boot modules. Returns the highest frame + 1.
pub fn init(info: &crate::arch::pvh::BootInfo) -> u64 {
    let mut t = table();
    let (_, kend) = kernel_image();
    let mut top = 0;
    for e in info.memmap.iter().filter(|e| e.kind == crate::arch::pvh::RAM) {
        let start = (e.addr + 4095) & !4095;
        let end = (e.addr + e.size) & !4095;
        let mut p = start.max(kend).max(0x10_0000);
        while p < end && ((p >> 12) as usize) < MAX_FRAMES {
            t.set_type(p, Ty::Untyped);
            p += 4096;
            top = top.max(p);
        }
    }
    for m in info.modules {
        let mut p = m.paddr & !4095;
        while p < m.paddr + m.size {
            t.set_type(p, Ty::Reserved);
            p += 4096;
        }
    }
    top
}

/// Boot-time allocation for the booter's objects: the first untyped frame,
/// retyped to `ty` and zeroed.
pub fn boot_take(ty: Ty) -> Option<u64> {
    let mut t = table();
    let mut p = 0x10_0000;
    while ((p >> 12) as usize) < MAX_FRAMES {
        if t.ty(p) == Ty::Untyped {
            t.retype(p, 1, ty).ok()?;
            zero_frame(p);
            return Some(p);
        }
        p += 4096;
    }
    None
}
