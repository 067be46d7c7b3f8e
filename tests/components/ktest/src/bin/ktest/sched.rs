//! Threads, the user-level scheduler (blocking, wake-up, timeouts,
//! preemption), asynchronous end-points, per-thread FS base and FPU
//! state, and the semaphore and mutex built on them.

use crate::{check, run, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::SELF_THD;
use cellux_rt::abi::ops::{thd_op, self_op};
use cellux_rt::sync::{Mutex, Sem};
use cellux_rt::{sys, thread};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub fn all() {
    run("asnd.send_then_receive_not_lost", send_then_receive);
    run("asnd.receive_nonblocking_empty", receive_empty);
    run("thd.refuse_switch_to_self", switch_self);
    run("thd.create_runs_and_exits", create_runs);
    run("sched.adopts_thread_made_by_component", adopt);
    run("sched.refuse_dispatch_of_foreign_thread", foreign);
    run("sched.block_and_wakeup", block_wakeup);
    run("sched.receive_timeout", timeout);
    run("sched.timer_preempts_busy_thread", preempt);
    run("thd.fs_base_per_thread", fs_base);
    run("thd.fpu_state_per_thread", fpu_state);
    run("sync.semaphore_across_threads", semaphore);
    run("sync.semaphore_timeout", sem_timeout);
    run("sync.mutex_across_threads", mutex);
}

fn us(n: u64) -> u64 {
    sys::tsc_hz() / 1_000_000 * n
}

fn send_then_receive() -> TestResult {
    let me = thread::asnd_slot(thread::current());
    check(me != 0, "no send capability to ourselves")?;
    sys::asnd(me, false).map_err(|_| "send")?;
    let (n, _) = sys::rcv(true, 0).map_err(|_| "pending send lost")?;
    check(n == 1, "wrong pending count")
}

fn receive_empty() -> TestResult {
    check(sys::rcv(true, 0).err() == Some(Error::Again), "nonblocking receive did not say Again")
}

fn switch_self() -> TestResult {
    check(sys::op(SELF_THD, thd_op::SWITCH, [0; 6]) == Err(Error::ThreadState), "switch to self accepted")?;
    check(sys::op(SELF_THD, thd_op::TID, [0; 6]) == Ok(thread::current()), "thread id mismatch")
}

static FLAG: AtomicU64 = AtomicU64::new(0);
static DONE: Sem = Sem::new(0);

fn create_runs() -> TestResult {
    FLAG.store(0, Ordering::Relaxed);
    let tid = thread::spawn(|a| {
        FLAG.store(a, Ordering::Relaxed);
        DONE.up();
    }, 99).map_err(|_| "spawn")?;
    check(tid != thread::current(), "same tid")?;
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "thread never signalled")?;
    check(FLAG.load(Ordering::Relaxed) == 99, "thread did not get its argument")
}

fn adopt() -> TestResult {
    FLAG.store(0, Ordering::Relaxed);
    thread::spawn_local(|a| {
        FLAG.store(a, Ordering::Relaxed);
        DONE.up();
    }, 77).map_err(|_| "spawn_local")?;
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "self-made thread never ran")?;
    check(FLAG.load(Ordering::Relaxed) == 77, "thread did not get its argument")
}

fn foreign() -> TestResult {
    // We are nobody's scheduler: dispatching or waking by id is refused.
    let me = thread::current();
    check(sys::op(0, self_op::SWITCH_TID, [me, 0, 0, 0, 0, 0]) == Err(Error::NoCap), "switched to a thread that is not ours")?;
    check(sys::op(0, self_op::WAKE_TID, [me, 0, 0, 0, 0, 0]) == Err(Error::NoCap), "woke a thread that is not ours")?;
    check(sys::op(0, self_op::SWITCH_TID, [100_000, 0, 0, 0, 0, 0]) == Err(Error::Inval), "bad thread id accepted")
}

static WAITER: AtomicU64 = AtomicU64::new(0);
static WOKE: AtomicU64 = AtomicU64::new(0);

