//! Where the server keeps what it maps, all inside the server region
//! (`cellux_abi::layout::SERVER_BASE..SERVER_END`), which in the Ring 1
//! design every process root shares (docs/ring1.md). The first slot holds
//! the image (linked at `IMAGE`, link.ld), the thread stacks and the heap;
//! the second is a window onto physical memory: Linux's RAM and device
//! registers appear at their physical address plus `PHYS_BASE`, so Linux's
//! `__pa`/`__va` are one subtraction apart (the host op `phys_offset`) and
//! the addresses it gives DMA devices are physical ones.

use cellux_rt::abi::layout::{SERVER_BASE, SERVER_END};

/// Where link.ld places the image.
pub const IMAGE: u64 = SERVER_BASE + 0x40_0000;
/// The server's thread stacks (`tcb`).
pub const STACKS: u64 = SERVER_BASE + 0x10_0000_0000;
/// The heap `mem_alloc` carves (`mem`).
pub const HEAP: u64 = SERVER_BASE + 0x20_0000_0000;
/// Physical address 0 in the window.
pub const PHYS_BASE: u64 = SERVER_BASE + (1 << 39);
/// Physical addresses the window covers: one PML4 slot, 512 GiB.
pub const PHYS_SIZE: u64 = 1 << 39;

const _: () = assert!(PHYS_BASE + PHYS_SIZE <= SERVER_END);

/// Where physical address `pa` is seen; None beyond the window.
pub fn phys_to_virt(pa: u64) -> Option<u64> {
    (pa < PHYS_SIZE).then_some(PHYS_BASE + pa)
}

/// The physical address seen at `va` in the window; None outside it.
pub fn virt_to_phys(va: u64) -> Option<u64> {
    (PHYS_BASE..PHYS_BASE + PHYS_SIZE).contains(&va).then_some(va - PHYS_BASE)
}
