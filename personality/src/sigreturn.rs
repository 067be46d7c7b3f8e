//! `rt_sigreturn` (x86_64 nr 15), as arch/x86/kernel/signal_64.c does it:
//! the handler returned through its restorer, so the frame sits at
//! rsp - 8; its mask goes back to Linux, its registers (flags sanitized)
//! and FPU image back to the thread, its uc_stack back to sigaltstack.

use cellux_abi::regs::UserRegs;
use linux_abi::nr;

use crate::forward::{Caller, Forward};
use crate::memory::Memory;
use crate::sigframe::{self, FRAME_SIZE, SIGMASK_OFFSET, UC_OFFSET};
use crate::signal::clean_fpu;

const SIG_SETMASK: u64 = 2;

/// The frame could not be read or was refused: Linux's badframe, which
/// ends in SIGSEGV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadFrame;

/// Restores the state saved by the frame the handler returned through.
/// The mask and alternate stack are handed to Linux straight from the
/// frame in user memory, so Linux applies its own rules (SIGKILL and
/// SIGSTOP never blocked, sigaltstack's checks).
pub fn sigreturn(
    regs: &mut UserRegs,
    fpu: &mut [u8; 512],
    mem: &mut dyn Memory,
    fwd: &mut dyn Forward,
    caller: Caller,
) -> Result<(), BadFrame> {
    let at = regs.rsp.wrapping_sub(8);
    let mut frame = [0u8; FRAME_SIZE as usize];
    mem.read(at, &mut frame).map_err(|_| BadFrame)?;
    let mask_at = at + SIGMASK_OFFSET;
    if fwd.syscall(caller, nr::RT_SIGPROCMASK, [SIG_SETMASK, mask_at, 0, 8, 0, 0], mem) < 0 {
        return Err(BadFrame);
    }
    let r = sigframe::parse(&frame);
    let mut image = clean_fpu();
    if r.fpstate_addr != 0 {
        mem.read(r.fpstate_addr, &mut image).map_err(|_| BadFrame)?;
    }
    if fwd.syscall(caller, nr::SIGALTSTACK, [at + UC_OFFSET + 16, 0, 0, 0, 0, 0], mem) < 0 {
        return Err(BadFrame);
    }
    // FS and GS bases are not part of a signal frame on x86_64.
    *regs = UserRegs { fs_base: regs.fs_base, gs_base: regs.gs_base, ..r.regs };
    *fpu = image;
    Ok(())
}
