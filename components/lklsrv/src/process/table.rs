//! The server's process table. Each Linux process component traps to an
//! exception gate of ours whose token names its slot here, so a trapped
//! thread finds its process without a search and without a race against
//! its creator. A slot holds what the server keeps per process: the
//! process (`cellux_process::Proc`: capabilities, page table, address
//! space, the personality's state) and the vfork hand-off. What is per
//! thread (registers, Linux task, signal delivery) is in `threads`.
//!
//! A slot's lock is held only for calls about the process as a whole
//! (address-space changes, fork, clone, execve: `trap`), never across a thread's
//! other calls, so a thread blocked in read or futex-wait leaves its
//! siblings free. A slot is claimed through its state alone. Slots of
//! ended processes (no thread left) are reaped (capabilities and frames
//! given back) once all their threads are dead, when a later process or
//! thread is made.

use crate::process::record::{Record, ENDED, FREE};
use crate::process::threads::{self, Thread};
use crate::process::exec;
use crate::process::remote;
use crate::host::sync::Sem;
use crate::host::tcb;
use crate::host::thread;
use cellux_process::Proc;
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::cap::Captbl;
use cellux_rt::slots;
use core::ffi::CStr;
use cellux_rt::abi::layout::MAX_THREADS;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use lkl::task::Task;

/// Gate tokens from here on name table slots (below: test gates).
pub const TOKEN_BASE: u64 = 0x100;
/// Processes at once. Every process has a thread, and the server's
/// threads are at most MAX_THREADS, so more slots than that could never
/// fill; LTP's tests fork up to 55 children at a time (futex_wake03).
pub const SLOTS: usize = 96;
const _: () = assert!(SLOTS < MAX_THREADS);
const SIGCHLD: i32 = 17;

pub struct Entry {
    pub proc: Proc,
    /// A vfork parent waits on `VFORK_DONE` of this slot until the
    /// process execs or ends.
    pub(super) vfork: bool,
    /// The slot whose `proc` holds this process's address space: its own,
    /// or, for a vfork child until it execs, its parent's (shared, as
    /// CLONE_VM asks; `proc` is then only a view of it with our own gate).
    pub(super) vm: usize,
}

impl Entry {
    /// Gives back what the process held; its threads must be dead. A
    /// borrowed address space stays its owner's: only our gate goes.
    fn destroy(self, i: usize) {
        if self.vm == i {
            remote::withdraw(i);
            self.proc.destroy();
            return;
        }
        let gate = self.proc.gate;
        if Captbl(SELF_CT).remove(gate).is_ok() {
            slots::free(gate);
        }
        self.proc.drop_view();
    }
}

/// A process's entry and the counts that say when it can go; its state
/// ENDED: the process has ended (its last thread has); reaped once all
/// its threads' records are.
struct Slot {
    rec: Record<Entry>,
    /// Threads that have not ended.
    live: AtomicUsize,
    /// Thread records not yet reaped.
    records: AtomicUsize,
    /// Of those, the records of other processes' threads that run in this
    /// slot's address space (a vfork child before its exec).
    borrowers: AtomicUsize,
}

static TABLE: [Slot; SLOTS] =
    [const { Slot { rec: Record::new(), live: AtomicUsize::new(0), records: AtomicUsize::new(0), borrowers: AtomicUsize::new(0) } }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);
static VFORK_DONE: [Sem; SLOTS] = [const { Sem::new(0) }; SLOTS];
/// The vfork child in the slot has exec'd or ended: what its parent's
/// wait is for (`VFORK_DONE` also wakes it for signals).
static VFORK_RELEASED: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
/// By thread id: 1 + the slot of the vfork child the thread waits for,
/// 0 when it waits for none.
static VFORK_WAITER: [AtomicUsize; MAX_THREADS] = [const { AtomicUsize::new(0) }; MAX_THREADS];

pub(super) fn with<R>(i: usize, f: impl FnOnce(&mut Option<Entry>) -> R) -> R {
    TABLE[i % SLOTS].rec.with(f)
}

pub fn owns(token: u64) -> bool {
    (TOKEN_BASE..TOKEN_BASE + SLOTS as u64).contains(&token)
}

