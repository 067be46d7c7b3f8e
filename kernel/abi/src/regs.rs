//! The user register file as an exception handler reads and writes it.

/// Order and size are ABI: `EXC_REGS_READ`/`WRITE` copy exactly this.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub rsp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    /// Read-only: the vector that trapped (`ops::VEC_SYSCALL` for syscall).
    pub vector: u64,
    /// Read-only: the CPU's error code.
    pub error: u64,
    /// Read-only: the fault address (cr2) for a page fault.
    pub fault_addr: u64,
}

pub const USER_REGS_SIZE: usize = core::mem::size_of::<UserRegs>();

/// rflags bits user level may set: CF PF AF ZF SF TF DF OF AC and the ID bit.
pub const RFLAGS_USER_MASK: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;
/// Always set in user mode: IF and the reserved bit 1.
pub const RFLAGS_USER_FIXED: u64 = 0x202;

pub const fn sanitize_rflags(v: u64) -> u64 {
    (v & RFLAGS_USER_MASK) | RFLAGS_USER_FIXED
}
