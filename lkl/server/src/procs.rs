//! The server's process table. Each Linux process component traps to an
//! exception gate of ours whose token names its slot here, so a trapped
//! thread finds its process without a search and without a race against
//! its creator. A slot holds what the server keeps per process: the
//! process (`cellux_process::Proc`: capabilities, page table, the
//! personality's state) and, until its thread adopts it on the first trap,
//! its Linux task.
//!
//! A slot is claimed through its state alone, never by taking its lock:
//! a process's thread holds its own slot's lock for the whole of each call
//! it makes, wait4 and vfork's wait included. Slots of ended processes are
//! reaped (capabilities and frames given back) once their thread is dead,
//! when a later process is made.

use crate::{forkcall, execcall, lklfwd::LklForward, sem::Sem, tcb, thread};
use cellux_personality::dispatch::{self, Outcome};
use cellux_process::{spawn, trap, Proc, SpawnError, Spec};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::abi::ops::ct_op;
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::SpinLock;
use cellux_rt::{slots, sys};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use lkl::task::Task;

/// Gate tokens from here on name table slots (below: test gates).
pub const TOKEN_BASE: u64 = 0x100;
const SLOTS: usize = 32;
const SIGCHLD: i32 = 17;

pub struct Entry {
    pub proc: Proc,
    /// Its Linux task, until its thread adopts it.
    task: Option<Task>,
    /// A vfork parent waits on `VFORK_DONE` of this slot until the
    /// process execs or ends.
    vfork: bool,
    /// A fork child: its fds and session are its parent's, as they are.
    forked: bool,
}

const FREE: u8 = 0;
const LIVE: u8 = 1;
/// The process has ended; reaped once its thread is dead.
const ENDED: u8 = 2;

struct Slot {
    state: AtomicU8,
    lock: SpinLock,
    inner: UnsafeCell<Option<Entry>>,
}

// SAFETY: `inner` is only touched with `lock` held.
unsafe impl Sync for Slot {}

static TABLE: [Slot; SLOTS] =
    [const { Slot { state: AtomicU8::new(FREE), lock: SpinLock::new(), inner: UnsafeCell::new(None) } }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);
static VFORK_DONE: [Sem; SLOTS] = [const { Sem::new(0) }; SLOTS];

fn with<R>(i: usize, f: impl FnOnce(&mut Option<Entry>) -> R) -> R {
    let s = &TABLE[i % SLOTS];
    let _g = s.lock.lock();
    // SAFETY: the slot's lock is held for the closure's whole run.
    f(unsafe { &mut *s.inner.get() })
}

pub fn owns(token: u64) -> bool {
    (TOKEN_BASE..TOKEN_BASE + SLOTS as u64).contains(&token)
}

#[derive(Debug)]
#[allow(dead_code)] // the fields are for the Debug report
pub enum StartError {
    Spawn(SpawnError),
    /// No free slot in the table.
    Full,
    /// Linux refused the task (its errno).
    Task(lkl::Errno),
    Kernel(Error),
}

/// What a new process is made of.
pub struct Image<'a> {
    pub image: &'a [u8],
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
}

/// Gives back what ended processes held, once their threads are dead.
fn reap() {
    for (i, s) in TABLE.iter().enumerate() {
        if s.state.load(Ordering::Acquire) != ENDED {
            continue;
        }
        let gone = with(i, |e| if e.as_ref().is_some_and(|e| e.proc.thread_dead()) { e.take() } else { None });
        if let Some(mut e) = gone {
            // The thread's capability belongs to its id's record, which
            // gives it back with the id's other one.
            if let (Some(thd), Some(tid)) = (e.proc.thd.take(), e.proc.tid) {
                thread::release_id(tid as usize, thd);
            }
            e.proc.destroy();
            if let Some(t) = e.task {
                t.put();
            }
            s.state.store(FREE, Ordering::Release);
        }
    }
}

/// Reaps what it can; whether an ended process is left (its thread not
/// dead yet).
pub fn reap_ended() -> bool {
    reap();
    TABLE.iter().any(|s| s.state.load(Ordering::Acquire) == ENDED)
}

