//! Host threads entering Linux at once: a blocking pipe read woken by a
//! writer in another thread, a timed sleep, 10,000 syscalls from four
//! threads, and bad pointers.

mod common;

use common::kernel;
use lkl::consts::*;
use lkl::{nr, sys, Errno};
use std::time::{Duration, Instant};

#[test]
fn blocking_pipe_read_is_woken_by_a_writer_thread() {
    kernel();
    let [r, w] = sys::pipe2(O_CLOEXEC).expect("pipe2");
    let reader = std::thread::spawn(move || {
        let start = Instant::now();
        let mut buf = [0u8; 64];
        let n = sys::read(r, &mut buf).expect("read");
        (buf[..n].to_vec(), start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    assert!(!reader.is_finished(), "read returned before anything was written");
    sys::write_all(w, b"wake up").expect("write");
    let (got, waited) = reader.join().expect("reader thread");
    assert_eq!(got, b"wake up");
    assert!(waited >= Duration::from_millis(90), "read returned after {waited:?}");
    sys::close(r).unwrap();
    sys::close(w).unwrap();
}

#[test]
fn nanosleep_of_20ms_takes_at_least_20ms() {
    kernel();
    for _ in 0..3 {
        let start = Instant::now();
        sys::nanosleep(20_000_000).expect("nanosleep");
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(20), "slept {took:?}");
        assert!(took < Duration::from_secs(2), "slept {took:?}");
    }
}

#[test]
fn ten_thousand_syscalls_from_four_threads_at_once() {
    kernel();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let [r, w] = sys::pipe2(O_CLOEXEC).expect("pipe2");
                for k in 0..1250u32 {
                    assert!(sys::getpid().expect("getpid") > 0);
                    let word = (i * 100_000 + k).to_le_bytes();
                    sys::write_all(w, &word).expect("write");
                    let mut back = [0u8; 4];
                    assert_eq!(sys::read(r, &mut back).expect("read"), 4);
                    assert_eq!(back, word);
                    let _ = k;
                }
                sys::close(r).unwrap();
                sys::close(w).unwrap();
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    for t in threads {
        while !t.is_finished() {
            assert!(Instant::now() < deadline, "deadlock: threads still running after 120 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        t.join().expect("syscall thread panicked");
    }
}

#[test]
fn bad_pointers_give_efault() {
    kernel();
    let [r, w] = sys::pipe2(O_CLOEXEC).expect("pipe2");
    assert_eq!(lkl::syscall(nr::WRITE, &[w as i64, 8, 16]), Err(Errno::EFAULT), "write from a bad buffer");
    sys::write_all(w, b"0123456789").unwrap();
    assert_eq!(lkl::syscall(nr::READ, &[r as i64, 16, 4]), Err(Errno::EFAULT), "read into a bad buffer");
    assert_eq!(lkl::syscall(nr::UNAME, &[24]), Err(Errno::EFAULT), "uname into a bad buffer");
    assert_eq!(lkl::syscall(nr::OPENAT, &[AT_FDCWD, 32, O_RDONLY, 0]), Err(Errno::EFAULT), "open of a bad path");
    assert_eq!(lkl::syscall(nr::PIPE2, &[40, 0]), Err(Errno::EFAULT), "pipe2 into a bad array");
    // Linux is still fine afterwards.
    assert!(sys::getpid().unwrap() > 0);
    sys::close(r).unwrap();
    sys::close(w).unwrap();
}
