//! Capability-slot allocation in the component's own table.

use crate::sync::SpinLocked;

/// Slots below 32 are the fixed ones the constructor fills.
const FIRST: u32 = 32;
/// The table size components get from `loader::load` (the booter's own,
/// made by the kernel, is 128: it uses few).
const SLOTS: u32 = 128 * crate::loader::CAPTBL_PAGES as u32;

struct Free {
    next: u32,
    stack: [u32; SLOTS as usize],
    len: usize,
}

static FREE: SpinLocked<Free> = SpinLocked::new(Free { next: FIRST, stack: [0; SLOTS as usize], len: 0 });

/// A free slot; past the table's end it returns out-of-range slots, which
/// the kernel refuses (so exhaustion shows up as an error, not a reuse).
pub fn alloc() -> u32 {
    FREE.with(|f| {
        if f.len > 0 {
            f.len -= 1;
            return f.stack[f.len];
        }
        f.next += 1;
        f.next - 1
    })
}

/// Returns a slot whose capability the caller removed.
pub fn free(slot: u32) {
    FREE.with(|f| {
        if (FIRST..SLOTS).contains(&slot) && f.len < f.stack.len() {
            f.stack[f.len] = slot;
            f.len += 1;
        }
    })
}
