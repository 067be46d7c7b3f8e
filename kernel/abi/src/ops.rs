//! System-call encoding for Composite-ABI components.
//!
//! `syscall` with `rax = cap << 16 | op`; arguments in rdi, rsi, rdx, r10,
//! r8, r9, each operation's in its own struct (declared below with the
//! register of every field, see `args`). Results: rax (>= 0 success, negative = `Error`), and for some ops
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

kernel_ops! {
    /// Ops on capability 0 (the calling thread).
    pub mod self_op {
        /// Return from a synchronous invocation: rdi, rsi, rdx reach the
        /// caller unchanged (the server's results), rax becomes 0.
        RET = 0 => Return { r0: rdi, r1: rsi, r2: rdx }
        /// Receive on the thread's own end-point; `flags` = `RCV_*`,
        /// `timeout` = absolute TSC (0 = none). Returns the number of pending
        /// sends consumed; a scheduler thread gets one event: rdi = tid,
        /// rsi = `EVT_*`, rdx = that thread's timeout (rdi = u64::MAX: none).
        RCV = 1 => Rcv { flags: rdi, timeout: rsi }
        /// End the calling thread.
        EXIT = 2 => Exit {}
        /// Resume the thread trapped in the top exception frame with its
        /// (possibly rewritten) registers.
        EXC_RESUME = 3 => ExcResume {}
        /// Same, but first set the trapped rax to `rax` (the Linux syscall fast path).
        EXC_RESUME_RAX = 4 => ExcResumeRax { rax: rdi }
        /// Abort the trapped computation: the invocation of the faulting
        /// component returns `Error::Fault` to its caller (with `code` in
        /// rdi), or the thread ends if it has no caller.
        EXC_END = 5 => ExcEnd { code: rdi }
        /// Copy the trapped register file (`regs::UserRegs`) to `buf` in the caller's memory.
        EXC_REGS_READ = 6 => ExcRegsRead { buf: rdi }
        /// Replace the trapped register file from `buf` in the caller's memory.
        EXC_REGS_WRITE = 7 => ExcRegsWrite { buf: rdi }
        /// Copy the trapped FPU/SSE state (512-byte fxsave image) to `buf`.
        EXC_FPU_READ = 8 => ExcFpuRead { buf: rdi }
        /// Replace the trapped FPU/SSE state from `buf` (512 bytes, fxsave layout).
        EXC_FPU_WRITE = 9 => ExcFpuWrite { buf: rdi }
        /// Yield nothing, return at once: a null system call for measurements.
        NOP = 10 => Nop {}
        /// For a scheduler thread: switch to thread `tid`, which must report
        /// to the caller (no capability needed); `flags` = `SWITCH_*`.
        SWITCH_TID = 11 => SwitchTid { tid: rdi, flags: rsi }
        /// For a scheduler thread: end the blocking receive of thread `tid`,
        /// which must report to the caller, with `Error::Timeout`.
        WAKE_TID = 12 => WakeTid { tid: rdi }
        /// Measurement probe (issue 11): like `NOP`, but the return to the
        /// caller goes through ring 1 (an `iretq` to a kernel routine at
        /// CPL1 that `iretq`s back to CPL3); `cr3_write` = 1 also reloads
        /// CR3 once on the way, 0 not (else `Inval`). Registers come back
        /// as from any op (rcx, r11 = return rip, rflags).
        PROBE_RING1 = 13 => ProbeRing1 { cr3_write: rdi }
        /// The Ring 1 fast path (docs/ring1.md), for the server at CPL1:
        /// a process's `syscall` enters at `entry` (in the server region)
        /// at CPL1 with the process's registers but rcx (its rip), r11 (its
        /// rflags) and rsp: that is the thread's stack top (`FAST_STACK`)
        /// less three words, [rsp] = thread id, [rsp+8] = its handler token,
        /// [rsp+16] = its rsp. 0 turns the path off. A process's exception
        /// that Linux answers with a signal (page fault, #GP, #UD, #DE...)
        /// enters at `exc` (0: the kernel's upcall as before) with every
        /// register the process's and rsp = the stack top less eight words:
        /// [tid, token, vector, error code, cr2 (0 but for a page fault),
        /// rip, rflags, rsp].
        FAST_ENTRY = 14 => FastEntry { entry: rdi, exc: rsi }
        /// For the thread whose exception the caller handles: its syscalls
        /// and exceptions take the fast path, on the stack whose (16-aligned, mapped) top is
        /// `top` (in the server region; 0: no more).
        FAST_STACK = 15 => FastStack { top: rdi }
        /// From the fast path: make the call an ordinary exception upcall,
        /// with the trapped context `regs` (`regs::UserRegs`) and FPU state
        /// `fpu` (512-byte fxsave image), so the `EXC_*` ops apply to it.
        EXC_DEFER = 16 => ExcDefer { regs: rdi, fpu: rsi }
        /// For the server at CPL1 (docs/ring1.md): its direct copies of the
        /// current process's memory are the code at [`start`, `end`); a
        /// page fault there on a user address resumes at `fixup`, every
        /// register as it was but rdx = the fault address, instead of
        /// being the server's fault. All three in the server region;
        /// `start` = `end` = 0 takes it back.
        USER_COPY = 17 => UserCopy { start: rdi, end: rsi, fixup: rdx }
    }
}

