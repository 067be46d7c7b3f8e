//! Fixed addresses and limits both sides agree on.

/// Frame size.
pub const PAGE: u64 = 4096;
/// Highest user address + 1 (the lower canonical half).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Lowest user address a mapping may use.
pub const USER_START: u64 = 0x1000;
/// Thread ids are 0..MAX_THREADS; components keep one stack per id.
pub const MAX_THREADS: usize = 128;
/// Where the kernel maps the boot archive (read-only) in the booter.
pub const BOOT_ARCHIVE_VA: u64 = 0x0000_0040_0000_0000;

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
