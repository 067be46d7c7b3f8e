//! The LKL server component: Linux 6.12 as a library (the port's `lkl.o`,
//! through the `lkl` crate's no_std core) on a host-operations layer made
//! of the cellux kernel's primitives. The constructor-made thread moves to
//! a large stack, finds the virtio-mmio devices, boots Linux and runs the
//! server's self-tests, reporting PASS/FAIL lines on the console, or runs
//! the command the boot archive names as the first Linux process.
//!
//! Two halves: `host` (Linux's host operations on the kernel's
//! primitives, named as in the hosted implementation, `lkl/src/host/`) and
//! `process` (serving Linux processes: their traps, tables, fork, exec,
//! forwarding to Linux, signal kicks, the first process). `boot` is what
//! the server does once Linux is up; `selftest` its tests without a
//! command to run.
#![no_std]
#![no_main]
// C's `unsigned long` is u64 here; the casts keep the C types visible.
#![allow(clippy::unnecessary_cast)]

extern crate alloc;

mod boot;
mod host;
mod process;
mod selftest;
mod unwind;

use cellux_rt::abi::err::Error;
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{println, sys};
use core::sync::atomic::Ordering;

/// Linux's RAM (one `page_alloc` grant, identity-mapped) and log level;
/// the devices' words are appended by Linux (`virtio_devices`).
/// virtio_net without transmit-completion interrupts (its napi_tx=0: sent
/// buffers are reclaimed at the next transmit, and the queue interrupts
/// only when it fills): here each interrupt costs its thread's wake-up and
/// several thread switches, and a TCP round trip took two (scripts/bench's
/// tcp-rr counts: 2.08 interrupts and 10.6-11.0 thread switches per round
/// trip with them, 1.26-1.34 and 8.6-9.1 without).
const CMDLINE: &core::ffi::CStr = c"mem=40M loglevel=6 virtio_net.napi_tx=0";

#[no_mangle]
fn cellux_main(arg: u64) {
    // The server's panic is the system's end: fault, for our handler (the
    // booter) to report and power off.
    cellux_rt::fault_on_panic();
    // The booter starts us with 0; threads we make carry their record.
    if arg != 0 {
        host::thread::start(arg)
    }
    let id = host::tcb::tid();
    host::tcb::of(id).asnd.store(cellux_rt::thread::SELF_ASND, Ordering::Release);
    match host::tcb::stack_top(id) {
        Ok(top) => host::tcb::switch_stack(top, boot, 0),
        Err(e) => {
            println!("lkl server: no stack: {:?}", e);
            sys::power_off(false)
        }
    }
}

extern "C" fn boot(_: u64) -> ! {
    let on_off = |on: bool| if on { "on" } else { "off" };
    let (fast, direct) = (on_off(host::fastpath::register()), on_off(host::uaccess::register()));
    println!("lkl server: running at CPL{}, fast path {}, direct user copies {}", cellux_rt::cpu::privilege_level(), fast, direct);
    host::timer::init();
    let devices = host::virtio::probe();
    let Some(ops) = host::table::table(devices.words()) else {
        println!("lkl server: out of memory for the host table");
        sys::power_off(false)
    };
    cellux_process::filecache::install(process::pagecache::LINUX);
    cellux_process::view::install(process::vmas::LINUX);
    let started = lkl::start(ops, CMDLINE).map(|_| ());
    if started.is_ok() {
        host::console::start_input();
        host::rtc::set_system_time();
    }
    // A boot archive with a `run` entry is a one-shot run of a command;
    // without one the server tests itself.
    match boot::archive::find("run") {
        Some(cmd) => process::oneshot::run(started, devices.count(), cmd),
        None => selftest::run(started, devices.count()),
    }
}

#[no_mangle]
fn cellux_sinv(_u: &Upcall) -> [u64; 2] {
    [Error::BadOp.as_ret() as u64, 0]
}

#[no_mangle]
fn cellux_exception(u: &Upcall) -> Action {
    if process::table::owns(u.token) {
        process::trap::handle(u)
    } else {
        Action::End(u.vector)
    }
}
