//! A minimal stand-in for the Linux personality, enough to test the
//! server's side of a process: a Linux-ABI component built from a boot
//! archive image, with the server as its exception handler. Its thread's
//! trapped `syscall`s run here, on that same thread (migrated in), on the
//! large stack of its id, inside the process's own Linux task (adopted on
//! the first call and found again by Linux through the TLS key), with
//! user memory reached through the process's page table.

use crate::{sem, tcb, thread};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::abi::ops::{comp_op, ct_op, COMP_LINUX_ABI};
use cellux_rt::entry::{Action, Upcall};
use cellux_rt::{loader, mem, slots, sys};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};

/// The token of our exception gate for the test process (the process
/// table, `procs`, uses tokens from `procs::TOKEN_BASE`).
pub const TOKEN: u64 = 0x70;

const NR_EXIT: u64 = 60;
const NR_EXIT_GROUP: u64 = 231;

/// The one test process (a real personality keeps a table by token).
struct Proc {
    pt: AtomicU32,
    task: AtomicU64,
    adopted: AtomicBool,
    status: AtomicI64,
    done: sem::Sem,
}

static PROC: Proc =
    Proc { pt: AtomicU32::new(0), task: AtomicU64::new(0), adopted: AtomicBool::new(false), status: AtomicI64::new(-1), done: sem::Sem::new(0) };

/// Builds process `name` from the boot archive in a task cloned from ours
/// and starts its thread; returns the task's pid.
pub fn start(name: &str) -> Result<i32, &'static str> {
    let ar = crate::bootarchive::archive().ok_or("no boot archive")?;
    let img = ar.find(name).ok_or("image not in the boot archive")?;
    let b = loader::load(img.data, COMP_LINUX_ABI).map_err(|_| "image refused")?;
    let gate = slots::alloc();
    extern "C" {
        fn _start();
    }
    let own = boot_slot::SELF_CT;
    sys::op(own, ct_op::NEW_SINV, [gate as u64, boot_slot::SELF_COMP as u64, _start as *const () as u64, TOKEN, 0, 0])
        .map_err(|_| "handler gate")?;
    sys::op(b.comp, comp_op::SET_HANDLER, [gate as u64, 0, 0, 0, 0, 0]).map_err(|_| "set handler")?;
    let (task, pid) = lkl::task::Task::clone_from_current(0, 17).map_err(|_| "lkl_task_clone")?;
    PROC.task.store(task.0, Ordering::Release);
    PROC.pt.store(b.pt, Ordering::Release);
    let (thd, asnd) = (slots::alloc(), slots::alloc());
    let made = thread::creating(|| {
        let kf = mem::kernel_frame()?;
        let tid = sys::op(own, ct_op::NEW_THD, [thd as u64, b.comp as u64, kf, b.entry, 0, 0])? as usize;
        sys::op(own, ct_op::NEW_ASND, [asnd as u64, thd as u64, 0, 0, 0, 0])?;
        thread::claim_id(tid, thd, asnd);
        tcb::of(tid).user_pt.store(b.pt, Ordering::Release);
        Ok::<(), Error>(())
    });
    made.map_err(|_| "process thread")?;
    Ok(pid)
}

/// Waits for the process to exit; its exit status.
pub fn wait() -> i64 {
    PROC.done.down();
    PROC.status.load(Ordering::Acquire)
}

/// What a trapped call comes to.
enum Outcome {
    Resume(u64),
    End,
}

struct Call<'a> {
    u: &'a Upcall,
    out: Outcome,
}

extern "C" fn on_stack(c: u64) -> u64 {
    // SAFETY: `handle` passes its live Call for the duration of the call.
    let c = unsafe { &mut *(c as *mut Call) };
    c.out = run(c.u);
    0
}

fn run(u: &Upcall) -> Outcome {
    if !PROC.adopted.swap(true, Ordering::AcqRel) {
        let t = lkl::task::Task(PROC.task.load(Ordering::Acquire));
        if t.adopt().is_err() {
            return Outcome::End;
        }
    }
    let nr = u.rax;
    if nr == NR_EXIT || nr == NR_EXIT_GROUP {
        let code = (u.rdi & 0xff) as i32;
        let _ = lkl::task::Task::exit_current(code << 8, nr == NR_EXIT_GROUP);
        PROC.status.store(code as i64, Ordering::Release);
        PROC.done.up();
        return Outcome::End;
    }
    let mut args = [u.rdi as i64, u.rsi as i64, u.rdx as i64, u.r10 as i64, u.r8 as i64, u.r9 as i64];
    // SAFETY: six arguments as lkl_syscall reads; pointers among them are
    // process addresses that reach Linux only through copy_*_user on the
    // process's page table (this thread's Tcb::user_pt).
    Outcome::Resume(unsafe { lkl::ffi::lkl_syscall(nr as i64, args.as_mut_ptr()) } as u64)
}

/// An exception of the test process, on its own (migrated) thread.
pub fn handle(u: &Upcall) -> Action {
    if u.token != TOKEN || u.vector != cellux_rt::abi::ops::VEC_SYSCALL {
        // A CPU fault: the process dies (signals come with the personality).
        PROC.status.store(128 + 11, Ordering::Release);
        PROC.done.up();
        return Action::End(0);
    }
    // The thread may trap before its creator has recorded it.
    thread::creating(|| ());
    let Ok(top) = tcb::stack_top(u.tid as usize) else { return Action::End(0) };
    let mut call = Call { u, out: Outcome::End };
    tcb::call_on_stack(top, on_stack, &mut call as *mut Call as u64);
    match call.out {
        Outcome::Resume(v) => Action::ResumeRax(v),
        Outcome::End => Action::End(0),
    }
}