#[derive(Debug)]
#[allow(dead_code)] // the fields are for the Debug report
pub enum StartError {
    /// No free slot in the table.
    Full,
    /// Linux refused the task (its errno).
    Task(lkl::Errno),
    Kernel(Error),
    /// The first process's exec (`start`).
    Exec(exec::ExecError),
}

/// Whether threads of other processes still run in slot `i`'s address
/// space (or their records are not reaped yet).
pub fn borrowed(i: usize) -> bool {
    TABLE[i % SLOTS].borrowers.load(Ordering::Acquire) != 0
}

/// Gives back what ended threads and processes held, once dead.
fn reap() {
    threads::reap(|slot, host| {
        TABLE[slot % SLOTS].records.fetch_sub(1, Ordering::AcqRel);
        if host != slot {
            TABLE[host % SLOTS].borrowers.fetch_sub(1, Ordering::AcqRel);
            TABLE[host % SLOTS].records.fetch_sub(1, Ordering::AcqRel);
        }
    });
    for (i, s) in TABLE.iter().enumerate() {
        if s.rec.state() != ENDED || s.records.load(Ordering::Acquire) != 0 {
            continue;
        }
        if let Some(e) = with(i, |e| e.take()) {
            e.destroy(i);
        }
        s.rec.set_state(FREE);
    }
}

/// Reaps what it can; whether an ended process is left (its thread not
/// dead yet).
pub fn reap_ended() -> bool {
    reap();
    TABLE.iter().any(|s| s.rec.state() == ENDED)
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
        .find(|&i| TABLE[i].rec.claim())
        .ok_or(StartError::Full)?;
    let gate = slots::alloc();
    let token = TOKEN_BASE + i as u64;
    if let Err(e) = Captbl(SELF_CT).new_sinv(gate, SELF_COMP, _start as *const () as u64, token) {
        slots::free(gate);
        TABLE[i].rec.set_state(FREE);
        return Err(StartError::Kernel(e));
    }
    Ok(NewSlot { i, gate })
}

/// Gives back a slot whose process was never made.
pub fn abandon(n: NewSlot) {
    if Captbl(SELF_CT).remove(n.gate).is_ok() {
        slots::free(n.gate);
    }
    TABLE[n.i].rec.set_state(FREE);
}

/// Gives back a slot and the process built for it, never started.
pub fn discard(n: NewSlot, proc: Proc) {
    // Its gate goes with it.
    proc.destroy();
    TABLE[n.i].rec.set_state(FREE);
}

/// Starts a first process the way init starts a program: a task that is
/// a child of the caller's (fork-like, fds copied) runs Linux's own
/// execve of `path` with `argv` and `envp` (in our memory), so the
/// file's checks, comm and /proc/self/exe are Linux's;
/// the image it leaves is built in a new component whose thread takes
/// the task over. Returns its pid; on an error nothing is left behind.
/// `trace`: its calls are traced (`scripts/run --strace`).
pub fn start(path: &CStr, argv: &[&CStr], envp: &[&CStr], trace: bool) -> Result<i32, StartError> {
    let n = new_slot()?;
    let (task, pid) = match Task::clone_from_current(0, SIGCHLD) {
        Ok(t) => t,
        Err(e) => {
            abandon(n);
            return Err(StartError::Task(e));
        }
    };
    match in_task(task, || exec_first(path, argv, envp, n.gate, trace)) {
        Ok((proc, task)) => {
            launch(n, proc, task, false, false, 0).map_err(StartError::Kernel)?;
            Ok(pid)
        }
        Err(e) => {
            abandon(n);
            // The task ended in `in_task`: reap it.
            let _ = lkl::sys::wait4(pid, 0);
            Err(e)
        }
    }
}

/// Runs `f` with the calling thread bound to `task` instead of its own
/// and hands the task back after a success; after a failure the task
/// has exited.
fn in_task<R>(task: Task, f: impl FnOnce() -> Result<R, StartError>) -> Result<(R, Task), StartError> {
    let own = Task::detach_current().map_err(StartError::Task)?;
    let adopted = task.adopt();
    // The binding holds its own reference.
    task.put();
    let r = adopted.map_err(StartError::Task).and_then(|_| f());
    let out = match r {
        Ok(v) => Task::detach_current().map(|t| (v, t)).map_err(StartError::Task),
        Err(e) => {
            let _ = Task::exit_current(0, false);
            Err(e)
        }
    };
    // Refused only once Linux has stopped, when nothing goes on anyway.
    let _ = own.adopt();
    own.put();
    out
}

