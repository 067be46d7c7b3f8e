//! The console tty (/dev/console = ttyS0): Linux's n_tty over the
//! `console_write` host op and `lkl_console_input`, checked by the steps
//! the LKL server also runs (`lkl::console::check`), plus what only the
//! hosted side can see: the echo and the boot log.

mod common;

use common::kernel;
use lkl::console::check;
use lkl::consts::*;
use lkl::host::console::{log, tty_output};
use lkl::task::Task;
use lkl::{sys, Errno};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One console for the process: the tests take turns.
static TTY: Mutex<()> = Mutex::new(());

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Collects tty output until it contains `want` (or 5 s pass).
fn wait_output(want: &[u8]) -> Vec<u8> {
    let mut seen = Vec::new();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        seen.extend(tty_output());
        if seen.windows(want.len()).any(|w| w == want) {
            break;
        }
        sleep_ms(5);
    }
    seen
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn boot_opens_the_console_and_writes_reach_the_host() {
    kernel();
    let _g = TTY.lock().unwrap_or_else(|e| e.into_inner());
    assert!(!log().contains("unable to open an initial console"), "boot log:\n{}", log());
    let _ = tty_output();
    let fd = check::open_and_write(b"hello console\n").expect("open and write");
    // ONLCR: the tty layer, not the host, turns \n into \r\n.
    let out = wait_output(b"hello console\r\n");
    assert!(has(&out, b"hello console\r\n"), "tty output {:?}", String::from_utf8_lossy(&out));
    assert!(!log().contains("hello console"), "tty output leaked into the kernel log");
    sys::close(fd).unwrap();
}

#[test]
fn canonical_mode_gives_whole_edited_lines_and_echoes() {
    kernel();
    let _g = TTY.lock().unwrap_or_else(|e| e.into_inner());
    let fd = check::open_and_write(b"").expect("open");
    let _ = tty_output();
    check::canonical(fd).expect("canonical");
    // The echo of "abd", erase, "c\n" as a terminal shows it.
    let out = wait_output(b"c\r\n");
    assert!(has(&out, b"abd\x08 \x08c\r\n"), "echo {:?}", String::from_utf8_lossy(&out));
    sys::close(fd).unwrap();
}

#[test]
fn termios_round_trips_and_raw_mode_reads_one_byte() {
    kernel();
    let _g = TTY.lock().unwrap_or_else(|e| e.into_inner());
    let fd = check::open_and_write(b"").expect("open");
    check::termios_roundtrip(fd).expect("termios");
    let _ = tty_output();
    check::raw(fd).expect("raw");
    sleep_ms(50);
    assert!(!has(&tty_output(), b"x"), "raw mode without ECHO echoed");
    sys::close(fd).unwrap();
}

#[test]
fn ctrl_c_z_backslash_signal_the_foreground_group() {
    kernel();
    let _g = TTY.lock().unwrap_or_else(|e| e.into_inner());
    let (task, pid) = Task::clone_from_current(0, SIGCHLD as i32).expect("clone");
    let worker = std::thread::spawn(move || {
        task.adopt().expect("adopt");
        let r = check::job_control_in_task(sleep_ms);
        Task::exit_current(0, true).expect("exit");
        r
    });
    let _ = tty_output();
    check::job_control_feed(sleep_ms).expect("typing");
    let r = worker.join().expect("worker");
    r.expect("signals from the keyboard");
    // Each signal character flushes pending echo (no NOFLSH), so of the
    // three typed together only the last one's echo is sure to show.
    let out = wait_output(b"^\\");
    assert!(has(&out, b"^\\"), "^\\ not echoed: {:?}", String::from_utf8_lossy(&out));
    match sys::wait4(pid, 0) {
        Ok((p, _)) => assert_eq!(p, pid),
        Err(Errno::ECHILD) => {}
        Err(e) => panic!("wait4: {e}"),
    }
}

#[test]
fn input_before_boot_is_refused() {
    // Linux may or may not run yet in this process; either answer is
    // defined, and neither crashes.
    let r = lkl::console::input(b"");
    assert!(r.is_ok() || r == Err(Errno::ENODEV), "{r:?}");
}
