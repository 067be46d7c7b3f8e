//! A process thread's trap, on the server's side: the thread migrates in
//! (`handle`), moves to the large stack of its id, finds its record
//! (`threads`) and, on its first trap, becomes its Linux task (`adopt`);
//! the process library's trap handler (`cellux_process::trap::handle`)
//! then routes the call by the routing table, calling back here
//! (`ProcessCalls`) for the process's lifecycle and to serialise its
//! address-space calls on the process's slot.

use crate::host::tcb;
use crate::host::thread;
use crate::process::forward::{self, LklForward};
use crate::process::table::{self, with, Entry};
use crate::process::threads::{self, Thread};
use crate::process::{exec, fork, remote};
use cellux_personality::dispatch::Outcome;
use cellux_personality::fault;
use cellux_personality::route::Lifecycle;
use cellux_process::trap::{Context, Held, HeldFpu, Upcalled};
use cellux_process::{trap, Proc};
use cellux_rt::abi::ops::upcall;
use cellux_rt::abi::regs::UserRegs;
use cellux_rt::entry::{Action, Upcall};
use lkl::task::Task;

struct Call<'a> {
    u: &'a Upcall,
    out: Action,
}

fn on_stack(c: &mut Call) {
    c.out = serve(c.u, &mut Upcalled);
}

/// Linux's side of an end the process side decided (a fault it could not
/// deliver, a failed exec): the whole group goes, with the wait status,
/// so the parent's wait4 sees it and its fds (pipes to the server) close.
fn end_group(status: u32) {
    // A fatal signal has already ended it inside Linux.
    if forward::take_killed() {
        return;
    }
    let _ = Task::exit_current(status as i32, true);
}

/// The host side of a thread of the process in slot `slot`: the
/// lifecycle calls, and address-space calls served on the process's own
/// `Proc` under its slot's lock.
struct ProcessCalls<'a> {
    slot: usize,
    /// The slot whose `proc` holds the address space: the component the
    /// thread traps from (its `Thread::host`), the same as its entry's
    /// `vm` until its own exec changes both.
    vm: usize,
    linux_ended: &'a mut bool,
    /// The thread's id (a vfork wait is found by it).
    kid: usize,
    /// The thread is traced: a new image it gets in a new component is too.
    trace: bool,
}

impl trap::Host for ProcessCalls<'_> {
    fn lifecycle(&mut self, call: Lifecycle, view: &mut Proc, regs: &mut UserRegs) -> Outcome {
        let (i, vm) = (self.slot, self.vm);
        match call {
            Lifecycle::Clone(kind) => {
                let (out, vfork_child) = with(vm, |e| match e.as_mut() {
                    Some(e) => fork::serve(kind, &mut e.proc, i, vm, regs),
                    None => (Outcome::Return(-38), None),
                });
                if let Some(child) = vfork_child {
                    table::vfork_wait(child, self.kid);
                }
                out
            }
            // Linux's execve without the process's lock: it waits for the
            // other threads to end, and one may be waiting for the lock.
            Lifecycle::Exec => match exec::linux_exec(regs) {
                Err(out) => out,
                Ok(img) if vm != i => self.exec_elsewhere(img),
                Ok(img) => with(i, |e| match e.as_mut() {
                    Some(e) => {
                        let Entry { proc, vfork, .. } = e;
                        let out = exec::build(proc, view, img, regs, || table::vfork_release(i, vfork));
                        if let (Outcome::Resume, Ok(task)) = (&out, Task::current()) {
                            remote::publish(i, proc, task, true);
                        }
                        out
                    }
                    None => Outcome::Exit(fault::killed(fault::sig::SIGKILL)),
                }),
            },
            // Linux's own: its exit path clears the word and wakes its
            // futex (CLONE_CHILD_CLEARTID's join), in this address space.
            Lifecycle::SetTidAddress => {
                Outcome::Return(lkl::syscall(lkl::nr::SET_TID_ADDRESS, &[regs.rdi as i64]).unwrap_or_else(|e| -e.0))
            }
            Lifecycle::Exit { group } => {
                let status = fault::exited(regs.rdi);
                let _ = Task::exit_current(status as i32, group);
                *self.linux_ended = true;
                Outcome::Exit(status)
            }
        }
    }

    fn address_space(&mut self, _: &mut Proc, f: &mut dyn FnMut(&mut Proc) -> Outcome) -> Outcome {
        with(self.vm, |e| match e.as_mut() {
            Some(e) => f(&mut e.proc),
            None => Outcome::Return(-38),
        })
    }
}

