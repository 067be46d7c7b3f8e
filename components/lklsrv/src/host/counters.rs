//! `kernel_counters`: the microkernel's event counters for Linux's
//! `/proc/cellux/counters` (lkl/overlay/arch/lkl/kernel/counters.c), read
//! with `hw_op::COUNTERS` and written as `name value` lines, the names
//! being `cellux_abi::counters::NAMES`: the one list of what the kernel
//! counts, so neither Linux nor this file repeats it. (The hosted
//! counterpart, `lkl/src/host/counters.rs`, has no kernel to ask.)

use cellux_rt::abi::counters::NAMES;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::cap::Hw;
use core::ffi::{c_char, c_long, c_ulong};
use core::fmt::Write;
use lkl::Errno;

/// A `fmt::Write` into a fixed buffer that fails instead of truncating.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).filter(|&e| e <= self.buf.len()).ok_or(core::fmt::Error)?;
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

pub unsafe extern "C" fn kernel_counters(buf: *mut c_char, len: c_ulong) -> c_long {
    if buf.is_null() {
        return Errno::EINVAL.as_return() as c_long;
    }
    let Ok(c) = Hw(boot_slot::HW).counters() else {
        return Errno::EIO.as_return() as c_long;
    };
    // SAFETY: Linux passes `len` writable bytes at `buf` (lkl_host.h).
    let mut out = Out { buf: unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, len as usize) }, len: 0 };
    for (name, v) in NAMES.iter().zip(c.values()) {
        if writeln!(out, "{name} {v}").is_err() {
            return Errno::ENOSPC.as_return() as c_long;
        }
    }
    out.len as c_long
}
