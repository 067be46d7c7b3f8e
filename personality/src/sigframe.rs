//! Signal frames exactly as Linux builds them on x86_64 (arch/x86/kernel/
//! signal_64.c's rt_sigframe), so handlers, `siglongjmp` and debuggers find
//! the ucontext and siginfo where they expect them, and `rt_sigreturn`
//! restores the interrupted registers.
//!
//! ```text
//!   rt_sigframe:  +0    pretcode (the handler returns to sa_restorer)
//!                 +8    ucontext: uc_flags, uc_link, uc_stack,
//!                       uc_mcontext (struct sigcontext), uc_sigmask
//!                 +312  siginfo (128 bytes)
//!   then, 64-byte aligned above it, the FPU state (fxsave image, 512 bytes)
//! ```

pub use cellux_abi::regs::UserRegs;
use cellux_abi::regs::sanitize_rflags;

use linux_abi::Errno;

pub const FRAME_SIZE: u64 = 440;
pub const UC_OFFSET: u64 = 8;
pub const MCONTEXT_OFFSET: u64 = UC_OFFSET + 40;
pub const SIGMASK_OFFSET: u64 = UC_OFFSET + 296;
pub const SIGINFO_OFFSET: u64 = 312;
pub const FPSTATE_SIZE: u64 = 512;
/// The x86_64 ABI's red zone below rsp, which a signal must not clobber.
pub const RED_ZONE: u64 = 128;

/// uc_flags Linux sets: the saved ss is valid and is restored strictly.
const UC_SIGCONTEXT_SS: u64 = 0x2;
const UC_STRICT_RESTORE_SS: u64 = 0x4;
pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;

/// Selectors a 64-bit Linux process sees (__USER_CS, __USER_DS).
pub const USER_CS: u16 = 0x33;
pub const USER_SS: u16 = 0x2b;

/// The signal being delivered, as Linux decided it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub signo: u32,
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    /// The blocked mask to put back on rt_sigreturn.
    pub old_mask: u64,
    pub siginfo: &'a [u8; 128],
    /// Hardware fault details for sigcontext (0 for non-faults).
    pub trapno: u64,
    pub err: u64,
    pub cr2: u64,
}

/// The thread's alternate signal stack (sigaltstack).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub flags: u32,
    pub size: u64,
}

impl AltStack {
    pub fn contains(&self, addr: u64) -> bool {
        self.flags & SS_DISABLE == 0 && addr > self.sp && addr - self.sp <= self.size
    }
}

/// A built frame: write `frame` at `frame_addr` and `fpstate` at
/// `fpstate_addr` in the process, then resume with `regs`.
pub struct Frame {
    pub frame_addr: u64,
    pub frame: [u8; FRAME_SIZE as usize],
    pub fpstate_addr: u64,
    pub regs: UserRegs,
}