fn block_wakeup() -> TestResult {
    WOKE.store(0, Ordering::Relaxed);
    let tid = thread::spawn(|_| {
        // Blocks with no timeout until someone sends to us.
        let r = sys::rcv(false, 0);
        WOKE.store(if r.is_ok() { 1 } else { 2 }, Ordering::Relaxed);
        DONE.up();
    }, 0).map_err(|_| "spawn")?;
    WAITER.store(tid, Ordering::Relaxed);
    // Let it run and block.
    let _ = sys::rcv(false, sys::rdtsc() + us(3000));
    check(WOKE.load(Ordering::Relaxed) == 0, "receiver did not block")?;
    sys::asnd(thread::asnd_slot(tid), false).map_err(|_| "send")?;
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "receiver not woken")?;
    check(WOKE.load(Ordering::Relaxed) == 1, "receive failed")
}

fn timeout() -> TestResult {
    let t0 = sys::rdtsc();
    let r = sys::rcv(false, t0 + us(5000));
    let dt = sys::rdtsc() - t0;
    check(r.err() == Some(Error::Timeout), "receive did not time out")?;
    check(dt >= us(5000), "woke before the timeout")?;
    check(dt < us(2_000_000), "woke far too late")
}

static STOP: AtomicBool = AtomicBool::new(false);
static SPINS: AtomicU64 = AtomicU64::new(0);

fn preempt() -> TestResult {
    STOP.store(false, Ordering::Relaxed);
    SPINS.store(0, Ordering::Relaxed);
    thread::spawn(|_| {
        while !STOP.load(Ordering::Relaxed) {
            SPINS.fetch_add(1, Ordering::Relaxed);
        }
        DONE.up();
    }, 0).map_err(|_| "spawn")?;
    // We sleep; the busy thread never blocks, so only the timer can give
    // the CPU back to us when our timeout passes.
    let _ = sys::rcv(false, sys::rdtsc() + us(10_000));
    let spun = SPINS.load(Ordering::Relaxed);
    STOP.store(true, Ordering::Relaxed);
    check(spun > 0, "busy thread never ran")?;
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "busy thread did not finish")
}

static FS_OK: AtomicU64 = AtomicU64::new(0);

fn rdfs() -> u64 {
    let v: u64;
    // SAFETY: reads the FS base (FSGSBASE is enabled by the kernel).
    unsafe { core::arch::asm!("rdfsbase {}", out(reg) v) };
    v
}

fn wrfs(v: u64) {
    // SAFETY: sets our FS base; nothing in this component uses FS.
    unsafe { core::arch::asm!("wrfsbase {}", in(reg) v) };
}

fn fs_base() -> TestResult {
    FS_OK.store(0, Ordering::Relaxed);
    wrfs(0x1111_0000);
    thread::spawn(|_| {
        wrfs(0x2222_0000);
        let _ = sys::rcv(false, sys::rdtsc() + us(2000));
        FS_OK.store(if rdfs() == 0x2222_0000 { 1 } else { 2 }, Ordering::Relaxed);
        DONE.up();
    }, 0).map_err(|_| "spawn")?;
    let _ = sys::rcv(false, sys::rdtsc() + us(1000));
    let mine = rdfs();
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "thread did not finish")?;
    wrfs(0);
    check(mine == 0x1111_0000, "our FS base changed")?;
    check(FS_OK.load(Ordering::Relaxed) == 1, "other thread's FS base changed")?;
    check(sys::op(SELF_THD, thd_op::SET_FSBASE, [0x8000_0000_0000_0000, 0, 0, 0, 0, 0]) == Err(Error::Inval), "non-canonical FS base accepted")
}

static CLOBBER: AtomicBool = AtomicBool::new(false);

