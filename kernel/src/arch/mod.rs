//! The machine-dependent half of the kernel. Everything that names an x86
//! register, instruction, descriptor or device lives under `x86_64/`; the
//! object files beside this folder speak only of frames, capabilities and
//! threads. The re-export keeps their paths short (`arch::cpu`) and is
//! the one line a second port would change.

pub mod x86_64;

pub use x86_64::*;
