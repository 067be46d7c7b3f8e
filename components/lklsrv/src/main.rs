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

/// Linux's log level; Linux's RAM (`mem=`, `linux_ram`) goes before it
/// and the devices' words are appended by Linux (`virtio_devices`).
/// virtio_net without transmit-completion interrupts (its napi_tx=0: sent
/// buffers are reclaimed at the next transmit, and the queue interrupts
/// only when it fills): here each interrupt costs its thread's wake-up and
/// several thread switches, and a TCP round trip took two (scripts/bench's
/// tcp-rr counts: 2.08 interrupts and 10.6-11.0 thread switches per round
/// trip with them, 1.26-1.34 and 8.6-9.1 without).
const CMDLINE: &str = "loglevel=6 virtio_net.napi_tx=0";

/// What of our untyped memory is not Linux's: the kernel objects of the
/// processes (their tables, page-table levels, threads), the server's
/// heap (its process records, a backing's map of frames, an executable
/// read from disk), its stacks and the page-table levels of the window
/// Linux's RAM is mapped in. A fixed part and a share that grows with
/// the machine (the levels and maps grow with the memory processes use).
const NOT_LINUX_FIXED: u64 = 24 << 20;
const NOT_LINUX_SHARE: u64 = 16;

/// Bytes of Linux's RAM: our untyped memory less what is not Linux's.
/// It is the pool processes' pages come from as well (`userpages`), so
/// `--mem` sizes Linux's MemTotal, as a machine's RAM does.
fn linux_ram() -> u64 {
    let ours = cellux_rt::mem::frames_left() * 4096;
    let keep = NOT_LINUX_FIXED + ours / NOT_LINUX_SHARE;
    (ours.saturating_sub(keep) >> 20) << 20
}

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
    cellux_process::frames::install(process::userpages::LINUX);
    let ram = linux_ram();
    println!("lkl server: Linux's RAM {} MiB", ram >> 20);
    let Ok(cmdline) = alloc::ffi::CString::new(alloc::format!("mem={}M {}", ram >> 20, CMDLINE)) else {
        sys::power_off(false)
    };
    let started = lkl::start(ops, &cmdline).map(|_| ());
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
