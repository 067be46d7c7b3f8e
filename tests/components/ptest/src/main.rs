//! The process test component: it is the exception handler of the Linux
//! processes it builds from the static test programs in the boot archive,
//! serves their syscalls through the personality (with a test-only
//! Forward hook), and prints `PASS <name>` or `FAIL <name>: <why>` per
//! case, then `PTEST DONE passed=N failed=M`. tests/suites/25-process
//! knows the expected names, so a case that never reports fails.
#![no_std]
#![no_main]

extern crate alloc;

mod cases;
mod console;
mod heap;
mod table;

use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{println, sys};

#[no_mangle]
fn cellux_main(_arg: u64) {
    println!("ptest: starting");
    let (p, f) = cases::all();
    println!("PTEST DONE passed={} failed={}", p, f);
    sys::power_off(f == 0);
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [cellux_rt::abi::err::Error::BadOp.as_ret() as u64, 0]
}

#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    table::handle(u)
}
