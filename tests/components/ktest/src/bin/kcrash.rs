//! Asks the kernel for its fault-report self-test (tests/suites/20-kernel
//! checks the report and the failure exit).
#![no_std]
#![no_main]

use cellux_rt::abi::layout::boot_slot::HW;
use cellux_rt::abi::ops::hw_op;
use cellux_rt::entry::{Action, Upcall};

#[no_mangle]
fn cellux_main(_arg: u64) {
    let _ = cellux_rt::sys::op(HW, hw_op::CRASH_TEST, [0; 6]);
    cellux_rt::println!("kcrash: the kernel survived its crash test");
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [0, 0]
}

#[no_mangle]
fn cellux_exception(_u: &Upcall) -> Action {
    Action::End(0)
}
