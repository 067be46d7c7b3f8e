//! Typed stubs for every kernel operation, after libsel4 and Composite's
//! `cos_kernel_api`: a handle per capability kind (`Captbl(slot)`,
//! `Pgtbl(slot)`, ...) whose methods take typed arguments and decode the
//! results. Each method fills its op's argument struct from
//! `cellux_abi::ops`, which alone knows which register an argument
//! travels in. Capability 0 (the calling thread) has free functions.

use crate::sys::{call, Event, Ret};
use cellux_abi::args::Args;
use cellux_abi::counters::{Counters, SIZE};
use cellux_abi::err::Error;
use cellux_abi::ops::{asnd_op, captbl_op as ct, comp_op, hw_op, pgtbl_op as pt, self_op, thd_op, untyped_op as ut};
use cellux_abi::regs::UserRegs;

/// Runs op `a` on capability `cap`: the raw result registers.
#[inline(always)]
pub fn run<A: Args>(cap: u32, a: A) -> Ret {
    call(cap, A::OP, a.regs().to_array())
}

/// Runs op `a` on `cap`: rax, or the kernel's error.
#[inline(always)]
fn ok<A: Args>(cap: u32, a: A) -> Result<u64, Error> {
    run(cap, a).ok()
}

#[inline(always)]
fn unit<A: Args>(cap: u32, a: A) -> Result<(), Error> {
    ok(cap, a).map(drop)
}

/// A capability-table capability. New capabilities go into this table at
/// `slot`; every capability argument is a slot of the caller's own table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Captbl(pub u32);

impl Captbl {
    /// `pages` (1-64) contiguous kernel frames from `kmem` become a table.
    pub fn new_captbl(self, slot: u32, kmem: u64, pages: u64) -> Result<(), Error> {
        unit(self.0, ct::NewCaptbl { slot: slot.into(), kmem, pages })
    }
    pub fn new_pgtbl(self, slot: u32, kmem: u64) -> Result<(), Error> {
        unit(self.0, ct::NewPgtbl { slot: slot.into(), kmem })
    }
    /// `flags`: `COMP_*`.
    pub fn new_comp(self, slot: u32, captbl: u32, pgtbl: u32, kmem: u64, flags: u64) -> Result<(), Error> {
        unit(self.0, ct::NewComp { slot: slot.into(), captbl: captbl.into(), pgtbl: pgtbl.into(), kmem, flags })
    }
    /// A thread of `comp` starting at `entry` with `arg`, reporting to the
    /// scheduler thread `sched` (0: ours). Returns its id.
    pub fn new_thd(self, slot: u32, comp: u32, kmem: u64, entry: u64, arg: u64, sched: u32) -> Result<u64, Error> {
        ok(self.0, ct::NewThd { slot: slot.into(), comp: comp.into(), kmem, entry, arg, sched: sched.into() })
    }
    pub fn new_sinv(self, slot: u32, comp: u32, entry: u64, token: u64) -> Result<(), Error> {
        unit(self.0, ct::NewSinv { slot: slot.into(), comp: comp.into(), entry, token })
    }
    pub fn new_asnd(self, slot: u32, thd: u32) -> Result<(), Error> {
        unit(self.0, ct::NewAsnd { slot: slot.into(), thd: thd.into() })
    }
    /// Delegates our capability `src` into this table.
    pub fn copy(self, slot: u32, src: u32) -> Result<(), Error> {
        unit(self.0, ct::CopyCap { slot: slot.into(), src: src.into() })
    }
    pub fn remove(self, slot: u32) -> Result<(), Error> {
        unit(self.0, ct::Remove { slot: slot.into() })
    }
    /// `frames` frames from `first`, carved out of our untyped cap `untyped`.
    pub fn new_untyped(self, slot: u32, untyped: u32, first: u64, frames: u64) -> Result<(), Error> {
        unit(self.0, ct::NewUntyped { slot: slot.into(), untyped: untyped.into(), first, frames })
    }
    /// The `CapKind` in `slot`, as its number (0: free).
    pub fn kind(self, slot: u32) -> Result<u64, Error> {
        ok(self.0, ct::Kind { slot: slot.into() })
    }
}

