//! Benchmark component (filled in by the benchmark step).
#![no_std]
#![no_main]

use cellux_rt::entry::{Action, Upcall};

#[no_mangle]
fn cellux_main(_arg: u64) {
    cellux_rt::sys::power_off(true);
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [0, 0]
}

#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