impl ProcessCalls<'_> {
    /// A vfork child's exec, past Linux's: the image goes into a new
    /// component of its own (the borrowed address space stays its
    /// parent's), whose new thread takes over this thread's Linux task;
    /// this thread ends, the task and the process go on.
    fn exec_elsewhere(&mut self, img: exec::NewImage) -> Outcome {
        let i = self.slot;
        let Some(gate) = with(i, |e| e.as_ref().map(|e| e.proc.gate)) else { return exec::lost() };
        let Ok(proc) = exec::fresh(img, gate, self.trace) else { return exec::lost() };
        let Ok(task) = Task::detach_current() else {
            proc.destroy();
            return exec::lost();
        };
        let thread = proc.thread_view(proc.linux.tid, None);
        remote::publish(i, &proc, task, true);
        let borrowed = with(i, |e| {
            let e = e.as_mut()?;
            e.vm = i;
            Some(core::mem::replace(&mut e.proc, proc))
        });
        if let Some(view) = borrowed {
            view.drop_view();
        }
        if table::add_thread(i, i, thread, task, false, 0).is_err() {
            // Back to this thread, to be ended with the process.
            let _ = task.adopt();
            task.put();
            return exec::lost();
        }
        with(i, |e| {
            if let Some(e) = e.as_mut() {
                table::vfork_release(i, &mut e.vfork);
            }
        });
        *self.linux_ended = true;
        Outcome::Exit(0)
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

/// Serves the trap `u` of a process thread, whose context `ctx` holds.
fn serve(u: &Upcall, ctx: &mut dyn Context) -> Action {
    // The slot whose component trapped; the thread's own process may be
    // another (a vfork child running in its parent's address space).
    let host = (u.token - table::TOKEN_BASE) as usize;
    let kid = u.tid as usize;
    threads::with(kid, |t| {
        let Some(t) = t.as_mut().filter(|t| t.host == host && t.view.status.is_none()) else { return Action::End(u.vector) };
        let i = t.slot;
        if t.task.is_some() {
            // Its first trap: its syscalls may come by the fast path.
            crate::host::fastpath::arm(kid);
        }
        if adopt(t).is_err() {
            t.view.status = Some(fault::killed(fault::sig::SIGKILL));
            table::thread_ended(i);
            threads::ended(kid);
            return Action::End(u.vector);
        }
        let trace = t.view.linux.trace;
        let mut calls = ProcessCalls { slot: i, vm: host, linux_ended: &mut t.linux_ended, kid, trace };
        let a = trap::handle(&mut t.view, u, ctx, &mut LklForward { trace }, &mut calls);
        if let Some(s) = t.view.status {
            if !t.linux_ended {
                end_group(s);
            }
            table::thread_ended(i);
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
    tcb::call_on_stack(top, on_stack, &mut call);
    call.out
}

/// A process thread's `syscall` or exception by the Ring 1 fast path
/// (`host::fastpath`): already on its large stack, with its context held
/// there, the vector, error code and fault address in it.
pub fn fast(regs: &mut UserRegs, fpu: &mut dyn HeldFpu, tid: u64, token: u64) -> Action {
    let u = Upcall {
        rax: regs.rax,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rdx: regs.rdx,
        r10: regs.r10,
        r8: regs.r8,
        r9: regs.r9,
        kind: upcall::EXCEPTION,
        cr2: regs.fault_addr,
        vector: regs.vector,
        error: regs.error,
        tid,
        token,
    };
    serve(&u, &mut Held { regs, fpu })
}
