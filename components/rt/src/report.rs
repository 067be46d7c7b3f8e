//! How QEMU test components report: one line per test, `PASS name` or
//! `FAIL name: why`, which the suites in tests/suites read, and a running
//! count so a component can print its summary and power off with the
//! result.

use core::fmt::Display;
use core::sync::atomic::{AtomicU64, Ordering};

static PASSED: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);

/// Prints and counts the outcome of test `name`.
pub fn case<E: Display>(name: &str, outcome: Result<(), E>) {
    match outcome {
        Ok(()) => {
            PASSED.fetch_add(1, Ordering::Relaxed);
            crate::println!("PASS {}", name);
        }
        Err(why) => {
            FAILED.fetch_add(1, Ordering::Relaxed);
            crate::println!("FAIL {}: {}", name, why);
        }
    }
}

/// (passed, failed) so far.
pub fn totals() -> (u64, u64) {
    (PASSED.load(Ordering::Relaxed), FAILED.load(Ordering::Relaxed))
}