/// Lays out the frame for `d` interrupting `regs` with FPU state `fpu`
/// (an fxsave image). Fails with EFAULT when the handler has no restorer
/// to return through (x86_64 Linux requires SA_RESTORER).
pub fn build(regs: &UserRegs, d: &Delivery<'_>, alt: &AltStack, fpu: &[u8; 512]) -> Result<(Frame, [u8; 512]), Errno> {
    if d.flags & SA_RESTORER == 0 {
        return Err(Errno::EFAULT);
    }
    let on_alt = alt.contains(regs.rsp);
    let mut sp = if d.flags & SA_ONSTACK != 0 && alt.flags & SS_DISABLE == 0 && !on_alt {
        alt.sp.wrapping_add(alt.size)
    } else {
        regs.rsp.wrapping_sub(RED_ZONE)
    };
    sp = sp.wrapping_sub(FPSTATE_SIZE) & !63;
    let fpstate_addr = sp;
    // As after a call instruction: (rsp + 8) is 16-byte aligned at entry.
    let frame_addr = ((sp.wrapping_sub(FRAME_SIZE)) & !15).wrapping_sub(8);

    let mut f = [0u8; FRAME_SIZE as usize];
    let mut w = |off: u64, v: u64| f[off as usize..off as usize + 8].copy_from_slice(&v.to_le_bytes());
    w(0, d.restorer);
    w(UC_OFFSET, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
    w(UC_OFFSET + 8, 0); // uc_link
    w(UC_OFFSET + 16, alt.sp);
    let ss_flags = if alt.flags & SS_DISABLE != 0 {
        SS_DISABLE
    } else if on_alt {
        SS_ONSTACK
    } else {
        0
    };
    w(UC_OFFSET + 24, u64::from(ss_flags));
    w(UC_OFFSET + 32, alt.size);
    let m = MCONTEXT_OFFSET;
    let gregs = [
        regs.r8, regs.r9, regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15, regs.rdi, regs.rsi,
        regs.rbp, regs.rbx, regs.rdx, regs.rax, regs.rcx, regs.rsp, regs.rip, regs.rflags,
    ];
    for (i, v) in gregs.iter().enumerate() {
        w(m + 8 * i as u64, *v);
    }
    // cs, gs, fs, ss as four u16s.
    let sel = u64::from(USER_CS) | (u64::from(USER_SS) << 48);
    w(m + 144, sel);
    w(m + 152, d.err);
    w(m + 160, d.trapno);
    w(m + 168, d.old_mask);
    w(m + 176, d.cr2);
    w(m + 184, fpstate_addr);
    w(SIGMASK_OFFSET, d.old_mask);
    f[SIGINFO_OFFSET as usize..SIGINFO_OFFSET as usize + 128].copy_from_slice(d.siginfo);

    let mut regs_out = *regs;
    regs_out.rsp = frame_addr;
    regs_out.rip = d.handler;
    regs_out.rdi = u64::from(d.signo);
    regs_out.rsi = frame_addr + SIGINFO_OFFSET;
    regs_out.rdx = frame_addr + UC_OFFSET;
    regs_out.rax = 0;
    // Linux clears TF and DF for the handler.
    regs_out.rflags &= !((1 << 8) | (1 << 10));
    Ok((Frame { frame_addr, frame: f, fpstate_addr, regs: regs_out }, *fpu))
}

/// What rt_sigreturn restores, read from the frame the handler returned
/// through (`frame` are the FRAME_SIZE bytes at rsp - 8 when rt_sigreturn
/// was called).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    pub regs: UserRegs,
    pub mask: u64,
    pub fpstate_addr: u64,
    pub alt: AltStack,
}

pub fn parse(frame: &[u8; FRAME_SIZE as usize]) -> Restored {
    let r = |off: u64| u64::from_le_bytes(frame[off as usize..off as usize + 8].try_into().unwrap_or([0; 8]));
    let m = MCONTEXT_OFFSET;
    let g = |i: u64| r(m + 8 * i);
    let regs = UserRegs {
        r8: g(0),
        r9: g(1),
        r10: g(2),
        r11: g(3),
        r12: g(4),
        r13: g(5),
        r14: g(6),
        r15: g(7),
        rdi: g(8),
        rsi: g(9),
        rbp: g(10),
        rbx: g(11),
        rdx: g(12),
        rax: g(13),
        rcx: g(14),
        rsp: g(15),
        rip: g(16),
        rflags: g(17),
        ..UserRegs::default()
    };
    // Only the flags a process may change come from the frame (Linux's
    // FIX_EFLAGS); IF stays on and IOPL stays 0 whatever the frame says.
    let regs = UserRegs { rflags: sanitize_rflags(regs.rflags), ..regs };
    Restored {
        regs,
        mask: r(SIGMASK_OFFSET),
        fpstate_addr: r(m + 184),
        alt: AltStack { sp: r(UC_OFFSET + 16), flags: r(UC_OFFSET + 24) as u32, size: r(UC_OFFSET + 32) },
    }
}

#[cfg(test)]
mod tests;