/// The first process's execve, in its own task; its image built for
/// `gate`.
fn exec_first(path: &CStr, argv: &[&CStr], envp: &[&CStr], gate: u32, trace: bool) -> Result<Proc, StartError> {
    let table = |v: &[&CStr]| v.iter().map(|s| s.as_ptr() as i64).chain(core::iter::once(0)).collect::<alloc::vec::Vec<i64>>();
    let (a, e) = (table(argv), table(envp));
    let img = exec::run(lkl::nr::EXECVE, &[path.as_ptr() as i64, a.as_ptr() as i64, e.as_ptr() as i64]).map_err(StartError::Exec)?;
    exec::fresh(img, gate, trace).map_err(StartError::Exec)
}

/// Records a built process in its slot and starts its first thread in
/// `task` (not yet adopted). With `vfork`, the slot's `VFORK_DONE` is
/// upped when the process execs or ends; `forked`: its task's fds and
/// session are its parent's, as they are; `clear_tid`: CLONE_CHILD_CLEARTID.
pub fn launch(n: NewSlot, proc: Proc, task: Task, forked: bool, vfork: bool, clear_tid: u64) -> Result<(), Error> {
    let i = n.i;
    let view = proc.thread_view(proc.linux.tid, proc.start_regs);
    VFORK_RELEASED[i].store(false, Ordering::SeqCst);
    remote::publish(i, &proc, task, !forked);
    with(i, |e| *e = Some(Entry { proc, vfork, vm: i }));
    add_thread(i, i, view, task, !forked, clear_tid)
}

/// Records a vfork child that shares the address space of slot `vm`
/// (`home`: a view of it, with the child's own gate for its later image)
/// and starts its thread there (`thread`: its view, with its start
/// registers). The parent waits for it as for any vfork child.
pub fn launch_borrowed(n: NewSlot, vm: usize, home: Proc, thread: Proc, task: Task, clear_tid: u64) -> Result<(), Error> {
    let i = n.i;
    VFORK_RELEASED[i].store(false, Ordering::SeqCst);
    with(i, |e| *e = Some(Entry { proc: home, vfork: true, vm }));
    add_thread(i, vm, thread, task, false, clear_tid)
}

/// Starts a thread of the process in slot `i` (its handle on the process
/// `view`, its Linux task `task` not yet adopted) in the component of
/// slot `host` (`i` itself unless the address space is borrowed; that
/// slot is kept until the thread's record is reaped). Takes no slot lock:
/// a clone calls it with its process's lock held.
pub fn add_thread(i: usize, host: usize, mut view: Proc, task: Task, fresh: bool, clear_tid: u64) -> Result<(), Error> {
    // Threads that came and went (ids and capabilities are few).
    reap();
    let s = &TABLE[i];
    let pt = view.pages.pt();
    let linux_tid = view.linux.tid;
    let asnd = slots::alloc();
    s.live.fetch_add(1, Ordering::AcqRel);
    s.records.fetch_add(1, Ordering::AcqRel);
    if host != i {
        TABLE[host].borrowers.fetch_add(1, Ordering::AcqRel);
        TABLE[host].records.fetch_add(1, Ordering::AcqRel);
    }
    // Creation locked: the thread's first trap waits until its id's state
    // (send capability for wake-ups, user page table, record) is there.
    let r = thread::creating(|| {
        let tid = view.start()?;
        let thd = view.thd.unwrap_or(0);
        Captbl(SELF_CT).new_asnd(asnd, thd)?;
        thread::claim_id(tid as usize, thd, asnd);
        // The thread starts in the component whose page table is `pt`.
        tcb::of(tid as usize).own_pt.store(pt, Ordering::Release);
        tcb::of(tid as usize).user_pt.store(pt, Ordering::Release);
        threads::record(tid as usize, Thread { slot: i, host, view, task: Some(task), fresh, clear_tid, linux_ended: false });
        Ok::<(), Error>(())
    });
    if let Err(e) = r {
        end_unstarted(task, linux_tid, e);
        s.records.fetch_sub(1, Ordering::AcqRel);
        if host != i {
            TABLE[host].borrowers.fetch_sub(1, Ordering::AcqRel);
            TABLE[host].records.fetch_sub(1, Ordering::AcqRel);
        }
        thread_ended(i);
    }
    r
}

