//! System-call encoding for Composite-ABI components.
//!
//! `syscall` with `rax = cap << 16 | op`; arguments in rdi, rsi, rdx, r10,
//! r8, r9. Results: rax (>= 0 success, negative = `Error`), and for some ops
//! rdi, rsi, rdx. rcx and r11 are clobbered (the instruction's own doing);
//! rbx, rbp, rsp, r12-r15 are preserved by the kernel. Capability 0 is never
//! a capability: ops on it act on the calling thread itself.
//!
//! A component marked Linux-ABI never reaches this decoder: its `syscall`
//! is an exception delivered to its handler, whatever rax holds.

pub const fn encode(cap: u32, op: u16) -> u64 {
    ((cap as u64) << 16) | op as u64
}

pub const fn decode(rax: u64) -> (u64, u16) {
    (rax >> 16, rax as u16)
}

/// Ops on capability 0 (the calling thread).
pub mod self_op {
    /// Return from a synchronous invocation: results in rdi, rsi, rdx pass
    /// through to the caller unchanged, rax becomes 0.
    pub const RET: u16 = 0;
    /// Receive on the thread's own end-point. rdi = flags (`RCV_*`),
    /// rsi = absolute TSC timeout (0 = none). Returns the number of pending
    /// sends consumed; a scheduler thread gets one event: rdi = tid,
    /// rsi = `EVT_*`, rdx = that thread's timeout.
    pub const RCV: u16 = 1;
    /// End the calling thread.
    pub const EXIT: u16 = 2;
    /// Resume the thread trapped in the top exception frame with its
    /// (possibly rewritten) registers.
    pub const EXC_RESUME: u16 = 3;
    /// Same, but first set the trapped rax to rdi (the Linux syscall fast path).
    pub const EXC_RESUME_RAX: u16 = 4;
    /// Abort the trapped computation: the invocation of the faulting
    /// component returns `Error::Fault` to its caller (rdi is put in rdi),
    /// or the thread ends if it has no caller.
    pub const EXC_END: u16 = 5;
    /// Copy the trapped register file (`regs::UserRegs`) to rdi in the caller's memory.
    pub const EXC_REGS_READ: u16 = 6;
    /// Replace the trapped register file from rdi in the caller's memory.
    pub const EXC_REGS_WRITE: u16 = 7;
    /// Copy the trapped FPU/SSE state (512-byte fxsave image) to rdi.
    pub const EXC_FPU_READ: u16 = 8;
    /// Replace the trapped FPU/SSE state from rdi (512 bytes, fxsave layout).
    pub const EXC_FPU_WRITE: u16 = 9;
    /// Yield nothing, return at once: a null system call for measurements.
    pub const NOP: u16 = 10;
    /// For a scheduler thread: switch to thread id rdi, which must report to
    /// the caller (no capability needed). rsi = flags (`SWITCH_*`).
    pub const SWITCH_TID: u16 = 11;
    /// For a scheduler thread: end the blocking receive of thread id rdi,
    /// which must report to the caller, with `Error::Timeout`.
    pub const WAKE_TID: u16 = 12;
}

/// Ops on a capability-table capability. New capabilities are created in
/// the table the op is invoked on, at slot rdi; every other capability
/// named in arguments is looked up in the caller's own table.
pub mod ct_op {
    /// rsi = kmem (see `kmem`) of the first of rdx contiguous kernel
    /// frames (0 or 1: one; at most 64): a new capability table of
    /// 128 slots per frame.
    pub const NEW_CAPTBL: u16 = 1;
    /// rsi = kmem: a new page table (top level).
    pub const NEW_PGTBL: u16 = 2;
    /// rsi = captbl cap, rdx = pgtbl cap, r10 = flags (`COMP_*`).
    pub const NEW_COMP: u16 = 3;
    /// rsi = comp cap, rdx = kmem, r10 = entry, r8 = argument,
    /// r9 = scheduler thread cap (0: the creating thread's scheduler).
    /// Returns the new thread's id. The scheduler hears of the new thread
    /// as an `EVT_WOKEN` event.
    pub const NEW_THD: u16 = 4;
    /// rsi = server comp cap, rdx = entry, r10 = token.
    pub const NEW_SINV: u16 = 5;
    /// rsi = thread cap: an asynchronous send end-point to that thread.
    pub const NEW_ASND: u16 = 6;
    /// rsi = source cap in the caller's table: copy (delegate) it.
    pub const COPY: u16 = 7;
    /// Remove the capability at slot rdi.
    pub const REMOVE: u16 = 8;
    /// rsi = untyped cap, rdx = first frame (phys), r10 = frames: an
    /// untyped capability for a sub-range.
    pub const NEW_UNTYPED: u16 = 9;
    /// Returns the kind (`CapKind`) of the capability at slot rdi.
    pub const KIND: u16 = 10;
}