kernel_ops! {
    /// Ops on a capability-table capability. New capabilities are created
    /// in the table the op is invoked on, at `slot`; every other capability
    /// named in arguments is looked up in the caller's own table.
    pub mod captbl_op {
        /// A new capability table of 128 slots per frame, from `pages`
        /// (0 or 1: one; at most 64) contiguous kernel frames, the first
        /// named by `kmem` (see `kmem`).
        NEW_CAPTBL = 1 => NewCaptbl { slot: rdi, kmem: rsi, pages: rdx }
        /// A new page table (top level) in the kernel frame `kmem`.
        NEW_PGTBL = 2 => NewPgtbl { slot: rdi, kmem: rsi }
        /// A new component of a captbl cap and a pgtbl cap, in the kernel
        /// frame `kmem`; `flags` = `COMP_*`.
        NEW_COMP = 3 => NewComp { slot: rdi, captbl: rsi, pgtbl: rdx, kmem: r10, flags: r8 }
        /// A new thread in the component cap `comp`, in the kernel frame
        /// `kmem`, upcalled at `entry` with `arg`; `sched` = the scheduler
        /// thread cap (0: the creating thread's scheduler). Returns the new
        /// thread's id. The scheduler hears of it as an `EVT_WOKEN` event.
        NEW_THD = 4 => NewThd { slot: rdi, comp: rsi, kmem: rdx, entry: r10, arg: r8, sched: r9 }
        /// A gate into the server component cap `comp` at `entry`, whose
        /// upcalls carry `token`.
        NEW_SINV = 5 => NewSinv { slot: rdi, comp: rsi, entry: rdx, token: r10 }
        /// An asynchronous send end-point to the thread cap `thd`.
        NEW_ASND = 6 => NewAsnd { slot: rdi, thd: rsi }
        /// Copy (delegate) the capability `src` of the caller's table.
        COPY = 7 => CopyCap { slot: rdi, src: rsi }
        /// Remove the capability at `slot`.
        REMOVE = 8 => Remove { slot: rdi }
        /// An untyped capability for `frames` frames from `first` (physical),
        /// inside the untyped cap `untyped`.
        NEW_UNTYPED = 9 => NewUntyped { slot: rdi, untyped: rsi, first: rdx, frames: r10 }
        /// Returns the kind (`CapKind`) of the capability at `slot`.
        KIND = 10 => Kind { slot: rdi }
    }
}

kernel_ops! {
    /// Ops on a page-table capability.
    pub mod pgtbl_op {
        /// Maps `pages` contiguous retyped-to-user frames, the first named
        /// by `kmem`, at `va`; `perms` = `PERM_*`. Returns the count mapped;
        /// on error rax < 0 and rdi = pages mapped before it.
        MAP = 1 => Map { va: rdi, kmem: rsi, perms: rdx, pages: r10 }
        /// Unmap the pages mapped among `pages` pages from `va`: returns
        /// how many were, `NotMapped` if none.
        UNMAP = 2 => Unmap { va: rdi, pages: rsi }
        /// Add the first missing intermediate table on the path to `va`,
        /// in the kernel frame `kmem`. Returns the level built (3, 2 or 1).
        CONS = 3 => Cons { va: rdi, kmem: rsi }
        /// Kernel-mediated copy of `len` bytes between `remote` (in this page
        /// table) and `local` (in the caller's); `dir` = `COPY_*`. Returns
        /// bytes copied (rax); if it stopped early, rdi = the first address
        /// that was unmapped or forbidden and rsi = 1 (it was `remote`'s
        /// side) or 2 (`local`'s); rsi = 0 when the whole range was copied.
        COPY = 4 => CopyMem { remote: rdi, local: rsi, len: rdx, dir: r10 }
        /// Returns the physical frame mapped at `va` and rdi = its perms.
        LOOKUP = 5 => Lookup { va: rdi }
        /// Map the `n` frames (at most `MAP_LIST_MAX`) whose `kmem` values
        /// are the u64s at `list` in the caller's memory at `va`, `va` +
        /// one page, ...: as `n` `MAP`s of one page, in one call. On error
        /// rdi = pages mapped before it (`NoTable`: build the level, go on).
        MAP_LIST = 6 => MapList { va: rdi, list: rsi, n: rdx, perms: r10 }
    }
}