/// Ends `task` (thread id `tid`), which Linux made but whose thread could
/// not be (`why`: out of kernel memory): it exits at once, and a new process's
/// is reaped by the caller, its parent, which is told the clone failed.
/// Left unadopted, it sat in Linux forever, and the one-shot runner,
/// which waits for every process before powering off, with it (the fork
/// bomb of tests/stress/exhaust.c ran into this once Linux had the
/// machine's memory and fork failed for kernel memory, not slots).
fn end_unstarted(task: Task, tid: u64, why: Error) {
    // Bound to the caller for a moment; the failure ends it there.
    let _ = in_task(task, || Err::<(), _>(StartError::Kernel(why)));
    // A thread of a group reaps itself; for one this finds nothing. (A
    // clone child with an exit signal other than SIGCHLD is not found
    // without __WCLONE, which the uapi constants leave out: it waits for
    // its parent's wait or end, as an orphan would.)
    let _ = lkl::sys::wait4(tid as i32, lkl::consts::WNOHANG);
}

/// A thread of the process in slot `i` has ended; the process has when
/// it was the last (a vfork parent goes on).
pub(super) fn thread_ended(i: usize) {
    let s = &TABLE[i];
    if s.live.fetch_sub(1, Ordering::AcqRel) == 1 {
        with(i, |e| {
            if let Some(e) = e.as_mut() {
                vfork_release(i, &mut e.vfork);
            }
        });
        s.rec.set_state(ENDED);
    }
}

/// A vfork parent waiting on slot `i` may go on (its child exec'd or
/// ended); `vfork`: the slot's flag, cleared so it goes on once.
pub(super) fn vfork_release(i: usize, vfork: &mut bool) {
    if core::mem::take(vfork) {
        VFORK_RELEASED[i].store(true, Ordering::SeqCst);
        VFORK_DONE[i].up();
    }
}

/// Waits until the vfork child in `slot` execs or ends, or until the
/// caller's task (thread id `me`) has SIGKILL pending: Linux's vfork wait
/// is killable, and a child that never execs nor ends must not leave a
/// parent SIGKILL cannot end (tests/conformance/vforkkill.c).
///
/// Every other signal is blocked for the wait (as a waiting parent takes
/// none on Linux either), so the task's TIF_SIGPENDING, and with it
/// Linux's kick of a thread out of Linux (`vfork_kick`), means SIGKILL
/// (a group exit is one) or SIGSTOP; SIGSTOP ends the wait too, where
/// Linux's would go on: the one difference left. Registered before the
/// first look, so a kick after it wakes us and one before it is seen by
/// the look; a stale wake-up costs a look, never an early end.
pub fn vfork_wait(slot: usize, me: usize) {
    use lkl::consts::{SIG_BLOCK, SIG_SETMASK};
    let me = me % MAX_THREADS;
    // The masks are in our memory, not the process's.
    let mask = |how: i64, new: &u64, old: *mut u64| {
        crate::process::forward::on_server_memory(|| {
            lkl::syscall(lkl::nr::RT_SIGPROCMASK, &[how, new as *const u64 as i64, old as i64, 8])
        })
    };
    VFORK_WAITER[me].store(slot + 1, Ordering::SeqCst);
    let mut old: u64 = 0;
    let blocked = mask(SIG_BLOCK, &!0u64, &mut old).is_ok();
    while !VFORK_RELEASED[slot].load(Ordering::SeqCst) {
        // Re-arms the kick, then looks.
        if blocked && Task::caller_signal_pending() {
            break;
        }
        VFORK_DONE[slot].down();
    }
    VFORK_WAITER[me].store(0, Ordering::SeqCst);
    if blocked {
        let _ = mask(SIG_SETMASK, &old, core::ptr::null_mut());
    }
}

/// Linux kicked thread `id`: its task got a signal while it was out of
/// Linux (`sigkick`). A vfork wait it is in wakes up to look.
pub fn vfork_kick(id: usize) {
    let waiting = VFORK_WAITER[id % MAX_THREADS].load(Ordering::SeqCst);
    if waiting != 0 {
        VFORK_DONE[waiting - 1].up();
    }
}

impl NewSlot {
    pub fn index(&self) -> usize {
        self.i
    }
}
