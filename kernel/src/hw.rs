//! The hardware capability: console output, the timer, interrupt
//! attachment, device memory and power-off.

use crate::captbl;
use crate::arch::trap::Frame;
use crate::arch::lapic;
use crate::{console, irq, pgtbl, uaccess};
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops::{hw_op, CapKind};

pub fn op(f: &mut Frame, own: u64, op: u16) -> KResult<Option<u64>> {
    match op {
        hw_op::PRINT => {
            let len = f.rsi.min(1024) as usize;
            let mut buf = [0u8; 1024];
            uaccess::read_user(f.rdi, &mut buf[..len])?;
            console::bytes(&buf[..len]);
            Ok(Some(len as u64))
        }
        hw_op::TIMER_SET => {
            lapic::set_deadline(f.rdi);
            Ok(Some(0))
        }
        hw_op::ATTACH => {
            let t = if f.rsi == 0 { 0 } else { captbl::lookup_kind(own, f.rsi, CapKind::Asnd)?.a };
            irq::attach(f.rdi, t, f.rdx)?;
            Ok(Some(0))
        }
        hw_op::IRQ_ACK => irq::ack(f.rdi).map(|_| Some(0)),
        hw_op::IO_IN => {
            let port = u16::try_from(f.rdi).map_err(|_| Error::Inval)?;
            match f.rsi {
                1 => Ok(Some(crate::arch::cpu::inb(port) as u64)),
                2 => Ok(Some(crate::arch::cpu::inw(port) as u64)),
                4 => Ok(Some(crate::arch::cpu::inl(port) as u64)),
                _ => Err(Error::Inval),
            }
        }
        hw_op::IO_OUT => {
            let port = u16::try_from(f.rdi).map_err(|_| Error::Inval)?;
            match f.rsi {
                1 => crate::arch::cpu::outb(port, f.rdx as u8),
                2 => crate::arch::cpu::outw(port, f.rdx as u16),
                4 => crate::arch::cpu::outl(port, f.rdx as u32),
                _ => return Err(Error::Inval),
            }
            Ok(Some(0))
        }
        hw_op::TSC_HZ => Ok(Some(lapic::tsc_hz())),
        hw_op::MAP_MMIO => {
            let pt = captbl::lookup_kind(own, f.rdi, CapKind::Pgtbl)?.a;
            let (va, pa, n) = (f.rsi, f.rdx, f.r10);
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
        hw_op::EXIT => {
            console::str(if f.rdi == 0 { "cellux: power off (success)\n" } else { "cellux: power off (failure)\n" });
            crate::arch::exit::qemu_exit(if f.rdi == 0 { crate::arch::exit::SUCCESS } else { crate::arch::exit::FAILURE })
        }
        _ => Err(Error::BadOp),
    }
}