kernel_ops! {
    /// Ops on an untyped-memory capability. Frames are named by physical address.
    pub mod untyped_op {
        /// Retype `frames` frames from `first` to `to` (`RETYPE_*`).
        RETYPE = 1 => Retype { first: rdi, frames: rsi, to: rdx }
        /// Returns rax = first frame, rdi = frames the capability covers.
        INFO = 2 => Info {}
        /// Returns the type of `frame` (`RETYPE_*`, 0 = not retypeable) and
        /// rdi = its reference count.
        FRAME_INFO = 3 => FrameInfo { frame: rdi }
        /// Retype each of the `n` frames (at most `RETYPE_LIST_MAX`) whose
        /// physical addresses are the u64s at `list` in the caller's
        /// memory to `to`, one at a time, in order: returns `n`, or on the
        /// first failure its error with rdi = how many were retyped. One
        /// call for the frames a process let go of, wherever they lie.
        RETYPE_LIST = 4 => RetypeList { list: rdi, n: rsi, to: rdx }
    }
}

kernel_ops! {
    /// Ops on a component capability.
    pub mod comp_op {
        /// Register the exception handler gate: the sinv cap `sinv` (0 = none).
        SET_HANDLER = 1 => SetHandler { sinv: rdi }
    }
}

kernel_ops! {
    /// Ops on a thread capability.
    pub mod thd_op {
        /// Switch to that thread; the caller stays runnable. `flags` = `SWITCH_*`.
        SWITCH = 1 => Switch { flags: rdi }
        /// End a blocking receive of that thread with `Error::Timeout`.
        WAKE = 2 => Wake {}
        /// Set that thread's FS base (Linux TLS).
        SET_FSBASE = 3 => SetFsbase { base: rdi }
        /// Returns the thread id.
        TID = 4 => Tid {}
        /// Returns the state (`THD_*`).
        STATE = 5 => State {}
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
        INTERRUPT = 6 => Interrupt {}
    }
}

kernel_ops! {
    /// Ops on an asynchronous send capability.
    pub mod asnd_op {
        /// Send; `flags` = `ASND_YIELD` to run a receiver it wakes at once,
        /// or `ASND_THEN_RCV` to go on with a receive of the caller's own.
        SEND = 1 => Send { flags: rdi }
    }
}

