//! The hardware capability: console output, the timer, interrupt
//! attachment, port I/O, device memory and power-off. One capability,
//! given to the booter, grants all of it; user level hands out the parts
//! by interposing (a driver component holds it, clients invoke the driver).

use crate::arch::lapic;
use crate::arch::trap::Frame;
use crate::captbl;
use crate::syscall::OpResult;
use crate::{console, counters, irq, pgtbl, uaccess};
use cellux_abi::counters::{Counters, SIZE};
use cellux_abi::err::Error;
use cellux_abi::ops::{exit_status, hw_op, CapKind};

/// An op on the hardware capability; `own` is the caller's capability table.
#[inline(never)]
#[cold]
pub fn op(f: &mut Frame, own: u64, op: u16) -> OpResult {
    match op {
        hw_op::PRINT => {
            let a: hw_op::Print = f.args();
            let len = a.len.min(1024) as usize;
            let mut buf = [0u8; 1024];
            uaccess::read_user(a.buf, &mut buf[..len])?;
            console::bytes(&buf[..len]);
            Ok(Some(len as u64))
        }
        hw_op::TIMER_SET => {
            lapic::set_deadline(f.args::<hw_op::TimerSet>().deadline);
            Ok(Some(0))
        }
        hw_op::ATTACH => {
            let a: hw_op::Attach = f.args();
            let t = if a.asnd == 0 { 0 } else { captbl::lookup_kind(own, a.asnd, CapKind::Asnd)?.a };
            irq::attach(a.line, t, a.flags)?;
            Ok(Some(0))
        }
        hw_op::IRQ_ACK => irq::ack(f.args::<hw_op::IrqAck>().line).map(|_| Some(0)),
        hw_op::IO_IN => {
            let a: hw_op::IoIn = f.args();
            let port = u16::try_from(a.port).map_err(|_| Error::Inval)?;
            match a.size {
                1 => Ok(Some(crate::arch::cpu::inb(port) as u64)),
                2 => Ok(Some(crate::arch::cpu::inw(port) as u64)),
                4 => Ok(Some(crate::arch::cpu::inl(port) as u64)),
                _ => Err(Error::Inval),
            }
        }
        hw_op::IO_OUT => {
            let a: hw_op::IoOut = f.args();
            let port = u16::try_from(a.port).map_err(|_| Error::Inval)?;
            match a.size {
                1 => crate::arch::cpu::outb(port, a.value as u8),
                2 => crate::arch::cpu::outw(port, a.value as u16),
                4 => crate::arch::cpu::outl(port, a.value as u32),
                _ => return Err(Error::Inval),
            }
            Ok(Some(0))
        }
        hw_op::TSC_HZ => Ok(Some(lapic::tsc_hz())),
        hw_op::MAP_MMIO => {
            let a: hw_op::MapMmio = f.args();
            let pt = captbl::lookup_kind(own, a.pgtbl, CapKind::Pgtbl)?.a;
            let (va, pa, n) = (a.va, a.phys, a.pages);
            if n == 0 || n > 4096 || pa & 0xfff != 0 {
                return Err(Error::Inval);
            }
            let end = pa.checked_add(n * 4096).ok_or(Error::Inval)?;
            // Device memory only: the PCI hole below 4 GiB, minus the
            // local APIC, which the kernel owns.
            if pa < 0xc000_0000 || end > 0x1_0000_0000 || (pa < 0xfee0_1000 && end > 0xfee0_0000) {
                return Err(Error::Inval);
            }
            for i in 0..n {
                pgtbl::map(pt, va.wrapping_add(i * 4096), pa + i * 4096, cellux_abi::ops::PERM_WRITE, true)?;
            }
            Ok(Some(0))
        }
        hw_op::CRASH_TEST => {
            // SAFETY: deliberately faults: the address is in the kernel
            // half but mapped nowhere; the fault handler never returns.
            let v = unsafe { core::ptr::read_volatile(0xffff_c000_dead_0000 as *const u64) };
            Ok(Some(v))
        }
        hw_op::PROTECT_PROBE => {
            let a: hw_op::ProtectProbe = f.args();
            crate::arch::kmap::probe(a.kind, a.addr).map(Some)
        }
        hw_op::COUNTERS => {
            let a: hw_op::CopyCounters = f.args();
            let c = counters::snapshot();
            // SAFETY: Counters is repr(C) and all u64: no padding bytes.
            let bytes = unsafe { core::slice::from_raw_parts(&c as *const Counters as *const u8, SIZE) };
            uaccess::write_user(a.buf, &bytes[..(a.len as usize).min(SIZE)])?;
            Ok(Some(SIZE as u64))
        }
        hw_op::EXIT => {
            use crate::arch::exit;
            let (what, code) = match f.args::<hw_op::Exit>().status {
                exit_status::SUCCESS => ("success", exit::SUCCESS),
                exit_status::COMPONENT_FAULT => ("component fault", exit::COMPONENT_FAULT),
                _ => ("failure", exit::FAILURE),
            };
            console::str("cellux: power off (");
            console::str(what);
            console::str(")\n");
            exit::qemu_exit(code)
        }
        _ => Err(Error::BadOp),
    }
}