/// Ops on a page-table capability.
pub mod pt_op {
    /// rdi = vaddr, rsi = kmem of the first user frame, rdx = `PERM_*`,
    /// r10 = page count. Maps contiguous retyped-to-user frames. Returns the
    /// count mapped; on error rax < 0 and rdi = pages mapped before it.
    pub const MAP: u16 = 1;
    /// rdi = vaddr, rsi = page count: unmap.
    pub const UNMAP: u16 = 2;
    /// rdi = vaddr, rsi = kmem: add the first missing intermediate table
    /// on the path to vaddr. Returns the level built (3, 2 or 1).
    pub const CONS: u16 = 3;
    /// Kernel-mediated copy: rdi = address in this page table, rsi =
    /// address in the caller's, rdx = length, r10 = direction (`COPY_*`).
    /// Returns bytes copied (rax); if it stopped early, rdi = the first
    /// address (in this page table) that was unmapped or forbidden and
    /// rsi = 1 (0 when the whole range was copied).
    pub const COPY: u16 = 4;
    /// rdi = vaddr: returns the physical frame mapped there and rdi = perms.
    pub const LOOKUP: u16 = 5;
}

/// Ops on an untyped-memory capability. Frames are named by physical address.
pub mod ut_op {
    /// rdi = first frame, rsi = frames, rdx = `RETYPE_*` target.
    pub const RETYPE: u16 = 1;
    /// Returns rax = first frame, rdi = frames the capability covers.
    pub const INFO: u16 = 2;
    /// rdi = frame: returns its type (`RETYPE_*`, 0 = not retypeable) and rdi = refcount.
    pub const FRAME_INFO: u16 = 3;
}

/// Ops on a component capability.
pub mod comp_op {
    /// rdi = sinv cap (0 = none): register the exception handler gate.
    pub const SET_HANDLER: u16 = 1;
}

/// Ops on a thread capability.
pub mod thd_op {
    /// Switch to that thread; the caller stays runnable. rdi = flags
    /// (`SWITCH_*`).
    pub const SWITCH: u16 = 1;
    /// End a blocking receive of that thread with `Error::Timeout`.
    pub const WAKE: u16 = 2;
    /// rdi = FS base of that thread (Linux TLS).
    pub const SET_FSBASE: u16 = 3;
    /// Returns the thread id.
    pub const TID: u16 = 4;
    /// Returns the state (`THD_*`).
    pub const STATE: u16 = 5;
    /// Interrupt a thread of a Linux-ABI component the way a syscall trap
    /// would, without executing anything: its handler is upcalled on it
    /// with vector `VEC_INTERRUPT` and its whole register file (for
    /// asynchronous signal delivery). A thread preempted in user mode is
    /// turned into that upcall now (returns 0); a thread inside the
    /// handler of an exception of a Linux-ABI component is marked and
    /// takes the upcall instead of returning to user mode when that
    /// exception is resumed (returns 1), so an interruption is never lost
    /// between the handler's last look and the resume. Refused: a thread
    /// executing in no Linux-ABI component (`Inval`), a dead thread
    /// (`ThreadState`), exception nesting full (`Depth`).
    pub const INTERRUPT: u16 = 6;
}

/// Ops on an asynchronous send capability.
pub mod asnd_op {
    /// rdi = flags (`ASND_YIELD`).
    pub const SEND: u16 = 1;
}

