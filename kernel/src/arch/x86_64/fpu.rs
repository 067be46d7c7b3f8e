//! FPU/SSE state. The kernel itself is built without SSE (see
//! scripts/build-kernel), so user FPU registers stay live across kernel
//! entries and only need saving when another context takes the CPU's FPU:
//! a thread switch, or an exception upcall into a handler component.

use crate::thread::Fpu;
use core::arch::asm;

pub fn save(f: &mut Fpu) {
    // SAFETY: f is 16-byte aligned (Fpu's repr) and 512 bytes long.
    unsafe { asm!("fxsave64 [{}]", in(reg) f.0.as_mut_ptr(), options(nostack)) }
}

pub fn restore(f: &Fpu) {
    // SAFETY: as save; reserved MXCSR bits are cleared by `sanitize` on
    // every path where user level supplies the image, so fxrstor can not #GP.
    unsafe { asm!("fxrstor64 [{}]", in(reg) f.0.as_ptr(), options(nostack)) }
}

/// MXCSR bits this CPU accepts (fxsave's MXCSR_MASK; 0 there means 0xffbf).
static MXCSR_MASK: crate::kcell::KCell<u32> = crate::kcell::KCell::new(0xffbf);

/// Reads the CPU's MXCSR_MASK once at boot.
pub fn init() {
    let mut f = Fpu([0; 512]);
    save(&mut f);
    let m = u32::from_le_bytes([f.0[28], f.0[29], f.0[30], f.0[31]]);
    *MXCSR_MASK.get() = if m == 0 { 0xffbf } else { m };
}

/// Clears MXCSR bits that would make fxrstor fault on this CPU.
pub fn sanitize(f: &mut Fpu) {
    let mx = u32::from_le_bytes([f.0[24], f.0[25], f.0[26], f.0[27]]) & *MXCSR_MASK.get();
    f.0[24..28].copy_from_slice(&mx.to_le_bytes());
}