/// A page-table capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pgtbl(pub u32);

impl Pgtbl {
    /// Maps `pages` user frames from `kmem` at `va`. On failure, also how
    /// many pages were mapped before it (`Error::NoTable`: build a level
    /// with `cons` and go on from there).
    pub fn map(self, va: u64, kmem: u64, perms: u64, pages: u64) -> Result<(), (Error, u64)> {
        let r = run(self.0, pt::Map { va, kmem, perms, pages });
        r.ok().map(drop).map_err(|e| (e, r.rdi))
    }
    /// Maps the frames `kmems` (at most `MAP_LIST_MAX`) at `va` onwards;
    /// on error, how many were mapped before it.
    pub fn map_list(self, va: u64, kmems: &[u64], perms: u64) -> Result<(), (Error, u64)> {
        let r = run(self.0, pt::MapList { va, list: kmems.as_ptr() as u64, n: kmems.len() as u64, perms });
        r.ok().map(drop).map_err(|e| (e, r.rdi))
    }
    pub fn unmap(self, va: u64, pages: u64) -> Result<(), Error> {
        unit(self.0, pt::Unmap { va, pages })
    }
    /// Builds the first missing level on the way to `va`; returns its level.
    pub fn cons(self, va: u64, kmem: u64) -> Result<u64, Error> {
        ok(self.0, pt::Cons { va, kmem })
    }
    /// Copies `len` bytes between `remote` (here) and `local` (ours);
    /// `dir`: `COPY_*`. Returns the bytes copied and, if it stopped early,
    /// the first address it could not copy.
    pub fn copy(self, remote: u64, local: u64, len: u64, dir: u64) -> Result<(u64, Option<u64>), Error> {
        let r = run(self.0, pt::CopyMem { remote, local, len, dir });
        let n = r.ok()?;
        Ok((n, if r.rsi != 0 { Some(r.rdi) } else { None }))
    }
    /// The frame mapped at `va` and its `PERM_*`.
    pub fn lookup(self, va: u64) -> Result<(u64, u64), Error> {
        let r = run(self.0, pt::Lookup { va });
        Ok((r.ok()?, r.rdi))
    }
}

/// An untyped-memory capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Untyped(pub u32);

impl Untyped {
    /// `to`: `RETYPE_*`.
    pub fn retype(self, first: u64, frames: u64, to: u64) -> Result<(), Error> {
        unit(self.0, ut::Retype { first, frames, to })
    }
    /// Retypes each frame of `frames` (at most `RETYPE_LIST_MAX`) to `to`;
    /// on a failure, its error and how many were retyped before it.
    pub fn retype_list(self, frames: &[u64], to: u64) -> Result<(), (Error, usize)> {
        let r = run(self.0, ut::RetypeList { list: frames.as_ptr() as u64, n: frames.len() as u64, to });
        r.ok().map(|_| ()).map_err(|e| (e, r.rdi as usize))
    }
    /// The range it covers: (first frame, frames).
    pub fn info(self) -> Result<(u64, u64), Error> {
        let r = run(self.0, ut::Info {});
        Ok((r.ok()?, r.rdi))
    }
    /// A frame's (`RETYPE_*` type or 0, reference count).
    pub fn frame_info(self, frame: u64) -> Result<(u64, u64), Error> {
        let r = run(self.0, ut::FrameInfo { frame });
        Ok((r.ok()?, r.rdi))
    }
}

/// A component capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comp(pub u32);

impl Comp {
    /// The exception handler gate (our sinv cap; 0: none).
    pub fn set_handler(self, sinv: u32) -> Result<(), Error> {
        unit(self.0, comp_op::SetHandler { sinv: sinv.into() })
    }
}

/// A thread capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thd(pub u32);

impl Thd {
    /// `flags`: `SWITCH_*`.
    pub fn switch(self, flags: u64) -> Result<(), Error> {
        unit(self.0, thd_op::Switch { flags })
    }
    pub fn wake(self) -> Result<(), Error> {
        unit(self.0, thd_op::Wake {})
    }
    pub fn set_fsbase(self, base: u64) -> Result<(), Error> {
        unit(self.0, thd_op::SetFsbase { base })
    }
    pub fn tid(self) -> Result<u64, Error> {
        ok(self.0, thd_op::Tid {})
    }
    /// `THD_*`.
    pub fn state(self) -> Result<u64, Error> {
        ok(self.0, thd_op::State {})
    }
    /// 0: it takes the interrupt upcall now; 1: when its handler resumes it.
    pub fn interrupt(self) -> Result<u64, Error> {
        ok(self.0, thd_op::Interrupt {})
    }
}

