//! What ktest asks khostile to attempt: the first argument of an
//! invocation of khostile's gate, with its operands after it. Shared by
//! both (`#[path]`), so the two agree on every number.

/// Returns [the privilege level it runs at, its rsp].
pub const CPL: u64 = 1;
/// [a]: returns [the u64 at a, 0].
pub const READ64: u64 = 2;
/// [a, b]: stores the byte b at a.
pub const WRITE8: u64 = 3;
/// [a]: calls a.
pub const CALL: u64 = 4;
/// [a, b, c]: jumps to a with rcx = b and rsp at word c of a kernel-shaped
/// `Frame` (general registers, vector 0, error 0, then an IRET frame to
/// the kernel's code selector) built on its stack.
pub const ENTER: u64 = 5;
/// [n]: privileged instruction n (`P_*`).
pub const PRIV: u64 = 6;
/// [n]: tries to raise IOPL to 3 and clear IF, by `popfq` (n = 0) or by
/// an `iretq` to itself (n = 1); returns [rflags after, 0].
pub const FLAGS: u64 = 7;
/// [a, b, c, d]: for d TSC cycles, fills [a, a + b) with fake IRET frames
/// to CPL0 at c and makes a kernel call; returns [rounds, 0].
pub const FILL: u64 = 8;
/// [a, b, c]: fills as `FILL` once, then `ud2` with rax = its own address
/// and r12 = `MAGIC`.
pub const FILL_UD2: u64 = 9;
/// [a, b, c, d]: writes an IRET frame to CPL0 at c at b (the ring-1
/// probe's frame slot) and, for d TSC cycles, jumps into the probe's
/// routine a with an IRET frame back to itself at CPL1; returns [rounds, 0].
pub const PROBE_LOOP: u64 = 10;
/// `syscall` with every register wild (rsp too); returns [rax, 0].
pub const WILD_SYSCALL: u64 = 11;

/// The page of the fast path's stack that khostile, as the handler of a
/// Linux-ABI component, names for the process's thread and then unmaps
/// (ktest maps it; khostile holds its own page table in `SELF_PT`).
pub const FAST_STACK_PAGE: u64 = 0xffff_c000_1000_0000;
/// Where khostile resumes the Linux-ABI component's thread the second
/// time, so that its next trap is a page fault: a user address nothing
/// maps there.
pub const FAULT_RIP: u64 = 0x0000_7000_0000_0000;
/// A kernel call with RFLAGS.NT set (`popfq` may set it at any CPL);
/// returns [rflags after, rax].
pub const NT_SYSCALL: u64 = 12;
/// `mov ss` to itself with RFLAGS.TF set, then a kernel call (`NOP`) in
/// its shadow: the single-step trap is held over the `syscall`, whose
/// entry runs at CPL0 on the caller's stack; returns [rflags after, rax].
pub const MOVSS_TF_SYSCALL: u64 = 13;

/// What an attempt that was not stopped returns in rdi.
pub const WENT_THROUGH: u64 = 0x600d_0bad;
/// r12 at `FILL_UD2`'s fault.
pub const MAGIC: u64 = 0x0123_4567_89ab_cdef;

/// The privileged instructions of `PRIV`.
pub const P_MOV_CR3: u64 = 0;
pub const P_MOV_CR0: u64 = 1;
pub const P_MOV_CR4: u64 = 2;
pub const P_READ_CR3: u64 = 3;
pub const P_WRMSR: u64 = 4;
pub const P_RDMSR: u64 = 5;
pub const P_LGDT: u64 = 6;
pub const P_LIDT: u64 = 7;
pub const P_LTR: u64 = 8;
pub const P_LLDT: u64 = 9;
pub const P_CLI: u64 = 10;
pub const P_STI: u64 = 11;
pub const P_HLT: u64 = 12;
pub const P_IN: u64 = 13;
pub const P_OUT: u64 = 14;
pub const P_INVLPG: u64 = 15;
pub const P_SWAPGS: u64 = 16;
pub const P_SYSRET: u64 = 17;
pub const P_CLTS: u64 = 18;
pub const P_WBINVD: u64 = 19;
pub const P_INVD: u64 = 20;
pub const P_MOV_DR7: u64 = 21;
pub const P_LMSW: u64 = 22;
pub const P_XSETBV: u64 = 23;
pub const P_RDPMC: u64 = 24;
pub const P_SGDT: u64 = 25;
pub const P_SIDT: u64 = 26;
pub const P_STR: u64 = 27;
pub const P_SMSW: u64 = 28;
pub const P_STAC: u64 = 29;
pub const P_INT_PF: u64 = 30;
pub const P_MOV_DS_KDATA: u64 = 31;
pub const P_MOV_SS_KDATA: u64 = 32;
pub const P_MOV_SS_UDATA: u64 = 33;
pub const P_RETF_KCODE: u64 = 34;
pub const P_CALLF_KCODE: u64 = 35;
pub const P_JMPF_KCODE: u64 = 36;
pub const P_CALLF_TSS: u64 = 37;
pub const P_IRETQ_KCODE: u64 = 38;
pub const P_SYSENTER: u64 = 39;
/// Not privileged: an `iretq` down to CPL3, into its own code.
pub const P_IRETQ_CPL3: u64 = 40;
