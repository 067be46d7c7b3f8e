//! Linux's console (the `print` operation): kept in memory so tests and
//! tools can read the kernel log, and echoed to stderr when asked
//! (`set_echo`, or CELLUX_LKL_CONSOLE=1 in the environment).
//!
//! The console tty's output (`console_write`: what programs write to
//! /dev/console, and echo) is kept apart, for tests to read with
//! `tty_output`; its input is `crate::console::input`.

use core::ffi::{c_char, c_int};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Keep at most this much of the log (the newest part).
const KEEP: usize = 1 << 20;

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static ECHO: AtomicBool = AtomicBool::new(false);

pub fn set_echo(on: bool) {
    ECHO.store(on, Ordering::Relaxed);
}

pub(crate) fn init_from_env() {
    if std::env::var_os("CELLUX_LKL_CONSOLE").is_some_and(|v| v != "0") {
        set_echo(true);
    }
}

/// Everything Linux printed so far (up to the last MiB).
pub fn log() -> String {
    let log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&log).into_owned()
}

pub(crate) fn write(bytes: &[u8]) {
    {
        let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
        log.extend_from_slice(bytes);
        if log.len() > KEEP {
            let cut = log.len() - KEEP;
            log.drain(..cut);
        }
    }
    if ECHO.load(Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(bytes);
    }
}

static TTY: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Everything written to the console tty since the last call (drained).
pub fn tty_output() -> Vec<u8> {
    core::mem::take(&mut *TTY.lock().unwrap_or_else(|e| e.into_inner()))
}

pub(crate) unsafe extern "C" fn tty_write(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: Linux passes `len` readable bytes at `s`.
    let bytes = unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) };
    let mut tty = TTY.lock().unwrap_or_else(|e| e.into_inner());
    tty.extend_from_slice(bytes);
    if tty.len() > KEEP {
        let cut = tty.len() - KEEP;
        tty.drain(..cut);
    }
}