/// A claimed slot and the exception gate whose token names it, for a
/// process being built.
pub struct NewSlot {
    i: usize,
    pub gate: u32,
}

pub fn new_slot() -> Result<NewSlot, StartError> {
    extern "C" {
        fn _start();
    }
    reap();
    let i = (0..SLOTS)
        .map(|_| NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS)
        .find(|&i| TABLE[i].state.compare_exchange(FREE, LIVE, Ordering::AcqRel, Ordering::Relaxed).is_ok())
        .ok_or(StartError::Full)?;
    let gate = slots::alloc();
    let token = TOKEN_BASE + i as u64;
    if let Err(e) = sys::op(SELF_CT, ct_op::NEW_SINV, [gate as u64, SELF_COMP as u64, _start as *const () as u64, token, 0, 0]) {
        slots::free(gate);
        TABLE[i].state.store(FREE, Ordering::Release);
        return Err(StartError::Kernel(e));
    }
    Ok(NewSlot { i, gate })
}

/// Gives back a slot whose process was never made.
pub fn abandon(n: NewSlot) {
    if sys::op(SELF_CT, ct_op::REMOVE, [n.gate as u64, 0, 0, 0, 0, 0]).is_ok() {
        slots::free(n.gate);
    }
    TABLE[n.i].state.store(FREE, Ordering::Release);
}

/// Gives back a slot and the process built for it, never started.
pub fn discard(n: NewSlot, proc: Proc) {
    // Its gate goes with it.
    proc.destroy();
    TABLE[n.i].state.store(FREE, Ordering::Release);
}

/// Builds a process from `img` whose Linux task is a child (fork-like,
/// fds copied) of the caller's task, and starts its thread. Returns its pid.
pub fn start(img: &Image) -> Result<i32, StartError> {
    let n = new_slot()?;
    let execfn = img.argv.first().copied().unwrap_or(b"");
    let spec = Spec { image: img.image, argv: img.argv, envp: img.envp, execfn, pid: 0, gate: n.gate };
    let mut proc = match spawn(&spec) {
        Ok(p) => p,
        Err(e) => {
            abandon(n);
            return Err(StartError::Spawn(e));
        }
    };
    // The task last: a refused image leaves nothing behind in Linux.
    let (task, pid) = match Task::clone_from_current(0, SIGCHLD) {
        Ok(t) => t,
        Err(e) => {
            discard(n, proc);
            return Err(StartError::Task(e));
        }
    };
    proc.linux.tid = pid as u64;
    launch(n, proc, task, false, false).map_err(StartError::Kernel)?;
    Ok(pid)
}

/// Records a built process (its Linux task not yet adopted) in its slot
/// and starts its thread. With `vfork`, the slot's `VFORK_DONE` is upped
/// when the process execs or ends.
pub fn launch(n: NewSlot, proc: Proc, task: Task, forked: bool, vfork: bool) -> Result<(), Error> {
    let i = n.i;
    let pt = proc.pages.pt();
    with(i, |e| *e = Some(Entry { proc, task: Some(task), vfork, forked }));
    let asnd = slots::alloc();
    // Creation locked: the thread's first trap waits until its id's state
    // (send capability for wake-ups, user page table) is recorded.
    let r = thread::creating(|| {
        let (tid, thd) = with(i, |e| {
            let p = &mut e.as_mut().ok_or(Error::Inval)?.proc;
            let tid = p.start()?;
            Ok::<_, Error>((tid, p.thd.unwrap_or(0)))
        })?;
        sys::op(SELF_CT, ct_op::NEW_ASND, [asnd as u64, thd as u64, 0, 0, 0, 0])?;
        thread::claim_id(tid as usize, thd, asnd);
        tcb::of(tid as usize).user_pt.store(pt, Ordering::Release);
        Ok::<(), Error>(())
    });
    if r.is_err() {
        // Reaped like an ended process. Its task stays unadopted and
        // never exits: out of kernel memory, nothing better is at hand.
        TABLE[i].state.store(ENDED, Ordering::Release);
    }
    r
}

struct Call<'a> {
    u: &'a Upcall,
    out: Action,
}