/// An asynchronous send capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asnd(pub u32);

impl Asnd {
    /// `flags`: `ASND_YIELD`.
    pub fn send(self, flags: u64) -> Result<(), Error> {
        unit(self.0, asnd_op::Send { flags })
    }

    /// Sends, then receives on our own end-point as [`rcv`] (blocking,
    /// no timeout) does, in one kernel call (`ASND_THEN_RCV`).
    pub fn send_then_rcv(self) -> Result<(u64, Option<Event>), Error> {
        received(run(self.0, asnd_op::Send { flags: cellux_abi::ops::ASND_THEN_RCV }))
    }
}

/// The hardware capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hw(pub u32);

impl Hw {
    /// Writes up to 1024 bytes of `s`; returns how many.
    pub fn print(self, s: &[u8]) -> Result<u64, Error> {
        ok(self.0, hw_op::Print { buf: s.as_ptr() as u64, len: s.len() as u64 })
    }
    /// Absolute TSC deadline; 0 cancels.
    pub fn timer_set(self, deadline: u64) -> Result<(), Error> {
        unit(self.0, hw_op::TimerSet { deadline })
    }
    /// Interrupt `line` as sends on our asnd cap `asnd` (0: detach);
    /// `flags`: `IRQ_LEVEL | IRQ_ACTIVE_LOW`.
    pub fn attach(self, line: u64, asnd: u32, flags: u64) -> Result<(), Error> {
        unit(self.0, hw_op::Attach { line, asnd: asnd.into(), flags })
    }
    pub fn tsc_hz(self) -> Result<u64, Error> {
        ok(self.0, hw_op::TscHz {})
    }
    /// Maps `pages` device frames from `phys` at `va` in our pgtbl cap `pgtbl`.
    pub fn map_mmio(self, pgtbl: u32, va: u64, phys: u64, pages: u64) -> Result<(), Error> {
        unit(self.0, hw_op::MapMmio { pgtbl: pgtbl.into(), va, phys, pages })
    }
    /// Powers off; returns only if refused.
    pub fn exit(self, status: u64) -> Error {
        ok(self.0, hw_op::Exit { status }).err().unwrap_or(Error::Inval)
    }
    pub fn irq_ack(self, line: u64) -> Result<(), Error> {
        unit(self.0, hw_op::IrqAck { line })
    }
    /// `size`: 1, 2 or 4 bytes; a port past 16 bits is refused.
    pub fn io_in(self, port: u64, size: u64) -> Result<u64, Error> {
        ok(self.0, hw_op::IoIn { port, size })
    }
    pub fn io_out(self, port: u64, size: u64, value: u64) -> Result<(), Error> {
        unit(self.0, hw_op::IoOut { port, size, value })
    }
    /// The kernel's event counters now (counted since boot; subtract two).
    pub fn counters(self) -> Result<Counters, Error> {
        let mut c = Counters::default();
        let full = ok(self.0, hw_op::CopyCounters { buf: &mut c as *mut Counters as u64, len: SIZE as u64 })?;
        // A kernel with more counters than we know copies only ours; one
        // with fewer would leave some zero: refuse that rather than lie.
        if (full as usize) < SIZE {
            return Err(Error::Inval);
        }
        Ok(c)
    }
    /// Makes the kernel fault on purpose (its fault report's test).
    pub fn crash_test(self) -> Error {
        ok(self.0, hw_op::CrashTest {}).err().unwrap_or(Error::Inval)
    }
    /// The kernel's protection self-test (`PROTECT_*` kinds).
    pub fn protect_probe(self, kind: u64, addr: u64) -> Result<u64, Error> {
        ok(self.0, hw_op::ProtectProbe { kind, addr })
    }
}

