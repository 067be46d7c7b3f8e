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

/// Boots Linux, checks uname, halts, and checks that syscalls before start
/// and after halt fail cleanly. boot_halt_1.rs and boot_halt_2.rs each run
/// it, so Linux boots and halts twice in a row in separate processes.
pub fn boot_uname_halt() {
    require_linux();
    assert_eq!(lkl::syscall(lkl::nr::GETPID, &[]), Err(lkl::Errno::ENODEV), "syscall before start");
    let mut params = [0i64; 6];
    // SAFETY: the contract says lkl_syscall fails with -ENODEV while Linux
    // is not running; that is what is checked.
    let raw = unsafe { lkl::ffi::lkl_syscall(lkl::nr::GETPID as _, params.as_mut_ptr() as *mut _) };
    assert!(raw < 0, "raw lkl_syscall before start returned {raw}");

    let k = lkl::host::Boot::new().cmdline("mem=64M loglevel=8").start().unwrap_or_else(|e| panic!("boot: {e}\n{}", lkl::host::console::log()));
    let u = lkl::sys::uname().expect("uname");
    assert_eq!(lkl::sys::uts_field(&u.sysname), "Linux");
    let release = lkl::sys::uts_field(&u.release);
    assert!(release.starts_with("6.12."), "release {release}");
    assert!(lkl::sys::getpid().expect("getpid") > 0);
    assert!(lkl::host::console::log().contains("Linux version 6.12"), "no banner on the console");
    assert_eq!(lkl::syscall(lkl::nr::GETPID, &[0, 0, 0, 0, 0, 0, 0]), Err(lkl::Errno::EINVAL), "seven arguments");
    assert_eq!(lkl::syscall(100_000, &[]), Err(lkl::Errno::ENOSYS));

    k.halt().expect("halt");
    assert!(!lkl::is_running());
    assert_eq!(lkl::sys::getpid(), Err(lkl::Errno::ENODEV), "syscall after halt");
    // SAFETY: as above, after halt.
    let raw = unsafe { lkl::ffi::lkl_syscall(lkl::nr::GETPID as _, params.as_mut_ptr() as *mut _) };
    assert_eq!(raw as i64, -lkl::Errno::ENODEV.0, "raw lkl_syscall after halt");
    assert_eq!(lkl::host::Boot::new().start().err(), Some(lkl::Errno::EBUSY), "second start in one process");
}