extern "C" fn on_stack(c: u64) -> u64 {
    // SAFETY: `handle` passes its live Call for the duration of the call.
    let c = unsafe { &mut *(c as *mut Call) };
    c.out = serve(c.u);
    0
}

/// Linux's side of the end: its task exits with the wait status, so the
/// parent's wait4 sees it and its fds (pipes to the server) close.
fn end_task(status: u32) {
    // A fatal signal has already ended it inside Linux.
    if crate::lklfwd::take_killed() {
        return;
    }
    let _ = Task::exit_current(status as i32, true);
}

/// A vfork parent waiting on slot `i` may go on (its child exec'd or
/// ended); `vfork`: the slot's flag, cleared so it goes on once.
fn vfork_release(i: usize, vfork: &mut bool) {
    if core::mem::take(vfork) {
        VFORK_DONE[i].up();
    }
}

/// The server's own calls of a process in slot `slot`: new processes and
/// new images, which need the process table.
struct ProcessCalls<'a> {
    slot: usize,
    vfork: &'a mut bool,
}

impl trap::Host for ProcessCalls<'_> {
    fn syscall(&mut self, p: &mut Proc, regs: &mut UserRegs) -> Option<Outcome> {
        Some(match dispatch::syscall_nr(regs) {
            forkcall::FORK | forkcall::VFORK | forkcall::CLONE | forkcall::CLONE3 => forkcall::serve(p, regs),
            execcall::EXECVE | execcall::EXECVEAT => execcall::serve(p, regs, || vfork_release(self.slot, self.vfork)),
            _ => return None,
        })
    }
}

/// Waits until the vfork child in `n`'s slot execs or ends.
pub fn vfork_wait(slot: usize) {
    VFORK_DONE[slot].down();
}

impl NewSlot {
    pub fn index(&self) -> usize {
        self.i
    }
}

fn serve(u: &Upcall) -> Action {
    let i = (u.token - TOKEN_BASE) as usize;
    with(i, |e| {
        let Some(e) = e.as_mut() else { return Action::End(u.vector) };
        if let Some(task) = e.task.take() {
            let adopted = task.adopt();
            // The binding holds its own reference.
            task.put();
            if adopted.is_err() {
                return Action::End(u.vector);
            }
            if !e.forked {
                // The task's fd table is a copy of its creator's: only 0-2
                // are meant for the process.
                let _ = lkl::syscall(lkl::nr::CLOSE_RANGE, &[3, u32::MAX as i64, 0]);
                // The server starts processes the way init starts a login:
                // in a session of their own. Left in the server's session (0,
                // the kernel's), getsid() answers 0, which no process on a
                // booted Linux system ever sees.
                let _ = lkl::syscall(lkl::nr::SETSID, &[]);
                // And, like a getty, with its terminal as the session's
                // controlling tty when fd 0 is one (an interactive shell
                // needs it for job control; opening /dev/console never
                // makes it one). ENOTTY for a pipe or /dev/null: nothing to do.
                let _ = lkl::syscall(lkl::nr::IOCTL, &[0, lkl::consts::TIOCSCTTY as i64, 0]);
            }
        }
        let had = e.proc.status.is_some();
        let a = if had {
            // An ended process makes nothing new.
            trap::handle(&mut e.proc, u, &mut LklForward, &mut trap::NoHost)
        } else {
            trap::handle(&mut e.proc, u, &mut LklForward, &mut ProcessCalls { slot: i, vfork: &mut e.vfork })
        };
        if let (false, Some(s)) = (had, e.proc.status) {
            end_task(s);
            vfork_release(i, &mut e.vfork);
            TABLE[i].state.store(ENDED, Ordering::Release);
        }
        a
    })
}

/// An exception upcall (syscall or CPU fault) of a process thread, on
/// that thread, migrated in on the runtime's small stack.
pub fn handle(u: &Upcall) -> Action {
    // The thread may trap before its creator has recorded it.
    thread::creating(|| ());
    let Ok(top) = tcb::stack_top(u.tid as usize) else { return Action::End(u.vector) };
    let mut call = Call { u, out: Action::End(u.vector) };
    tcb::call_on_stack(top, on_stack, &mut call as *mut Call as u64);
    call.out
}