fn fpu_state() -> TestResult {
    CLOBBER.store(true, Ordering::Relaxed);
    thread::spawn(|_| {
        while CLOBBER.load(Ordering::Relaxed) {
            // SAFETY: only writes xmm registers, declared clobbered.
            unsafe { core::arch::asm!("pcmpeqd xmm9, xmm9", "pcmpeqd xmm3, xmm3", out("xmm9") _, out("xmm3") _) };
        }
        DONE.up();
    }, 0).map_err(|_| "spawn")?;
    let deadline = sys::rdtsc() + us(6000);
    let (got, rax): (u64, u64);
    // SAFETY: puts a marker in xmm9, blocks in rcv (other threads run and
    // clobber xmm9), reads xmm9 back; registers used are declared.
    unsafe {
        core::arch::asm!(
            "mov rax, 0x0123456789abcdef", "movq xmm9, rax",
            "mov rax, {op}", "syscall",
            "movq {g}, xmm9",
            op = const self_op::RCV as u64, g = out(reg) got,
            inout("rdi") 0u64 => _, inout("rsi") deadline => _, lateout("rax") rax,
            out("rdx") _, out("rcx") _, out("r11") _, out("xmm9") _,
        );
    }
    CLOBBER.store(false, Ordering::Relaxed);
    check(DONE.down_until(sys::rdtsc() + us(500_000)).is_ok(), "clobbering thread did not finish")?;
    check(rax as i64 == Error::Timeout.as_ret(), "did not sleep")?;
    check(got == 0x0123456789abcdef, "SSE register changed across a thread switch")
}

static ITEMS: Sem = Sem::new(0);
static SUM: AtomicU64 = AtomicU64::new(0);

fn semaphore() -> TestResult {
    SUM.store(0, Ordering::Relaxed);
    thread::spawn(|_| {
        for _ in 0..50 {
            ITEMS.down();
            SUM.fetch_add(1, Ordering::Relaxed);
        }
        DONE.up();
    }, 0).map_err(|_| "spawn")?;
    for i in 0..50 {
        ITEMS.up();
        if i % 10 == 0 {
            let _ = sys::rcv(false, sys::rdtsc() + us(200));
        }
    }
    check(DONE.down_until(sys::rdtsc() + us(2_000_000)).is_ok(), "consumer did not finish")?;
    check(SUM.load(Ordering::Relaxed) == 50, "items lost")?;
    check(ITEMS.count() == 0, "units left over")
}

fn sem_timeout() -> TestResult {
    let s = Sem::new(0);
    let t0 = sys::rdtsc();
    check(s.down_until(t0 + us(3000)) == Err(Error::Timeout), "down did not time out")?;
    check(sys::rdtsc() - t0 >= us(3000), "timed out early")?;
    s.up();
    check(s.down_until(sys::rdtsc() + us(3000)).is_ok(), "available unit not taken")
}

static COUNTER: Mutex<u64> = Mutex::new(0);
static INSIDE: AtomicU64 = AtomicU64::new(0);
static OVERLAP: AtomicBool = AtomicBool::new(false);

fn mutex() -> TestResult {
    *COUNTER.lock() = 0;
    OVERLAP.store(false, Ordering::Relaxed);
    for _ in 0..3 {
        thread::spawn(|_| {
            for _ in 0..40 {
                let mut g = COUNTER.lock();
                if INSIDE.fetch_add(1, Ordering::SeqCst) != 0 {
                    OVERLAP.store(true, Ordering::Relaxed);
                }
                let v = *g;
                // Long enough that the timer preempts some holders.
                for _ in 0..20_000 {
                    core::hint::spin_loop();
                }
                *g = v + 1;
                INSIDE.fetch_sub(1, Ordering::SeqCst);
            }
            DONE.up();
        }, 0).map_err(|_| "spawn")?;
    }
    for _ in 0..3 {
        check(DONE.down_until(sys::rdtsc() + us(20_000_000)).is_ok(), "worker did not finish")?;
    }
    check(!OVERLAP.load(Ordering::Relaxed), "two threads inside the mutex")?;
    check(*COUNTER.lock() == 120, "increments lost")
}
