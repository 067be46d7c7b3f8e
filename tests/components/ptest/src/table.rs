//! The processes under test, each in a slot found by its exception gate's
//! token, so the handler finds its process without a race against the
//! thread's first trap.

use cellux_abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::cap::Captbl;
use cellux_abi::regs::UserRegs;
use cellux_personality::dispatch::Outcome;
use cellux_personality::fault;
use cellux_personality::route::Lifecycle;
use cellux_process::{spawn, trap, Proc, SpawnError, Spec};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::SpinLocked;
use cellux_rt::{slots, sys};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::console::TestForward;

const SLOTS: usize = 8;

type Slot = SpinLocked<(Option<Proc>, TestForward)>;

static TABLE: [Slot; SLOTS] = [const { SpinLocked::new((None, TestForward::new())) }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn with<R>(i: usize, f: impl FnOnce(&mut (Option<Proc>, TestForward)) -> R) -> R {
    TABLE[i % SLOTS].with(f)
}

/// The host of the processes under test: one thread each, no fork or
/// exec (the LKL server's process half serves those); exit ends them.
struct TestHost;

impl trap::Host for TestHost {
    fn lifecycle(&mut self, call: Lifecycle, p: &mut Proc, regs: &mut UserRegs) -> Outcome {
        match call {
            Lifecycle::Exit { .. } => Outcome::Exit(fault::exited(regs.rdi)),
            Lifecycle::SetTidAddress => Outcome::Return(p.linux.tid as i64),
            Lifecycle::Clone(_) | Lifecycle::Exec => Outcome::Return(-38),
        }
    }
}

/// The exception upcall of a process thread.
pub fn handle(u: &Upcall) -> Action {
    let i = u.token as usize;
    if i >= SLOTS {
        return Action::End(u.vector);
    }
    with(i, |(p, fwd)| match p {
        Some(p) => trap::handle(p, u, &mut trap::Upcalled, fwd, &mut TestHost),
        None => Action::End(u.vector),
    })
}

/// How a run ended.
pub struct Ended {
    /// Wait status, None on timeout.
    pub status: Option<u32>,
    pub fault: Option<cellux_process::proc::Fault>,
    pub refused: TestForward,
}

pub struct Run<'a> {
    pub image: &'a [u8],
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
}

/// Builds the process, runs it to its end (or `secs`), and tears it down.
pub fn run(r: &Run, secs: u64) -> Result<Ended, SpawnError> {
    extern "C" {
        fn _start();
    }
    let i = NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS;
    let gate = slots::alloc();
    Captbl(SELF_CT).new_sinv(gate, SELF_COMP, _start as *const () as u64, i as u64)?;
    let spec = Spec { image: r.image, argv: r.argv, envp: r.envp, execfn: r.argv.first().copied().unwrap_or(b""), pid: 1, gate, creds: Default::default() };
    let p = match spawn(&spec) {
        Ok(p) => p,
        Err(e) => {
            let _ = Captbl(SELF_CT).remove(gate);
            slots::free(gate);
            return Err(e);
        }
    };
    with(i, |(slot, fwd)| {
        *fwd = TestForward::new();
        *slot = Some(p);
        slot.as_mut().map(|p| p.start())
    })
    .unwrap_or(Err(cellux_abi::err::Error::Inval))?;
    let deadline = sys::rdtsc() + secs * sys::tsc_hz();
    loop {
        let done = with(i, |(p, _)| p.as_ref().is_none_or(|p| p.status.is_some() && p.thread_dead()));
        if done || sys::rdtsc() > deadline {
            break;
        }
        let _ = sys::rcv(false, sys::rdtsc() + sys::tsc_hz() / 1000);
    }
    with(i, |(slot, fwd)| {
        let ended = Ended {
            status: slot.as_ref().and_then(|p| p.status),
            fault: slot.as_ref().and_then(|p| p.fault),
            refused: core::mem::replace(fwd, TestForward::new()),
        };
        // A process that never ended keeps running: leave it be.
        if ended.status.is_some() {
            if let Some(p) = slot.take() {
                p.destroy();
            }
        }
        Ok(ended)
    })
}
