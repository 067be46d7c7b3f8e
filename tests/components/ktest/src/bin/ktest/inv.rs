//! Components and synchronous invocation with thread migration.

use crate::{check, run, util, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::SELF_CT;
use cellux_rt::abi::ops::captbl_op;
use cellux_rt::{sys, thread};
use core::sync::atomic::{AtomicU32, Ordering};

pub const OP_ADD: u64 = 1;
pub const OP_WHO: u64 = 2;

/// The gate into a ktsrv instance, shared with the exception tests.
pub static SRV_GATE: AtomicU32 = AtomicU32::new(0);
pub static SRV_COMP: AtomicU32 = AtomicU32::new(0);

pub fn all() {
    run("comp.load_server_component", load_server);
    run("inv.call_and_return", call_and_return);
    run("inv.thread_migrates_with_token", migrates);
    run("inv.refuse_removed_gate", removed_gate);
    run("inv.refuse_return_without_invocation", return_without);
    run("fuzz.random_system_calls_from_a_component", fuzz);
}

fn load_server() -> TestResult {
    let b = util::load("ktsrv", 0).ok_or("ktsrv could not be built")?;
    let g = util::gate(&b, 0x70c).ok_or("gate")?;
    SRV_GATE.store(g, Ordering::Relaxed);
    SRV_COMP.store(b.comp, Ordering::Relaxed);
    check(util::kind_of(b.comp) == cellux_rt::abi::ops::CapKind::Comp as u64, "no component capability")
}

fn call_and_return() -> TestResult {
    let g = SRV_GATE.load(Ordering::Relaxed);
    let r = sys::invoke(g, [OP_ADD, 40, 2, 0, 0]);
    check(r.rax == 0, "invocation failed")?;
    check(r.rdi == 42, "wrong result from the server")
}

fn migrates() -> TestResult {
    let g = SRV_GATE.load(Ordering::Relaxed);
    let r = sys::invoke(g, [OP_WHO, 0, 0, 0, 0]);
    check(r.rax == 0, "invocation failed")?;
    check(r.rdi == thread::current(), "server saw another thread")?;
    check(r.rsi == 0x70c, "server saw the wrong token")
}

fn removed_gate() -> TestResult {
    let b = util::load("ktsrv", 0).ok_or("ktsrv")?;
    let g = util::gate(&b, 1).ok_or("gate")?;
    check(sys::invoke(g, [OP_ADD, 1, 1, 0, 0]).rdi == 2, "gate did not work before removal")?;
    sys::op(SELF_CT, captbl_op::REMOVE, [g as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    let r = sys::invoke(g, [OP_ADD, 1, 1, 0, 0]);
    check(r.rax as i64 == Error::NoCap.as_ret(), "removed gate still invocable")
}

fn return_without() -> TestResult {
    check(sys::op(0, cellux_rt::abi::ops::self_op::RET, [0; 6]) == Err(Error::NoFrame), "return with no invocation accepted")?;
    check(sys::op(0, cellux_rt::abi::ops::self_op::EXC_RESUME, [0; 6]) == Err(Error::NoFrame), "resume with no exception accepted")
}

/// A component without the hardware capability issues random system
/// calls; whatever it does to itself, the kernel and we keep working.
fn fuzz() -> TestResult {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut calls = 0;
    for round in 0..12 {
        let b = util::load_bare("ktsrv").ok_or("ktsrv")?;
        let g = util::gate(&b, 0).ok_or("gate")?;
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(round);
        let r = sys::invoke(g, [11, seed, 3000, 0, 0]);
        // Either it finished or it destroyed something it needed and
        // faulted (no handler): both end the invocation cleanly.
        if r.rax == 0 {
            calls += r.rdi;
        } else {
            check(r.rax as i64 == Error::Fault.as_ret(), "unexpected invocation error")?;
        }
        check(sys::invoke(SRV_GATE.load(Ordering::Relaxed), [OP_ADD, round, 1, 0, 0]).rdi == round + 1, "server broken after fuzzing")?;
        // Tear the component down: its tables, memory and gate go away.
        for s in [g, b.comp, b.ct, b.pt] {
            sys::op(SELF_CT, captbl_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).map_err(|_| "teardown")?;
            cellux_rt::slots::free(s);
        }
    }
    cellux_rt::println!("fuzz: {} random system calls in completed rounds", calls);
    check(calls > 0, "no fuzz round completed")
}