/// Ops on the hardware capability.
pub mod hw_op {
    /// rdi = buffer, rsi = length: write to the serial console.
    pub const PRINT: u16 = 1;
    /// rdi = absolute TSC deadline (0 = cancel) for the one-shot timer.
    pub const TIMER_SET: u16 = 2;
    /// rdi = interrupt line (`IRQ_TIMER` or `irq_gsi(n)`), rsi = asnd cap
    /// (0 = detach and mask), rdx = `IRQ_LEVEL | IRQ_ACTIVE_LOW` for a GSI:
    /// deliver that interrupt as a send. A level-triggered line is masked
    /// when it fires until `IRQ_ACK`.
    pub const ATTACH: u16 = 3;
    /// Returns the TSC frequency in Hz.
    pub const TSC_HZ: u16 = 4;
    /// rdi = pgtbl cap, rsi = vaddr, rdx = physical address of a device
    /// frame (outside RAM), r10 = pages: map device memory (uncached).
    pub const MAP_MMIO: u16 = 5;
    /// rdi = status: power off (QEMU isa-debug-exit).
    pub const EXIT: u16 = 6;
    /// rdi = interrupt line: unmask a level-triggered line after handling it.
    pub const IRQ_ACK: u16 = 7;
    /// rdi = port, rsi = size (1, 2, 4): returns the value read.
    pub const IO_IN: u16 = 8;
    /// rdi = port, rsi = size (1, 2, 4), rdx = value.
    pub const IO_OUT: u16 = 9;
    /// Test of the kernel's own fault report: the kernel reads an unmapped
    /// kernel address, prints the fault and powers off with failure. (No
    /// more authority than EXIT, which this capability already grants.)
    pub const CRASH_TEST: u16 = 10;
}

/// The kernel-memory argument: an untyped capability (which must cover the
/// frame) and a frame's physical address, packed in one register.
pub const fn kmem(ut_cap: u32, phys: u64) -> u64 {
    ((ut_cap as u64) << 48) | (phys & 0x0000_ffff_ffff_f000)
}
pub const fn kmem_split(v: u64) -> (u64, u64) {
    (v >> 48, v & 0x0000_ffff_ffff_ffff)
}

pub const RCV_NONBLOCK: u64 = 1;

pub const SWITCH_FAIL_IF_PENDING: u64 = 1;
pub const ASND_YIELD: u64 = 1;

pub const COMP_LINUX_ABI: u64 = 1;

pub const PERM_WRITE: u64 = 1;
pub const PERM_EXEC: u64 = 2;

pub const COPY_TO_PT: u64 = 0;
pub const COPY_FROM_PT: u64 = 1;

pub const RETYPE_UNTYPED: u64 = 1;
pub const RETYPE_USER: u64 = 2;
pub const RETYPE_KERNEL: u64 = 3;

/// Interrupt line of the kernel's one-shot timer for `hw_op::ATTACH`.
pub const IRQ_TIMER: u64 = 0;
/// Number of IOAPIC inputs (GSIs) that can be attached.
pub const IRQ_GSIS: u64 = 24;
/// The interrupt line of IOAPIC input (GSI) `gsi` (< `IRQ_GSIS`).
pub const fn irq_gsi(gsi: u64) -> u64 {
    1 + gsi
}
pub const IRQ_LEVEL: u64 = 1;
pub const IRQ_ACTIVE_LOW: u64 = 2;

/// Events a scheduler thread receives (rsi of `self_op::RCV`).
pub const EVT_SEND: u64 = 0;
pub const EVT_BLOCKED: u64 = 1;
pub const EVT_WOKEN: u64 = 2;
pub const EVT_EXITED: u64 = 3;

pub const THD_RUNNABLE: u64 = 0;
pub const THD_BLOCKED: u64 = 1;
pub const THD_DEAD: u64 = 2;
pub const THD_RUNNING: u64 = 3;

/// Capability kinds (`ct_op::KIND`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapKind {
    Free = 0,
    Captbl = 1,
    Pgtbl = 2,
    Comp = 3,
    Thd = 4,
    Sinv = 5,
    Asnd = 6,
    Untyped = 7,
    Hw = 8,
}

/// How a component is entered (rbx at an upcall). At every upcall r14 =
/// thread id, r15 = token (the gate's), rip = the entry, and rsp = 0 if
/// the thread is not already executing in this component (it picks a
/// stack from the thread id), else the stack pointer the thread had when
/// it last left this component (continue below it, past the red zone).
pub mod upcall {
    /// A new thread: rdi = the argument given at creation.
    pub const THREAD: u64 = 0;
    /// A synchronous invocation: rdi, rsi, rdx, r10, r8 = arguments.
    pub const SINV: u64 = 1;
    /// An exception: r12 = vector (`VEC_SYSCALL` for a Linux syscall),
    /// r13 = error code, rbp = fault address (cr2) or 0. For a Linux
    /// syscall rax, rdi, rsi, rdx, r10, r8, r9 are the trapped values.
    pub const EXCEPTION: u64 = 2;
}

/// The vector number reported for a trapped Linux `syscall`.
pub const VEC_SYSCALL: u64 = 256;
/// The vector reported for a `thd_op::INTERRUPT` upcall: nothing was
/// executed or faulted; the register file is the interrupted context.
pub const VEC_INTERRUPT: u64 = 257;
