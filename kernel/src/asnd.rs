//! Asynchronous end-points. Every thread has one: a count of pending
//! sends. An asnd capability names the thread it sends to; `RCV` (on
//! capability 0) consumes the caller's pending sends or blocks until one
//! comes, and blocking and waking are reported to the thread's scheduler
//! as events (`sched::post_event`). Interrupts arrive the same way
//! (`irq.rs`), so a driver thread is just a receiver.

use crate::arch::trap::Frame;
use crate::syscall::OpResult;
use crate::thread::{self, State};
use crate::{counters, sched};
use cellux_abi::err::Error;
use cellux_abi::ops::{asnd_op, self_op, ASND_THEN_RCV, ASND_YIELD, EVT_BLOCKED, EVT_WOKEN, RCV_NONBLOCK};

/// An op on an asnd capability to thread `t`.
pub fn op(f: &mut Frame, t: u64, op: u16) -> OpResult {
    match op {
        asnd_op::SEND => send(f, t, f.args()),
        _ => Err(Error::BadOp),
    }
}

fn send(f: &mut Frame, t: u64, a: asnd_op::Send) -> OpResult {
    let th = thread::get(t);
    if th.state == State::Dead {
        return Err(Error::ThreadState);
    }
    th.pending += 1;
    counters::count!(asnd_sends);
    let woke = th.state == State::Blocked;
    if woke {
        sched::complete_rcv(t);
        sched::post_event(th.sched, t, EVT_WOKEN);
    }
    if a.flags & ASND_THEN_RCV != 0 {
        return receive(f, 0, 0);
    }
    if woke && a.flags & ASND_YIELD != 0 && t != sched::current() {
        f.rax = 0;
        sched::switch_to(t);
        return Ok(None);
    }
    Ok(Some(0))
}

/// `self_op::RCV` on the caller's own end-point.
pub fn rcv(f: &mut Frame) -> OpResult {
    let a: self_op::Rcv = f.args();
    receive(f, a.flags, a.timeout)
}

/// The caller receives (`RCV_*` `flags`, absolute TSC `timeout`).
fn receive(f: &mut Frame, flags: u64, timeout: u64) -> OpResult {
    let t = sched::current();
    if sched::has_work(t) {
        sched::complete_rcv(t);
        return Ok(None);
    }
    if flags & RCV_NONBLOCK != 0 {
        return Err(Error::Again);
    }
    let th = thread::get(t);
    th.state = State::Blocked;
    th.timeout = timeout;
    // What the thread sees if its scheduler ends the wait (THD_WAKE).
    f.rax = Error::Timeout.as_ret() as u64;
    let s = th.sched;
    sched::post_event(s, t, EVT_BLOCKED);
    sched::run_next(s);
    Ok(None)
}
