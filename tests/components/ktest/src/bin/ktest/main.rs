//! The kernel test component. The booter starts it with its own tables,
//! untyped memory and the boot archive; it exercises every kernel
//! operation and refusal, building the components it needs (a server, a
//! Linux-ABI component) itself, and prints one line per test:
//! `PASS <name>` or `FAIL <name>: <why>`, then a summary line
//! `KTEST DONE passed=N failed=M`. tests/suites/20-kernel knows the list
//! of expected names, so a test that never reports counts as failed.
#![no_std]
#![no_main]

mod exc;
mod hostile;
mod inv;
mod irq;
mod memory;
mod probe;
mod protect;
mod sched;
mod util;

use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{println, sys};

pub type TestResult = Result<(), &'static str>;

pub fn check(cond: bool, why: &'static str) -> TestResult {
    if cond { Ok(()) } else { Err(why) }
}

pub fn run(name: &str, f: impl FnOnce() -> TestResult) {
    cellux_rt::report::case(name, f());
}

#[no_mangle]
fn cellux_main(_arg: u64) {
    println!("ktest: starting");
    memory::all();
    inv::all();
    exc::all();
    sched::all();
    irq::all();
    probe::all();
    protect::all();
    hostile::all();
    let (p, f) = cellux_rt::report::totals();
    println!("KTEST DONE passed={} failed={}", p, f);
    sys::power_off(f == 0);
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [cellux_rt::abi::err::Error::BadOp.as_ret() as u64, 0]
}

#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    exc::handler(u)
}
