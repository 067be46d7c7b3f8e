//! The server's process table. Each Linux process component traps to an
//! exception gate of ours whose token names its slot here, so a trapped
//! thread finds its process without a search and without a race against
//! its creator. A slot holds what the server keeps per process: the
//! process (`cellux_process::Proc`: capabilities, page table, the
//! personality's state) and, until its thread adopts it on the first trap,
//! its Linux task.

use crate::{lklfwd::LklForward, tcb, thread};
use cellux_process::{spawn, trap, Proc, SpawnError, Spec};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::abi::ops::ct_op;
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::sync::SpinLock;
use cellux_rt::{slots, sys};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use lkl::task::Task;

/// Gate tokens from here on name table slots (below: test gates).
pub const TOKEN_BASE: u64 = 0x100;
const SLOTS: usize = 32;
const SIGCHLD: i32 = 17;

struct Entry {
    proc: Proc,
    /// Its Linux task, until its thread adopts it.
    task: Option<Task>,
}

struct Slot {
    lock: SpinLock,
    inner: UnsafeCell<Option<Entry>>,
}

// SAFETY: `inner` is only touched with `lock` held.
unsafe impl Sync for Slot {}

static TABLE: [Slot; SLOTS] = [const { Slot { lock: SpinLock::new(), inner: UnsafeCell::new(None) } }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);

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

/// Builds a process from `img` whose Linux task is a child (fork-like,
/// fds copied) of the caller's task, and starts its thread. Returns its pid.
pub fn start(img: &Image) -> Result<i32, StartError> {
    extern "C" {
        fn _start();
    }
    let i = (0..SLOTS)
        .map(|_| NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS)
        .find(|&i| with(i, |e| e.is_none()))
        .ok_or(StartError::Full)?;
    let gate = slots::alloc();
    let token = TOKEN_BASE + i as u64;
    sys::op(SELF_CT, ct_op::NEW_SINV, [gate as u64, SELF_COMP as u64, _start as *const () as u64, token, 0, 0])
        .map_err(StartError::Kernel)?;
    let execfn = img.argv.first().copied().unwrap_or(b"");
    let spec = Spec { image: img.image, argv: img.argv, envp: img.envp, execfn, pid: 0, gate };
    let mut proc = match spawn(&spec) {
        Ok(p) => p,
        Err(e) => {
            let _ = sys::op(SELF_CT, ct_op::REMOVE, [gate as u64, 0, 0, 0, 0, 0]);
            slots::free(gate);
            return Err(StartError::Spawn(e));
        }
    };
    // The task last: a refused image leaves nothing behind in Linux.
    let (task, pid) = match Task::clone_from_current(0, SIGCHLD) {
        Ok(t) => t,
        Err(e) => {
            proc.destroy();
            return Err(StartError::Task(e));
        }
    };
    proc.linux.tid = pid as u64;
    let pt = proc.pages.pt();
    with(i, |e| *e = Some(Entry { proc, task: Some(task) }));
    let asnd = slots::alloc();
    // Creation locked: the thread's first trap waits until its id's state
    // (send capability for wake-ups, user page table) is recorded.
    thread::creating(|| {
        let (tid, thd) = with(i, |e| {
            let p = &mut e.as_mut().ok_or(Error::Inval)?.proc;
            let tid = p.start()?;
            Ok::<_, Error>((tid, p.thd.unwrap_or(0)))
        })?;
        sys::op(SELF_CT, ct_op::NEW_ASND, [asnd as u64, thd as u64, 0, 0, 0, 0])?;
        thread::claim_id(tid as usize, thd, asnd);
        tcb::of(tid as usize).user_pt.store(pt, Ordering::Release);
        Ok::<(), Error>(())
    })
    .map_err(StartError::Kernel)?;
    Ok(pid)
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
    let _ = Task::exit_current(status as i32, true);
}

fn serve(u: &Upcall) -> Action {
    let i = (u.token - TOKEN_BASE) as usize;
    with(i, |e| {
        let Some(e) = e.as_mut() else { return Action::End(u.vector) };
        if let Some(task) = e.task.take() {
            if task.adopt().is_err() {
                return Action::End(u.vector);
            }
            // The task's fd table is a copy of its creator's: only 0-2
            // are meant for the process.
            let _ = lkl::syscall(lkl::nr::CLOSE_RANGE, &[3, u32::MAX as i64, 0]);
            // The server starts processes the way init starts a login:
            // in a session of their own. Left in the server's session (0,
            // the kernel's), getsid() answers 0, which no process on a
            // booted Linux system ever sees.
            let _ = lkl::syscall(lkl::nr::SETSID, &[]);
        }
        let had = e.proc.status.is_some();
        let a = trap::handle(&mut e.proc, u, &mut LklForward);
        if let (false, Some(s)) = (had, e.proc.status) {
            end_task(s);
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