/// Returns from the invocation being served with (r0, r1, r2) in the
/// caller's rdi, rsi, rdx. Comes back only if there is none.
pub fn ret(r0: u64, r1: u64, r2: u64) -> Ret {
    run(0, self_op::Return { r0, r1, r2 })
}

/// Receive on our end-point; `flags`: `RCV_*`, `timeout`: absolute TSC
/// (0: none). Ok((sends consumed, scheduler event if any)).
pub fn rcv(flags: u64, timeout: u64) -> Result<(u64, Option<Event>), Error> {
    received(run(0, self_op::Rcv { flags, timeout }))
}

/// A receive's results.
fn received(r: Ret) -> Result<(u64, Option<Event>), Error> {
    let n = r.ok()?;
    Ok((n, if r.rdi == u64::MAX { None } else { Some((r.rdi, r.rsi, r.rdx)) }))
}

pub fn exit() -> ! {
    run(0, self_op::Exit {});
    loop {
        core::hint::spin_loop();
    }
}

/// Resumes the trapped context. Returns only without an exception frame.
pub fn exc_resume() -> Error {
    ok(0, self_op::ExcResume {}).err().unwrap_or(Error::Inval)
}

/// Resumes the trapped context with rax = `rax`. Returns only on failure.
pub fn exc_resume_rax(rax: u64) -> Error {
    ok(0, self_op::ExcResumeRax { rax }).err().unwrap_or(Error::Inval)
}

/// Ends the trapped computation (its invoker gets `Error::Fault`, rdi =
/// `code`). Returns only on failure.
pub fn exc_end(code: u64) -> Error {
    ok(0, self_op::ExcEnd { code }).err().unwrap_or(Error::Inval)
}

pub fn exc_regs_read(r: &mut UserRegs) -> Result<(), Error> {
    unit(0, self_op::ExcRegsRead { buf: r as *mut UserRegs as u64 })
}

pub fn exc_regs_write(r: &UserRegs) -> Result<(), Error> {
    unit(0, self_op::ExcRegsWrite { buf: r as *const UserRegs as u64 })
}

/// The trapped FPU/SSE state, fxsave layout.
pub fn exc_fpu_read(img: &mut [u8; 512]) -> Result<(), Error> {
    unit(0, self_op::ExcFpuRead { buf: img.as_mut_ptr() as u64 })
}

pub fn exc_fpu_write(img: &[u8; 512]) -> Result<(), Error> {
    unit(0, self_op::ExcFpuWrite { buf: img.as_ptr() as u64 })
}

/// The Ring 1 fast path's entries, for `syscall` and for exceptions
/// (`self_op::FAST_ENTRY`; 0: off).
pub fn fast_entry(entry: u64, exc: u64) -> Result<(), Error> {
    unit(0, self_op::FastEntry { entry, exc })
}

/// The fast path's stack for the thread whose exception we handle.
pub fn fast_stack(top: u64) -> Result<(), Error> {
    unit(0, self_op::FastStack { top })
}

/// Names our direct user copies' code [`start`, `end`) and its fix-up
/// (`self_op::USER_COPY`; all 0: none).
pub fn user_copy(start: u64, end: u64, fixup: u64) -> Result<(), Error> {
    unit(0, self_op::UserCopy { start, end, fixup })
}

/// Turns the fast entry we are in into an exception upcall holding
/// `regs` and `fpu`, for the `exc_*` calls.
pub fn exc_defer(regs: &UserRegs, img: &[u8; 512]) -> Result<(), Error> {
    unit(0, self_op::ExcDefer { regs: regs as *const UserRegs as u64, fpu: img.as_ptr() as u64 })
}

/// The null system call.
pub fn nop() -> Result<(), Error> {
    unit(0, self_op::Nop {})
}

/// For a scheduler: run thread `tid` (it reports to us); `flags`: `SWITCH_*`.
pub fn switch_tid(tid: u64, flags: u64) -> Result<(), Error> {
    unit(0, self_op::SwitchTid { tid, flags })
}

/// For a scheduler: end thread `tid`'s blocking receive with a timeout.
pub fn wake_tid(tid: u64) -> Result<(), Error> {
    unit(0, self_op::WakeTid { tid })
}
