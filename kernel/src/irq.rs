//! Interrupts become asynchronous sends to the thread attached to them.

use crate::kcell::KCell;
use crate::lapic;
use crate::thread::{self, State};
use crate::{obj, sched};

const LINES: usize = 256;
/// Thread each line sends to (0: none); index 0 is the timer.
static ATTACHED: KCell<[u64; LINES]> = KCell::new([0; LINES]);

pub fn line_of_vector(v: u64) -> usize {
    if v == lapic::TIMER_VECTOR { 0 } else { v as usize }
}

pub fn attach(line: u64, t: u64) -> cellux_abi::err::KResult<()> {
    let l = line as usize;
    if l >= LINES || (l != 0 && l < 33) {
        return Err(cellux_abi::err::Error::Inval);
    }
    if t != 0 {
        obj::get(t)?;
    }
    let old = core::mem::replace(&mut ATTACHED.get()[l], t);
    if old != 0 {
        obj::put(old);
    }
    Ok(())
}

pub fn handle(vector: u64, from_user: bool) {
    if vector == lapic::SPURIOUS_VECTOR {
        return;
    }
    lapic::eoi();
    let t = ATTACHED.get()[line_of_vector(vector)];
    if t == 0 {
        return;
    }
    let th = thread::get(t);
    if th.state == State::Dead {
        return;
    }
    th.pending += 1;
    if th.state == State::Blocked {
        sched::complete_rcv(t);
        sched::post_event(th.sched, t, cellux_abi::ops::EVT_WOKEN);
    }
    if thread::get(t).state == State::Runnable {
        sched::preempt_for(t, from_user);
    }
}
