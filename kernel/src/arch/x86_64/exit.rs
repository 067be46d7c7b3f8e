//! Power-off through QEMU's isa-debug-exit device (iobase 0xf4): QEMU
//! exits with status (value << 1) | 1. Success is value 0x10 (status 33),
//! so no failure can be mistaken for it; each kind of failure has its own
//! (kernel/qemu.sh maps them): a failure 35, a fault in a component the
//! system cannot go on without 37, a fault or panic in the kernel 39.

use crate::arch::cpu::outl;

pub const SUCCESS: u32 = 0x10;
pub const FAILURE: u32 = 0x11;
pub const COMPONENT_FAULT: u32 = 0x12;
pub const KERNEL_FAULT: u32 = 0x13;

pub fn qemu_exit(code: u32) -> ! {
    outl(0xf4, code);
    // Without the device (another machine): stop here.
    crate::arch::cpu::halt_forever()
}
