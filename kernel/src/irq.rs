//! Interrupts become asynchronous sends to the thread attached to them.

use crate::kcell::KCell;
use crate::arch::lapic;
use crate::thread::{self, State};
use crate::{counters, obj, sched};

use crate::arch::ioapic;
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::{irq_gsi, IRQ_ACTIVE_LOW, IRQ_GSIS, IRQ_LEVEL, IRQ_TIMER};

/// Line 0 is the timer, line 1 + g is IOAPIC input g.
const LINES: usize = 1 + IRQ_GSIS as usize;
/// Thread each line sends to (0: none), and whether it is level-triggered.
static ATTACHED: KCell<[u64; LINES]> = KCell::new([0; LINES]);
static LEVEL: KCell<[bool; LINES]> = KCell::new([false; LINES]);

fn line_of_vector(v: u64) -> Option<usize> {
    if v == lapic::TIMER_VECTOR {
        return Some(IRQ_TIMER as usize);
    }
    let g = v.checked_sub(ioapic::GSI_VECTOR_BASE)?;
    (g < IRQ_GSIS).then(|| irq_gsi(g) as usize)
}

fn gsi_of(line: u64) -> KResult<Option<u64>> {
    if line == IRQ_TIMER {
        return Ok(None);
    }
    let g = line.checked_sub(irq_gsi(0)).ok_or(Error::Inval)?;
    if g >= IRQ_GSIS.min(ioapic::inputs()) {
        return Err(Error::Inval);
    }
    Ok(Some(g))
}

pub fn attach(line: u64, t: u64, flags: u64) -> KResult<()> {
    let gsi = gsi_of(line)?;
    if t != 0 {
        obj::get(t)?;
    }
    let l = line as usize;
    let old = core::mem::replace(&mut ATTACHED.get()[l], t);
    if old != 0 {
        obj::put(old);
    }
    LEVEL.get()[l] = flags & IRQ_LEVEL != 0;
    if let Some(g) = gsi {
        if t == 0 {
            ioapic::mask(g);
        } else {
            ioapic::route(g, flags & IRQ_LEVEL != 0, flags & IRQ_ACTIVE_LOW != 0);
        }
    }
    Ok(())
}

/// A level-triggered line was handled: let it interrupt again.
pub fn ack(line: u64) -> KResult<()> {
    match gsi_of(line)? {
        Some(g) if ATTACHED.get()[line as usize] != 0 => {
            ioapic::unmask(g);
            Ok(())
        }
        _ => Err(Error::Inval),
    }
}

pub fn handle(vector: u64, from_user: bool) {
    if vector == lapic::SPURIOUS_VECTOR {
        return;
    }
    counters::count!(interrupts);
    let Some(l) = line_of_vector(vector) else {
        lapic::eoi();
        return;
    };
    if l == IRQ_TIMER as usize {
        counters::count!(timer_ticks);
    }
    // A level-triggered input stays asserted until its device is
    // serviced: keep it masked until user level acknowledges it.
    if LEVEL.get()[l] && l != IRQ_TIMER as usize {
        ioapic::mask(l as u64 - irq_gsi(0));
    }
    lapic::eoi();
    let t = ATTACHED.get()[l];
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