kernel_ops! {
    /// Ops on the hardware capability.
    pub mod hw_op {
        /// Write `len` bytes from `buf` to the serial console.
        PRINT = 1 => Print { buf: rdi, len: rsi }
        /// Set the one-shot timer to the absolute TSC `deadline` (0 = cancel).
        TIMER_SET = 2 => TimerSet { deadline: rdi }
        /// Deliver interrupt `line` (`IRQ_TIMER` or `irq_gsi(n)`) as a send
        /// on the asnd cap `asnd` (0 = detach and mask); `flags` =
        /// `IRQ_LEVEL | IRQ_ACTIVE_LOW` for a GSI. A level-triggered line is
        /// masked when it fires until `IRQ_ACK`.
        ATTACH = 3 => Attach { line: rdi, asnd: rsi, flags: rdx }
        /// Returns the TSC frequency in Hz.
        TSC_HZ = 4 => TscHz {}
        /// Map `pages` device frames (outside RAM) from `phys` at `va` in the
        /// pgtbl cap `pgtbl`, uncached.
        MAP_MMIO = 5 => MapMmio { pgtbl: rdi, va: rsi, phys: rdx, pages: r10 }
        /// Power off with `status` (`exit_status::*`; QEMU isa-debug-exit).
        EXIT = 6 => Exit { status: rdi }
        /// Unmask the level-triggered `line` after handling it.
        IRQ_ACK = 7 => IrqAck { line: rdi }
        /// Returns the value read from `port`; `size` = 1, 2 or 4 bytes.
        IO_IN = 8 => IoIn { port: rdi, size: rsi }
        /// Write `value` to `port`; `size` = 1, 2 or 4 bytes.
        IO_OUT = 9 => IoOut { port: rdi, size: rsi, value: rdx }
        /// Test of the kernel's own fault report: the kernel reads an unmapped
        /// kernel address, prints the fault and powers off with failure. (No
        /// more authority than EXIT, which this capability already grants.)
        CRASH_TEST = 10 => CrashTest {}
        /// Self-test of the kernel's hardware protections (kernel/README.md
        /// "Hardware protections"): `kind` is one of `PROTECT_*`. The
        /// register kinds return CR0, CR4 or EFER; the access kinds make
        /// the kernel try one access at CPL0 and return 0 if it went
        /// through, else `PROTECT_FAULTED | vector << 32 | error code`. A
        /// write stores the byte already there, so no kind changes memory.
        PROTECT_PROBE = 11 => ProtectProbe { kind: rdi, addr: rsi }
        /// Copy the kernel's event counters (`counters::Counters`) to `buf`:
        /// the first `len` bytes of it at most. Returns the struct's full
        /// size, so a reader knows whether it got them all. On this
        /// capability, not the caller's own, because the counts are
        /// system-wide: they show other components' activity.
        COUNTERS = 12 => CopyCounters { buf: rdi, len: rsi }
    }
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
/// After the send, receive on the caller's own end-point as `self_op::RCV`
/// (blocking, no timeout) and return its results: a hand-off (wake the
/// next thread, wait to be woken) in one kernel call. Overrides
/// `ASND_YIELD`.
pub const ASND_THEN_RCV: u64 = 2;

pub const COMP_LINUX_ABI: u64 = 1;

/// The most frames one `pgtbl_op::MAP_LIST` takes.
pub const MAP_LIST_MAX: u64 = 512;
/// The most frames one `untyped_op::RETYPE_LIST` takes.
pub const RETYPE_LIST_MAX: u64 = 512;

pub const PERM_WRITE: u64 = 1;
pub const PERM_EXEC: u64 = 2;

/// `hw_op::PROTECT_PROBE` kinds.
pub const PROTECT_CR0: u64 = 0;
pub const PROTECT_CR4: u64 = 1;
pub const PROTECT_EFER: u64 = 2;
/// Read, write or execute (call) a byte of the kernel's text, rodata,
/// data, or the direct map's alias of the kernel text.
pub const PROTECT_READ_TEXT: u64 = 3;
pub const PROTECT_WRITE_TEXT: u64 = 4;
pub const PROTECT_WRITE_RODATA: u64 = 5;
pub const PROTECT_EXEC_RODATA: u64 = 6;
pub const PROTECT_EXEC_DATA: u64 = 7;
pub const PROTECT_EXEC_DIRECT: u64 = 8;
/// Read, write or execute (call) the caller's memory at `addr`.
pub const PROTECT_READ_USER: u64 = 9;
pub const PROTECT_WRITE_USER: u64 = 10;
pub const PROTECT_EXEC_USER: u64 = 11;
/// The entry area (kernel/README.md "The entry area"): its GDT/TSS/IDT
/// page cannot be written, nor its code, and its stack cannot run code.
pub const PROTECT_WRITE_ENTRY_TABLES: u64 = 12;
pub const PROTECT_WRITE_ENTRY_TEXT: u64 = 13;
pub const PROTECT_EXEC_ENTRY_STACK: u64 = 14;
/// The kernel's own root when the caller's entry loaded it: the caller's
/// root maps none of the kernel (with the Ring 1 design, docs/ring1.md,
/// the roots the server runs in); 0 when the kernel runs in the caller's
/// root (every root with the design off, CPL3 components' with it on).
/// In its own root the kernel maps no user memory: its user probes fault
/// as not present.
pub const PROTECT_KERNEL_ROOT: u64 = 15;
/// Set in a `PROTECT_PROBE` result when the access faulted (bit 62: a
/// result with bit 63 set would read as an error).
pub const PROTECT_FAULTED: u64 = 1 << 62;

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

/// The statuses of `hw_op::EXIT`: each powers off with a code of its own
/// (kernel/src/arch/x86_64/exit.rs), so whoever ran the machine can tell
/// them apart.
pub mod exit_status {
    pub const SUCCESS: u64 = 0;
    pub const FAILURE: u64 = 1;
    /// A component the system cannot go on without (the LKL server, the
    /// scheduler) faulted or panicked; its report is on the console.
    pub const COMPONENT_FAULT: u64 = 2;
}

/// Events a scheduler thread receives (rsi of `self_op::RCV`).
pub const EVT_SEND: u64 = 0;
pub const EVT_BLOCKED: u64 = 1;
pub const EVT_WOKEN: u64 = 2;
pub const EVT_EXITED: u64 = 3;

pub const THD_RUNNABLE: u64 = 0;
pub const THD_BLOCKED: u64 = 1;
pub const THD_DEAD: u64 = 2;
pub const THD_RUNNING: u64 = 3;

/// Capability kinds (`captbl_op::KIND`). Each kind's ops are the module
/// of the same name (`Captbl` → `captbl_op`), served by the kernel file of
/// that name (`kernel/src/captbl.rs`).
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
