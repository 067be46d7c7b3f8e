//! Components and synchronous invocation with thread migration.

use crate::{check, run, util, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::SELF_CT;
use cellux_rt::abi::ops::ct_op;
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
    sys::op(SELF_CT, ct_op::REMOVE, [g as u64, 0, 0, 0, 0, 0]).map_err(|_| "remove")?;
    let r = sys::invoke(g, [OP_ADD, 1, 1, 0, 0]);
    check(r.rax as i64 == Error::NoCap.as_ret(), "removed gate still invocable")
}

fn return_without() -> TestResult {
    check(sys::op(0, cellux_rt::abi::ops::self_op::RET, [0; 6]) == Err(Error::NoFrame), "return with no invocation accepted")?;
    check(sys::op(0, cellux_rt::abi::ops::self_op::EXC_RESUME, [0; 6]) == Err(Error::NoFrame), "resume with no exception accepted")
}
