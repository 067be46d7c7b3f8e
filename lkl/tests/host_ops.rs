//! The hosted host operations, exercised through the table Linux gets
//! (no Linux needed): each op does what lkl_host.h promises.

use lkl::ffi::{lkl_host_ops, lkl_jmp_buf};
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ops() -> &'static lkl_host_ops {
    lkl::host::ops(None)
}

#[test]
fn semaphore_wakes_a_waiter_in_another_thread() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let sem = (o.sem_alloc.unwrap())(0) as usize;
        let t = std::thread::spawn(move || {
            let start = Instant::now();
            (ops().sem_down.unwrap())(sem as *mut _);
            start.elapsed()
        });
        std::thread::sleep(Duration::from_millis(50));
        (o.sem_up.unwrap())(sem as *mut _);
        let waited = t.join().unwrap();
        assert!(waited >= Duration::from_millis(40), "sem_down returned after {waited:?}");
        (o.sem_free.unwrap())(sem as *mut _);
    }
}

#[test]
fn recursive_mutex_nests_and_plain_mutex_excludes() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let rec = (o.mutex_alloc.unwrap())(1);
        (o.mutex_lock.unwrap())(rec);
        (o.mutex_lock.unwrap())(rec);
        (o.mutex_unlock.unwrap())(rec);
        (o.mutex_unlock.unwrap())(rec);
        (o.mutex_free.unwrap())(rec);

        let m = (o.mutex_alloc.unwrap())(0) as usize;
        (o.mutex_lock.unwrap())(m as *mut _);
        let inside = Arc::new(AtomicUsize::new(0));
        let i2 = inside.clone();
        let t = std::thread::spawn(move || {
            (ops().mutex_lock.unwrap())(m as *mut _);
            i2.store(1, Ordering::SeqCst);
            (ops().mutex_unlock.unwrap())(m as *mut _);
        });
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(inside.load(Ordering::SeqCst), 0, "second locker got in while the mutex was held");
        (o.mutex_unlock.unwrap())(m as *mut _);
        t.join().unwrap();
        assert_eq!(inside.load(Ordering::SeqCst), 1);
    }
}

static RAN: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn exits_from_deep_inside(arg: *mut c_void) {
    RAN.fetch_add(arg as usize, Ordering::SeqCst);
    fn deep(n: u32) {
        if n == 0 {
            // SAFETY: we are on a thread made by thread_create.
            unsafe { (ops().thread_exit.unwrap())() };
            unreachable!("thread_exit returned");
        }
        deep(n - 1);
    }
    deep(10);
}

#[test]
fn thread_exit_ends_the_thread_and_join_sees_it() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let t = (o.thread_create.unwrap())(exits_from_deep_inside, std::ptr::without_provenance_mut(5));
        assert_ne!(t, 0);
        assert_eq!((o.thread_join.unwrap())(t), 0);
        assert_eq!(RAN.load(Ordering::SeqCst), 5);
        let me = (o.thread_self.unwrap())();
        assert_ne!(me, 0);
        assert_eq!((o.thread_equal.unwrap())(me, (o.thread_self.unwrap())()), 1);
        assert_eq!((o.thread_equal.unwrap())(me, t), 0);
    }
}

static DESTROYED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn destructor(v: *mut c_void) {
    DESTROYED.fetch_add(v as usize, Ordering::SeqCst);
}

#[test]
fn tls_values_are_per_thread_and_destructed_at_exit() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let key = (o.tls_alloc.unwrap())(Some(destructor)) as usize;
        assert_ne!(key, 0);
        (o.tls_set.unwrap())(key as *mut _, 1 as *mut c_void);
        std::thread::spawn(move || {
            assert!((ops().tls_get.unwrap())(key as *mut _).is_null());
            (ops().tls_set.unwrap())(key as *mut _, 7 as *mut c_void);
            assert_eq!((ops().tls_get.unwrap())(key as *mut _) as usize, 7);
        })
        .join()
        .unwrap();
        assert_eq!(DESTROYED.load(Ordering::SeqCst), 7);
        assert_eq!((o.tls_get.unwrap())(key as *mut _) as usize, 1);
        (o.tls_set.unwrap())(key as *mut _, std::ptr::null_mut());
        (o.tls_free.unwrap())(key as *mut _);
    }
}

