//! The kernel's event counters (`cellux_abi::counters`): plain `u64`s
//! bumped where each event happens, copied out by `hw_op::COUNTERS`. One
//! CPU, interrupts off in the kernel (see `kcell`): a plain increment is
//! exact, no atomics or per-CPU copies needed, and it costs one
//! read-modify-write of a cache line the hot paths already touch.

use crate::kcell::KCell;
use cellux_abi::counters::Counters;

static COUNTERS: KCell<Counters> = KCell::new(Counters {
    kcalls: 0, linux_syscalls: 0, exceptions: 0, page_faults: 0, interrupt_upcalls: 0, interrupts: 0,
    timer_ticks: 0, cr3_writes: 0, thread_switches: 0, sinv_calls: 0, sinv_returns: 0, asnd_sends: 0, idles: 0,
    copy_faults: 0,
});

/// Adds one to counter `$field` of `Counters`. Wrapping: 2^64 events are
/// never reached, and the hot paths get no overflow check.
macro_rules! count {
    ($field:ident) => {{
        let c = &mut $crate::counters::get().$field;
        *c = c.wrapping_add(1);
    }};
}
pub(crate) use count;

#[inline(always)]
pub fn get() -> &'static mut Counters {
    COUNTERS.get()
}

/// A copy, for `hw_op::COUNTERS`.
pub fn snapshot() -> Counters {
    *COUNTERS.get()
}
