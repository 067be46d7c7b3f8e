//! Device interrupts through the IOAPIC as asynchronous sends, using the
//! COM1 UART's transmitter-empty interrupt (GSI 4), which fires as soon
//! as it is enabled.

use crate::{check, run, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::HW;
use cellux_rt::abi::ops::{hw_op, irq_gsi, IRQ_LEVEL};
use cellux_rt::{sys, thread};

const COM1_IER: u64 = 0x3f9;
const UART: u64 = irq_gsi(4);

pub fn all() {
    run("irq.device_interrupt_delivered", edge);
    run("irq.level_line_masked_until_ack", level);
    run("irq.refuse_bad_line", bad_line);
}

fn us(n: u64) -> u64 {
    sys::tsc_hz() / 1_000_000 * n
}

fn attach(flags: u64) -> TestResult {
    let me = thread::asnd_slot(thread::current());
    sys::op(HW, hw_op::ATTACH, [UART, me as u64, flags, 0, 0, 0]).map(|_| ()).map_err(|_| "attach refused")
}

fn uart_irq(on: bool) {
    let _ = sys::op(HW, hw_op::IO_OUT, [COM1_IER, 1, if on { 2 } else { 0 }, 0, 0, 0]);
}

fn cleanup() {
    uart_irq(false);
    let _ = sys::op(HW, hw_op::ATTACH, [UART, 0, 0, 0, 0, 0]);
    while sys::rcv(true, 0).is_ok() {}
}

fn edge() -> TestResult {
    while sys::rcv(true, 0).is_ok() {}
    attach(0)?;
    uart_irq(true);
    let r = sys::rcv(false, sys::rdtsc() + us(200_000));
    cleanup();
    check(matches!(r, Ok((n, _)) if n >= 1), "no interrupt arrived")
}

fn level() -> TestResult {
    while sys::rcv(true, 0).is_ok() {}
    attach(IRQ_LEVEL)?;
    uart_irq(true);
    let first = sys::rcv(false, sys::rdtsc() + us(200_000));
    // Still asserted, but masked until we acknowledge.
    let quiet = sys::rcv(false, sys::rdtsc() + us(20_000));
    let acked = sys::op(HW, hw_op::IRQ_ACK, [UART, 0, 0, 0, 0, 0]);
    let second = sys::rcv(false, sys::rdtsc() + us(200_000));
    cleanup();
    check(matches!(first, Ok((n, _)) if n >= 1), "no interrupt arrived")?;
    check(quiet.err() == Some(Error::Timeout), "masked line interrupted again")?;
    check(acked.is_ok(), "ack refused")?;
    check(matches!(second, Ok((n, _)) if n >= 1), "no interrupt after ack")
}

fn bad_line() -> TestResult {
    let me = thread::asnd_slot(thread::current()) as u64;
    check(sys::op(HW, hw_op::ATTACH, [irq_gsi(24), me, 0, 0, 0, 0]) == Err(Error::Inval), "line past the IOAPIC accepted")?;
    check(sys::op(HW, hw_op::ATTACH, [u64::MAX, me, 0, 0, 0, 0]) == Err(Error::Inval), "huge line accepted")?;
    check(sys::op(HW, hw_op::ATTACH, [UART, 3, 0, 0, 0, 0]) == Err(Error::NoCap), "non-asnd capability accepted")?;
    check(sys::op(HW, hw_op::IRQ_ACK, [irq_gsi(9), 0, 0, 0, 0, 0]) == Err(Error::Inval), "ack of an unattached line")?;
    check(sys::op(HW, hw_op::IO_IN, [0x10000, 1, 0, 0, 0, 0]) == Err(Error::Inval), "port past 16 bits")
}
