//! The server's process table. Each Linux process component traps to an
//! exception gate of ours whose token names its slot here, so a trapped
//! thread finds its process without a search and without a race against
//! its creator. A slot holds what the server keeps per process: the
//! process (`cellux_process::Proc`: capabilities, page table, address
//! space, the personality's state) and the vfork hand-off. What is per
//! thread (registers, Linux task, signal delivery) is in `threads`.
//!
//! A slot's lock is held only for calls about the process as a whole
//! (address-space changes, fork, clone, execve), never across a thread's
//! other calls, so a thread blocked in read or futex-wait leaves its
//! siblings free. A slot is claimed through its state alone. Slots of
//! ended processes (no thread left) are reaped (capabilities and frames
//! given back) once all their threads are dead, when a later process or
//! thread is made.

use crate::record::{Record, ENDED, FREE};
use crate::threads::{self, Thread};
use crate::{execcall, forkcall, lklfwd::LklForward, sem::Sem, tcb, thread};
use cellux_personality::dispatch::{self, Outcome};
use cellux_personality::{fault, sysno};
use cellux_process::{trap, Proc};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::{SELF_COMP, SELF_CT};
use cellux_rt::abi::ops::ct_op;
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{slots, sys};
use core::ffi::CStr;
use core::sync::atomic::{AtomicUsize, Ordering};
use lkl::task::Task;

/// Gate tokens from here on name table slots (below: test gates).
pub const TOKEN_BASE: u64 = 0x100;
const SLOTS: usize = 32;
const SIGCHLD: i32 = 17;

pub struct Entry {
    pub proc: Proc,
    /// A vfork parent waits on `VFORK_DONE` of this slot until the
    /// process execs or ends.
    vfork: bool,
    /// The slot whose `proc` holds this process's address space: its own,
    /// or, for a vfork child until it execs, its parent's (shared, as
    /// CLONE_VM asks; `proc` is then only a view of it with our own gate).
    vm: usize,
}

