//! The kernel's event counters, as `hw_op::COUNTERS` copies them out: one
//! `u64` per kind of event, counted since boot and never reset, so a
//! reader takes two snapshots and subtracts. They say where the time goes
//! per operation (issues 11 and 13): how many kernel entries of each
//! kind, page-table switches, thread switches and invocations one Linux
//! syscall, pipe round trip or fork+exec+wait costs.
//!
//! The struct is `#[repr(C)]`, all `u64`, in declaration order; `NAMES`
//! lists the fields in that order and is what readers print (the LKL
//! server's `/proc/cellux/counters` lines), so a counter is named once,
//! here. New counters go at the end: an older reader that asks for fewer
//! bytes still gets the ones it knows.

/// Declares the struct, its field names in order and their count.
macro_rules! counters {
    ($( $(#[$doc:meta])* $field:ident, )*) => {
        /// One snapshot of the kernel's counters (see the module comment).
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct Counters {
            $( $(#[$doc])* pub $field: u64, )*
        }

        /// The field names, in the struct's order.
        pub const NAMES: [&str; COUNT] = [$( stringify!($field), )*];
        /// How many counters there are.
        pub const COUNT: usize = [$( stringify!($field), )*].len();

        impl Counters {
            /// The values, in `NAMES` order.
            pub fn values(&self) -> [u64; COUNT] {
                [$( self.$field, )*]
            }
        }
    };
}

counters! {
    /// `syscall` by a capability-ABI component: one kernel operation
    /// (an invocation, a return, a receive, an exception resume...).
    kcalls,
    /// `syscall` by a Linux-ABI component delivered to its handler (the
    /// LKL server) as an exception upcall: one trapped Linux syscall.
    linux_syscalls,
    /// CPU exceptions (vectors 0-31) taken in user mode and delivered to
    /// the component's handler (page faults included).
    exceptions,
    /// Page faults taken in user mode (delivered or not).
    page_faults,
    /// `thd_op::INTERRUPT` upcalls delivered (asynchronous signals).
    interrupt_upcalls,
    /// Hardware interrupts, in user mode or while idle (timer included).
    interrupts,
    /// Of those, the kernel's one-shot timer firing.
    timer_ticks,
    /// CR3 loads: every page-table switch (and TLB flush by reload).
    cr3_writes,
    /// The CPU changed threads (a switch, a block, a wake-up from idle).
    thread_switches,
    /// Synchronous invocations entered (`sinv` calls).
    sinv_calls,
    /// Returns from them (`self_op::RET`).
    sinv_returns,
    /// Asynchronous sends (`asnd_op::SEND`; interrupts are not counted here).
    asnd_sends,
    /// Times the CPU went idle (no runnable thread: halted until an interrupt).
    idles,
    /// Page faults of the server's direct user copies (Ring 1 design)
    /// resumed at its fix-up: a process page to back, or a bad pointer.
    copy_faults,
}

/// Its size in bytes: what `hw_op::COUNTERS` returns.
pub const SIZE: usize = core::mem::size_of::<Counters>();

const _: () = assert!(SIZE == COUNT * 8, "Counters is all u64, no padding");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_fields_in_order() {
        let c = Counters { kcalls: 1, linux_syscalls: 2, copy_faults: 99, ..Counters::default() };
        let v = c.values();
        assert_eq!(NAMES[0], "kcalls");
        assert_eq!(NAMES[1], "linux_syscalls");
        assert_eq!(NAMES[COUNT - 1], "copy_faults");
        assert_eq!((v[0], v[1], v[COUNT - 1]), (1, 2, 99));
        assert!(NAMES.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')));
    }
}
