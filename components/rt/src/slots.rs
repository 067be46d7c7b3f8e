//! Capability-slot allocation in the component's own table.

use core::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(32);

/// Slots below 32 are the fixed ones the constructor fills.
pub fn alloc() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}