impl Entry {
    /// Gives back what the process held; its threads must be dead. A
    /// borrowed address space stays its owner's: only our gate goes.
    fn destroy(self, i: usize) {
        if self.vm == i {
            self.proc.destroy();
            return;
        }
        let gate = self.proc.gate;
        if sys::op(SELF_CT, ct_op::REMOVE, [gate as u64, 0, 0, 0, 0, 0]).is_ok() {
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
}

static TABLE: [Slot; SLOTS] =
    [const { Slot { rec: Record::new(), live: AtomicUsize::new(0), records: AtomicUsize::new(0) } }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);
static VFORK_DONE: [Sem; SLOTS] = [const { Sem::new(0) }; SLOTS];

fn with<R>(i: usize, f: impl FnOnce(&mut Option<Entry>) -> R) -> R {
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
    Exec(execcall::ExecError),
}

/// Gives back what ended threads and processes held, once dead.
fn reap() {
    threads::reap(|slot, host| {
        TABLE[slot % SLOTS].records.fetch_sub(1, Ordering::AcqRel);
        if host != slot {
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
    if let Err(e) = sys::op(SELF_CT, ct_op::NEW_SINV, [gate as u64, SELF_COMP as u64, _start as *const () as u64, token, 0, 0]) {
        slots::free(gate);
        TABLE[i].rec.set_state(FREE);
        return Err(StartError::Kernel(e));
    }
    Ok(NewSlot { i, gate })
}

/// Gives back a slot whose process was never made.
pub fn abandon(n: NewSlot) {
    if sys::op(SELF_CT, ct_op::REMOVE, [n.gate as u64, 0, 0, 0, 0, 0]).is_ok() {
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
pub fn start(path: &CStr, argv: &[&CStr], envp: &[&CStr]) -> Result<i32, StartError> {
    let n = new_slot()?;
    let (task, pid) = match Task::clone_from_current(0, SIGCHLD) {
        Ok(t) => t,
        Err(e) => {
            abandon(n);
            return Err(StartError::Task(e));
        }
    };
    match in_task(task, || exec_first(path, argv, envp, n.gate)) {
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
fn exec_first(path: &CStr, argv: &[&CStr], envp: &[&CStr], gate: u32) -> Result<Proc, StartError> {
    let table = |v: &[&CStr]| v.iter().map(|s| s.as_ptr() as i64).chain(core::iter::once(0)).collect::<alloc::vec::Vec<i64>>();
    let (a, e) = (table(argv), table(envp));
    let img = execcall::run(lkl::nr::EXECVE, &[path.as_ptr() as i64, a.as_ptr() as i64, e.as_ptr() as i64]).map_err(StartError::Exec)?;
    execcall::fresh(img, gate).map_err(StartError::Exec)
}

/// Records a built process in its slot and starts its first thread in
/// `task` (not yet adopted). With `vfork`, the slot's `VFORK_DONE` is
/// upped when the process execs or ends; `forked`: its task's fds and
/// session are its parent's, as they are; `clear_tid`: CLONE_CHILD_CLEARTID.
pub fn launch(n: NewSlot, proc: Proc, task: Task, forked: bool, vfork: bool, clear_tid: u64) -> Result<(), Error> {
    let i = n.i;
    let view = proc.thread_view(proc.linux.tid, proc.start_regs);
    with(i, |e| *e = Some(Entry { proc, vfork, vm: i }));
    add_thread(i, i, view, task, !forked, clear_tid)
}

/// Records a vfork child that shares the address space of slot `vm`
/// (`home`: a view of it, with the child's own gate for its later image)
/// and starts its thread there (`thread`: its view, with its start
/// registers). The parent waits for it as for any vfork child.
pub fn launch_borrowed(n: NewSlot, vm: usize, home: Proc, thread: Proc, task: Task, clear_tid: u64) -> Result<(), Error> {
    let i = n.i;
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
    let asnd = slots::alloc();
    s.live.fetch_add(1, Ordering::AcqRel);
    s.records.fetch_add(1, Ordering::AcqRel);
    if host != i {
        TABLE[host].records.fetch_add(1, Ordering::AcqRel);
    }
    // Creation locked: the thread's first trap waits until its id's state
    // (send capability for wake-ups, user page table, record) is there.
    let r = thread::creating(|| {
        let tid = view.start()?;
        let thd = view.thd.unwrap_or(0);
        sys::op(SELF_CT, ct_op::NEW_ASND, [asnd as u64, thd as u64, 0, 0, 0, 0])?;
        thread::claim_id(tid as usize, thd, asnd);
        tcb::of(tid as usize).user_pt.store(pt, Ordering::Release);
        threads::record(tid as usize, Thread { slot: i, host, view, task: Some(task), fresh, clear_tid, linux_ended: false });
        Ok::<(), Error>(())
    });
    if r.is_err() {
        // Its task stays unadopted and never exits: out of kernel memory,
        // nothing better is at hand.
        s.records.fetch_sub(1, Ordering::AcqRel);
        if host != i {
            TABLE[host].records.fetch_sub(1, Ordering::AcqRel);
        }
        thread_ended(i);
    }
    r
}

/// A thread of the process in slot `i` has ended; the process has when
/// it was the last (a vfork parent goes on).
fn thread_ended(i: usize) {
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

/// How many threads of the process in slot `i` have not ended.
pub fn live_threads(i: usize) -> usize {
    TABLE[i % SLOTS].live.load(Ordering::Acquire)
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

/// Linux's side of an end the process side decided (a fault it could not
/// deliver, a failed exec): the whole group goes, with the wait status,
/// so the parent's wait4 sees it and its fds (pipes to the server) close.
fn end_group(status: u32) {
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

/// The server's own calls of a thread of the process in slot `slot`: the
/// process-wide ones (new processes and threads, new images, address-space
/// changes), served on the process's own `Proc` under its lock, and a
/// thread's own end.
struct ProcessCalls<'a> {
    slot: usize,
    /// The slot whose `proc` holds the address space: the component the
    /// thread traps from (its `Thread::host`), the same as its entry's
    /// `vm` until its own exec changes both.
    vm: usize,
    linux_ended: &'a mut bool,
}

impl trap::Host for ProcessCalls<'_> {
    fn syscall(&mut self, view: &mut Proc, regs: &mut UserRegs) -> Option<Outcome> {
        let nr = dispatch::syscall_nr(regs);
        let (i, vm) = (self.slot, self.vm);
        Some(match nr {
            forkcall::FORK | forkcall::VFORK | forkcall::CLONE | forkcall::CLONE3 => {
                let (out, vfork_child) = with(vm, |e| match e.as_mut() {
                    Some(e) => forkcall::serve(&mut e.proc, i, vm, regs),
                    None => (Outcome::Return(-38), None),
                });
                if let Some(child) = vfork_child {
                    vfork_wait(child);
                }
                out
            }
            // Linux's execve without the process's lock: it waits for the
            // other threads to end, and one may be waiting for the lock.
            execcall::EXECVE | execcall::EXECVEAT => match execcall::linux_exec(regs) {
                Err(out) => out,
                Ok(img) if vm != i => self.exec_elsewhere(img),
                Ok(img) => with(i, |e| match e.as_mut() {
                    Some(e) => {
                        let Entry { proc, vfork, .. } = e;
                        execcall::build(proc, view, img, regs, || vfork_release(i, vfork))
                    }
                    None => Outcome::Exit(fault::killed(fault::sig::SIGKILL)),
                }),
            },
            n if dispatch::changes_address_space(n) => with(vm, |e| match e.as_mut() {
                Some(e) => dispatch::syscall(&mut e.proc.linux, regs, &mut e.proc.pages, &mut LklForward),
                None => Outcome::Return(-38),
            }),
            // Linux's own: its exit path clears the word and wakes its
            // futex (CLONE_CHILD_CLEARTID's join), in this address space.
            sysno::SET_TID_ADDRESS => {
                Outcome::Return(lkl::syscall(lkl::nr::SET_TID_ADDRESS, &[regs.rdi as i64]).unwrap_or_else(|e| -e.0))
            }
            sysno::EXIT | sysno::EXIT_GROUP => {
                let status = fault::exited(regs.rdi);
                let _ = Task::exit_current(status as i32, nr == sysno::EXIT_GROUP);
                *self.linux_ended = true;
                Outcome::Exit(status)
            }
            _ => return None,
        })
    }
}

impl ProcessCalls<'_> {
    /// A vfork child's exec, past Linux's: the image goes into a new
    /// component of its own (the borrowed address space stays its
    /// parent's), whose new thread takes over this thread's Linux task;
    /// this thread ends, the task and the process go on.
    fn exec_elsewhere(&mut self, img: execcall::NewImage) -> Outcome {
        let i = self.slot;
        let Some(gate) = with(i, |e| e.as_ref().map(|e| e.proc.gate)) else { return execcall::lost() };
        let Ok(proc) = execcall::fresh(img, gate) else { return execcall::lost() };
        let Ok(task) = Task::detach_current() else {
            proc.destroy();
            return execcall::lost();
        };
        let thread = proc.thread_view(proc.linux.tid, None);
        let borrowed = with(i, |e| {
            let e = e.as_mut()?;
            e.vm = i;
            Some(core::mem::replace(&mut e.proc, proc))
        });
        if let Some(view) = borrowed {
            view.drop_view();
        }
        if add_thread(i, i, thread, task, false, 0).is_err() {
            // Back to this thread, to be ended with the process.
            let _ = task.adopt();
            task.put();
            return execcall::lost();
        }
        with(i, |e| {
            if let Some(e) = e.as_mut() {
                vfork_release(i, &mut e.vfork);
            }
        });
        *self.linux_ended = true;
        Outcome::Exit(0)
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

/// A new thread's first trap: it becomes its Linux task, and tells Linux
/// what belongs to the task rather than to the process side.
fn adopt(t: &mut Thread) -> Result<(), ()> {
    let Some(task) = t.task.take() else { return Ok(()) };
    let adopted = task.adopt();
    // The binding holds its own reference.
    task.put();
    adopted.map_err(|_| ())?;
    if t.fresh {
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
    if t.clear_tid != 0 {
        let _ = lkl::syscall(lkl::nr::SET_TID_ADDRESS, &[t.clear_tid as i64]);
    }
    Ok(())
}

fn serve(u: &Upcall) -> Action {
    // The slot whose component trapped; the thread's own process may be
    // another (a vfork child running in its parent's address space).
    let host = (u.token - TOKEN_BASE) as usize;
    let kid = u.tid as usize;
    threads::with(kid, |t| {
        let Some(t) = t.as_mut().filter(|t| t.host == host && t.view.status.is_none()) else { return Action::End(u.vector) };
        let i = t.slot;
        if adopt(t).is_err() {
            t.view.status = Some(fault::killed(fault::sig::SIGKILL));
            thread_ended(i);
            threads::ended(kid);
            return Action::End(u.vector);
        }
        let a = trap::handle(&mut t.view, u, &mut LklForward, &mut ProcessCalls { slot: i, vm: host, linux_ended: &mut t.linux_ended });
        if let Some(s) = t.view.status {
            if !t.linux_ended {
                end_group(s);
            }
            thread_ended(i);
            threads::ended(kid);
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