static FIRED: AtomicUsize = AtomicUsize::new(0);
static FIRED_AT: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_timer() {
    FIRED.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the time op has no preconditions.
    FIRED_AT.store(unsafe { (ops().time.unwrap())() } as usize, Ordering::SeqCst);
}

#[test]
fn one_shot_timer_fires_once_after_its_delay_and_can_be_rearmed() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let t = (o.timer_alloc.unwrap())(on_timer);
        let start = (o.time.unwrap())();
        (o.timer_set_oneshot.unwrap())(t, 30_000_000);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(FIRED.load(Ordering::SeqCst), 1);
        assert!(FIRED_AT.load(Ordering::SeqCst) as u64 - start >= 30_000_000);
        (o.timer_set_oneshot.unwrap())(t, 1_000_000);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(FIRED.load(Ordering::SeqCst), 2);
        // 0 disarms (the port's clock event shutdown).
        (o.timer_set_oneshot.unwrap())(t, 20_000_000);
        (o.timer_set_oneshot.unwrap())(t, 0);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(FIRED.load(Ordering::SeqCst), 2, "a disarmed timer fired");
        (o.timer_free.unwrap())(t);
    }
}

static mut JB: lkl_jmp_buf = lkl_jmp_buf { regs: [0; 16] };
static STEPS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn jumps_back() {
    STEPS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: JB was filled by the jmp_buf_set that called us.
    unsafe { (ops().jmp_buf_longjmp.unwrap())(&raw mut JB, 1) };
    STEPS.fetch_add(100, Ordering::SeqCst);
}

#[test]
fn longjmp_returns_from_jmp_buf_set() {
    let o = ops();
    let local = 42u64;
    // SAFETY: JB is used by this test only; jumps_back longjmps to it
    // while the jmp_buf_set frame is live.
    unsafe { (o.jmp_buf_set.unwrap())(&raw mut JB, jumps_back) };
    assert_eq!(STEPS.load(Ordering::SeqCst), 1);
    assert_eq!(std::hint::black_box(local), 42, "callee-saved state lost");
}

#[test]
fn user_copies_report_bad_pointers_instead_of_crashing() {
    let o = ops();
    let src = [7u8; 64];
    let mut dst = [0u8; 64];
    // SAFETY: valid buffers, then deliberately bad "user" pointers, which
    // the op must report rather than dereference.
    unsafe {
        assert_eq!((o.copy_from_user.unwrap())(dst.as_mut_ptr().cast(), src.as_ptr().cast(), 64), 0);
        assert_eq!(dst, src);
        assert_eq!((o.copy_from_user.unwrap())(dst.as_mut_ptr().cast(), 8 as *const c_void, 64), 64);
        assert_eq!((o.copy_to_user.unwrap())(16 as *mut c_void, src.as_ptr().cast(), 64), 64);
        assert_eq!((o.copy_to_user.unwrap())(dst.as_mut_ptr().cast(), src.as_ptr().cast(), 0), 0);
    }
}

#[test]
fn pages_are_aligned_and_writable() {
    let o = ops();
    // SAFETY: ops from the table, used as the header specifies.
    unsafe {
        let p = (o.page_alloc.unwrap())(1 << 20);
        assert!(!p.is_null());
        assert_eq!(p as usize % 4096, 0);
        std::ptr::write_bytes(p.cast::<u8>(), 0xab, 1 << 20);
        (o.page_free.unwrap())(p, 1 << 20);
        let m = (o.mem_alloc.unwrap())(100);
        assert!(!m.is_null());
        (o.mem_free.unwrap())(m);
    }
}

#[test]
fn faults_outside_user_copies_still_end_the_process() {
    // The user-copy fault handler must pass every other fault on.
    if std::env::var_os("CELLUX_FAULT_CHILD").is_some() {
        let _ = ops();
        // SAFETY: deliberately faulting, in a child process made for it.
        unsafe { std::ptr::read_volatile(std::ptr::without_provenance::<u8>(8)) };
        return;
    }
    let exe = std::env::current_exe().expect("test executable");
    let out = std::process::Command::new(exe)
        .args(["--exact", "faults_outside_user_copies_still_end_the_process", "--test-threads=1"])
        .env("CELLUX_FAULT_CHILD", "1")
        .output()
        .expect("run child");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGSEGV), "child ended with {:?}", out.status);
}
