//! Console output through the hardware capability.

use cellux_abi::layout::boot_slot;

pub fn bytes(b: &[u8]) {
    for chunk in b.chunks(1024) {
        let _ = crate::cap::Hw(boot_slot::HW).print(chunk);
    }
}

pub struct Console;

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        bytes(s.as_bytes());
        Ok(())
    }
}

/// Formats into a stack buffer and prints it in one system call, so lines
/// from different threads do not interleave.
pub fn line(args: core::fmt::Arguments) {
    struct Buf {
        b: [u8; 512],
        n: usize,
    }
    impl core::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let room = self.b.len() - self.n;
            let k = s.len().min(room);
            self.b[self.n..self.n + k].copy_from_slice(&s.as_bytes()[..k]);
            self.n += k;
            Ok(())
        }
    }
    let mut b = Buf { b: [0; 512], n: 0 };
    let _ = core::fmt::write(&mut b, args);
    bytes(&b.b[..b.n]);
}

#[macro_export]
macro_rules! println {
    ($($t:tt)*) => { $crate::print::line(format_args!("{}\n", format_args!($($t)*))) };
}
