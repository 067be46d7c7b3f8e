//! Shared by the tests that boot Linux. Each integration test file is its
//! own process, and Linux boots once per process: a file's tests share
//! one boot (`kernel()`), except the boot/halt tests, which do their own.

#![allow(dead_code)]

use lkl::host::Boot;
use std::ffi::CString;
use std::sync::OnceLock;

pub fn require_linux() {
    let linked = lkl::LINKED;
    assert!(linked, "this build has no Linux object (lkl.o): the port's build script did not provide one");
}

/// Boots Linux once for this process (never halted: the process ends).
pub fn kernel() {
    static BOOTED: OnceLock<()> = OnceLock::new();
    BOOTED.get_or_init(|| {
        require_linux();
        // Never halted: the process ends with Linux running.
        let _kernel = Boot::new().start().unwrap_or_else(|e| panic!("boot failed: {e}\n{}", lkl::host::console::log()));
    });
}

pub fn cstr(s: &str) -> CString {
    CString::new(s).expect("test paths have no NUL")
}

/// Reads a whole file through Linux.
pub fn read_file(path: &str) -> Result<Vec<u8>, lkl::Errno> {
    let fd = lkl::sys::open(&cstr(path), lkl::consts::O_RDONLY | lkl::consts::O_CLOEXEC, 0)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = lkl::sys::read(fd, &mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    lkl::sys::close(fd)?;
    Ok(out)
}

pub fn write_file(path: &str, data: &[u8]) -> Result<(), lkl::Errno> {
    use lkl::consts::*;
    let fd = lkl::sys::open(&cstr(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)?;
    lkl::sys::write_all(fd, data)?;
    lkl::sys::close(fd)
}

pub fn mkdir_p(path: &str) {
    match lkl::sys::mkdir(&cstr(path), 0o755) {
        Ok(()) | Err(lkl::Errno::EEXIST) => {}
        Err(e) => panic!("mkdir {path}: {e}"),
    }
}
