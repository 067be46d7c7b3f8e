//! Kernel messages without core::fmt: formatting code from the prebuilt
//! `core` uses SSE registers, which hold live user state while the kernel
//! runs (see `fpu`). Only the panic path, which never returns to user
//! level, uses core::fmt.

use crate::arch::serial;

pub fn str(s: &str) {
    bytes(s.as_bytes());
}

pub fn bytes(b: &[u8]) {
    for &c in b {
        if c == b'\n' {
            serial::put(b'\r');
        }
        serial::put(c);
    }
}

pub fn hex(v: u64) {
    let mut buf = [0u8; 18];
    buf[0] = b'0';
    buf[1] = b'x';
    for i in 0..16 {
        let d = ((v >> ((15 - i) * 4)) & 0xf) as u8;
        buf[2 + i] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
    }
    bytes(&buf);
}

pub fn dec(mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    bytes(&buf[i..]);
}

/// `core::fmt` sink for the panic path.
pub struct Writer;

impl core::fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        str(s);
        Ok(())
    }
}
