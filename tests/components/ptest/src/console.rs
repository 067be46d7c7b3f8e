//! TEST HARNESS ONLY, not the personality: the stand-in for the LKL
//! server's Forward hook. It answers `write` to fd 1 and 2 by printing on
//! the serial console (so test programs can be seen) and every other
//! forwarded call with -ENOSYS, remembering which numbers it refused.

use cellux_personality::forward::{Caller, Forward};
use cellux_personality::memory::Memory;
use cellux_rt::print;
use linux_abi::{nr, Errno};

pub struct TestForward {
    /// Distinct syscall numbers answered ENOSYS, in first-seen order.
    pub refused: [u16; 32],
    pub n_refused: usize,
}

impl TestForward {
    pub const fn new() -> Self {
        TestForward { refused: [0; 32], n_refused: 0 }
    }
}

impl Forward for TestForward {
    fn syscall(&mut self, _caller: Caller, n: i64, a: [u64; 6], mem: &mut dyn Memory) -> i64 {
        if n == nr::WRITE && (a[0] == 1 || a[0] == 2) {
            let mut buf = [0u8; 256];
            let n = (a[2] as usize).min(buf.len());
            if mem.read(a[1], &mut buf[..n]).is_err() {
                return Errno::EFAULT.as_return();
            }
            print::bytes(b"  | ");
            print::bytes(&buf[..n]);
            return n as i64;
        }
        if !self.refused[..self.n_refused].contains(&(n as u16)) && self.n_refused < self.refused.len() {
            self.refused[self.n_refused] = n as u16;
            self.n_refused += 1;
        }
        Errno::ENOSYS.as_return()
    }
}
