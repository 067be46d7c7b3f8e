//! Fixed addresses and limits both sides agree on.

/// Frame size.
pub const PAGE: u64 = 4096;
/// Highest user address + 1 (the lower canonical half).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Lowest user address a mapping may use.
pub const USER_START: u64 = 0x1000;

/// The server region: four upper-half PML4 slots (384..388, 2 TiB) apart
/// from the kernel's (direct map at 256, entry area at 510, image at 511).
/// The LKL server is linked and runs here. Today it is a component like
/// any other, whose root maps the region as user memory; in the Ring 1
/// design every process root shares these slots, supervisor-only, and the
/// server runs in them at CPL1 (docs/ring1.md).
pub const SERVER_BASE: u64 = 0xffff_c000_0000_0000;
/// The PML4 slots of the server region.
pub const SERVER_SLOTS: core::ops::Range<usize> = 384..388;
/// End of the server region (exclusive).
pub const SERVER_END: u64 = SERVER_BASE + (((SERVER_SLOTS.end - SERVER_SLOTS.start) as u64) << 39);

/// In the server region.
pub const fn in_server_region(va: u64) -> bool {
    va >= SERVER_BASE && va < SERVER_END
}

/// An address user-mode code may run at: the lower half, or the server
/// region (the server is a user-mode component until the Ring 1 flip).
pub const fn is_user(va: u64) -> bool {
    va < USER_END || in_server_region(va)
}

/// A page a component's page table may map: the user half above page 0,
/// or the server region.
pub const fn is_mappable(va: u64) -> bool {
    (va >= USER_START && va < USER_END) || in_server_region(va)
}

/// [start, start + len) lies wholly in one mappable area.
pub const fn is_mappable_range(start: u64, len: u64) -> bool {
    let Some(end) = start.checked_add(len) else { return false };
    (start >= USER_START && end <= USER_END) || (start >= SERVER_BASE && end <= SERVER_END)
}
/// A canonical address (bits 63..47 all equal): one a register like rsp
/// or a segment base can hold without faulting.
pub const fn is_canonical(v: u64) -> bool {
    let top = (v as i64) >> 47;
    top == 0 || top == -1
}

/// Thread ids are 0..MAX_THREADS; components keep one stack per id.
pub const MAX_THREADS: usize = 128;
/// Where the kernel maps the boot archive (read-only) in the booter, and
/// the booter in every component but the server.
pub const BOOT_ARCHIVE_VA: u64 = 0x0000_0040_0000_0000;
/// Where the booter maps it for the server, which keeps all it maps in
/// its region (its lower half is the process's in a process root).
pub const SERVER_ARCHIVE_VA: u64 = SERVER_BASE + 0x30_0000_0000;

/// The slots the booter fills in the scheduler's capability table for
/// client (application) i: `CLIENT_BASE + i * CLIENT_STRIDE` onwards; the
/// scheduler finds its clients there.
pub const CLIENT_BASE: u32 = 16;
pub const CLIENT_STRIDE: u32 = 4;

/// Capability slots the kernel fills in the booter's table.
pub mod boot_slot {
    pub const SELF_CT: u32 = 1;
    pub const SELF_PT: u32 = 2;
    pub const SELF_COMP: u32 = 3;
    pub const SELF_THD: u32 = 4;
    pub const UNTYPED: u32 = 5;
    pub const HW: u32 = 6;
    /// First free slot.
    pub const FREE: u32 = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_region_is_its_slots_and_apart_from_the_kernel() {
        assert_eq!((SERVER_BASE >> 39) & 511, SERVER_SLOTS.start as u64);
        assert_eq!(((SERVER_END - 1) >> 39) & 511, SERVER_SLOTS.end as u64 - 1);
        assert!(SERVER_SLOTS.start > 256 && SERVER_SLOTS.end <= 510);
    }

    #[test]
    fn mappable_is_the_user_half_or_the_region() {
        assert!(!is_mappable(0) && is_mappable(USER_START) && is_mappable(USER_END - PAGE));
        assert!(!is_mappable(USER_END) && !is_mappable(SERVER_BASE - PAGE));
        assert!(is_mappable(SERVER_BASE) && is_mappable(SERVER_END - PAGE) && !is_mappable(SERVER_END));
        assert!(!is_mappable(0xffff_8000_0000_0000) && !is_mappable(u64::MAX & !0xfff));
        assert!(is_mappable_range(SERVER_BASE, SERVER_END - SERVER_BASE));
        assert!(!is_mappable_range(USER_END - PAGE, 2 * PAGE));
        assert!(!is_mappable_range(SERVER_END - PAGE, 2 * PAGE));
        assert!(!is_mappable_range(u64::MAX - PAGE, 2 * PAGE));
        assert!(is_user(0) && is_user(USER_END - 1) && !is_user(USER_END));
        assert!(is_user(SERVER_BASE) && !is_user(SERVER_END) && !is_user(0xffff_ff80_0000_0000));
        assert!(in_server_region(SERVER_ARCHIVE_VA) && in_server_region(SERVER_ARCHIVE_VA + (1 << 30)));
    }
}
