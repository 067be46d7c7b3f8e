//! Delivering the signals Linux decides on: on the way back to a process
//! thread (after a syscall or a CPU exception) Linux is asked for the next
//! deliverable signal; a handler gets an rt_sigframe on the user stack, a
//! fatal one ends the process. An interrupted syscall's restart code is
//! turned into -EINTR or a restart exactly as arch/x86/kernel/signal.c
//! does, since Linux (a library here) never sees the user registers.

use cellux_abi::regs::UserRegs;

use linux_abi::{nr, Errno};
use crate::fault;
use crate::forward::{Caller, Forward};
use crate::memory::Memory;
use crate::sigframe::{self, AltStack, Delivery, SS_DISABLE};

pub const SA_RESTART: u64 = 0x1000_0000;

/// The kernel-internal codes an interrupted syscall returns (lkl_host.h).
pub const ERESTARTSYS: i64 = -512;
pub const ERESTARTNOINTR: i64 = -513;
pub const ERESTARTNOHAND: i64 = -514;
pub const ERESTART_RESTARTBLOCK: i64 = -516;
const EINTR: i64 = -4;
/// The length of the `syscall` instruction, to step back over it.
const SYSCALL_INSN: u64 = 2;
/// No thread takes more nested frames in one return than this: past it
/// the rest stay pending for the next return (a stuck loop must not hang
/// the server thread).
const MAX_FRAMES: usize = 32;

/// A handler Linux chose, with the state a frame needs.
#[derive(Debug, Clone, Copy)]
pub struct Handler {
    pub signo: u32,
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub old_mask: u64,
    pub siginfo: [u8; 128],
    pub alt: AltStack,
}

/// What Linux decided for the caller's next signal.
#[derive(Debug, Clone, Copy)]
pub enum Next {
    /// Nothing deliverable (ignored and stop/continue are Linux's own).
    None,
    Handler(Handler),
    /// The thread group is dead by a signal: its wait status. Linux has
    /// already ended the task.
    Killed(u32),
}

/// The CPU exception being reported, for sigcontext's trapno/err/cr2.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrapInfo {
    pub trapno: u64,
    pub err: u64,
    pub cr2: u64,
}

/// How the return to user mode ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Resume with the (possibly rewritten) registers and FPU image;
    /// `first`: the signal of the first frame pushed (0: none).
    Resume { first: u32 },
    /// The process is over with this wait status; `linux_ended`: Linux
    /// already ended its task (a fatal signal), so the host must not.
    Exit { status: u32, linux_ended: bool },
}

/// Whether a syscall result is one of Linux's restart codes, which never
/// reach a process as they are.
pub const fn is_restart(ret: i64) -> bool {
    matches!(ret, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK)
}

/// Linux's handle_signal restart rules, applied before the frame saves
/// the registers. `syscall`: the interrupted call's number, if the thread
/// comes from one.
fn restart_for_handler(regs: &mut UserRegs, syscall: Option<u64>, flags: u64) {
    let Some(nr) = syscall else { return };
    match regs.rax as i64 {
        ERESTART_RESTARTBLOCK | ERESTARTNOHAND => regs.rax = EINTR as u64,
        ERESTARTSYS if flags & SA_RESTART == 0 => regs.rax = EINTR as u64,
        ERESTARTSYS | ERESTARTNOINTR => {
            regs.rax = nr;
            regs.rip = regs.rip.wrapping_sub(SYSCALL_INSN);
        }
        _ => {}
    }
}

/// arch_do_signal_or_restart without a handler: every restart code
/// restarts the call.
fn restart_without_handler(regs: &mut UserRegs, syscall: Option<u64>) {
    let Some(nr) = syscall else { return };
    match regs.rax as i64 {
        ERESTARTNOHAND | ERESTARTSYS | ERESTARTNOINTR => regs.rax = nr,
        ERESTART_RESTARTBLOCK => regs.rax = nr::RESTART_SYSCALL as u64,
        _ => return,
    }
    regs.rip = regs.rip.wrapping_sub(SYSCALL_INSN);
}

/// The FPU state a handler starts with (fpu__clear_user_states): x87
/// control word 0x37f, MXCSR 0x1f80, everything else empty.
pub fn clean_fpu() -> [u8; 512] {
    let mut f = [0u8; 512];
    f[0..2].copy_from_slice(&0x37fu16.to_le_bytes());
    f[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    f
}

/// Writes the frame for `h` and points `regs`/`fpu` at the handler.
fn push_frame(regs: &mut UserRegs, fpu: &mut [u8; 512], h: &Handler, trap: TrapInfo, mem: &mut dyn Memory) -> Result<(), Errno> {
    let d = Delivery {
        signo: h.signo,
        handler: h.handler,
        flags: h.flags,
        restorer: h.restorer,
        old_mask: h.old_mask,
        siginfo: &h.siginfo,
        trapno: trap.trapno,
        err: trap.err,
        cr2: trap.cr2,
    };
    let (f, saved_fpu) = sigframe::build(regs, &d, &h.alt, fpu)?;
    mem.write(f.fpstate_addr, &saved_fpu)?;
    mem.write(f.frame_addr, &f.frame)?;
    *regs = f.regs;
    *fpu = clean_fpu();
    Ok(())
}

/// Delivers what Linux has for the caller before it returns to user mode
/// with `regs` and `fpu`. `syscall`: the number of the call the thread is
/// returning from (its result in `regs.rax`), None after an exception or
/// rt_sigreturn. Handlers nest as on Linux: each further signal gets a
/// frame on top of the previous handler's.
pub fn deliver(
    regs: &mut UserRegs,
    fpu: &mut [u8; 512],
    mut syscall: Option<u64>,
    mut trap: TrapInfo,
    mem: &mut dyn Memory,
    fwd: &mut dyn Forward,
    caller: Caller,
) -> Ending {
    let mut first = 0;
    for _ in 0..MAX_FRAMES {
        match fwd.next_signal(caller) {
            Next::None => break,
            Next::Killed(status) => return Ending::Exit { status, linux_ended: true },
            Next::Handler(h) => {
                restart_for_handler(regs, syscall, h.flags);
                syscall = None;
                if push_frame(regs, fpu, &h, trap, mem).is_err() {
                    // signal_setup_done(failed): force_sigsegv, which
                    // kills when the frame cannot be written.
                    return Ending::Exit { status: fault::killed(fault::sig::SIGSEGV), linux_ended: false };
                }
                trap = TrapInfo::default();
                if first == 0 {
                    first = h.signo;
                }
            }
        }
    }
    restart_without_handler(regs, syscall);
    Ending::Resume { first }
}

/// The alternate stack as Linux reports it, in sigframe's terms (a zero
/// size is no stack).
pub fn alt_stack(sp: u64, size: u64, flags: i32) -> AltStack {
    let flags = if size == 0 { SS_DISABLE } else { flags as u32 };
    AltStack { sp, size, flags }
}

#[cfg(test)]
mod tests;
