//! Boot and halt in a process of its own (boot_halt_1.rs and _2.rs are the
//! same test, so that Linux boots and halts twice in a row in separate
//! processes), with syscalls before start and after halt failing cleanly.

mod common;

use lkl::{nr, Errno};

#[test]
fn second_process_boots_unames_halts_and_refuses_syscalls_outside() {
    common::require_linux();
    assert_eq!(lkl::syscall(nr::GETPID, &[]), Err(Errno::ENODEV), "syscall before start");
    let mut params = [0i64; 6];
    // SAFETY: the contract says lkl_syscall fails with -ENODEV while Linux
    // is not running; that is what is checked.
    let raw = unsafe { lkl::ffi::lkl_syscall(nr::GETPID as _, params.as_mut_ptr() as *mut _) };
    assert!(raw < 0, "raw lkl_syscall before start returned {raw}");

    let k = lkl::host::Boot::new().cmdline("mem=64M loglevel=8").start().unwrap_or_else(|e| panic!("boot: {e}\n{}", lkl::host::console::log()));
    let u = lkl::sys::uname().expect("uname");
    assert_eq!(lkl::sys::uts_field(&u.sysname), "Linux");
    let release = lkl::sys::uts_field(&u.release);
    assert!(release.starts_with("6.12."), "release {release}");
    assert!(lkl::sys::getpid().expect("getpid") > 0);
    assert!(lkl::host::console::log().contains("Linux version 6.12"), "no banner on the console");
    assert_eq!(lkl::syscall(nr::GETPID, &[0, 0, 0, 0, 0, 0, 0]), Err(Errno::EINVAL), "seven arguments");
    assert_eq!(lkl::syscall(100_000, &[]), Err(Errno::ENOSYS));

    k.halt().expect("halt");
    assert!(!lkl::is_running());
    assert_eq!(lkl::sys::getpid(), Err(Errno::ENODEV), "syscall after halt");
    // SAFETY: as above, after halt.
    let raw = unsafe { lkl::ffi::lkl_syscall(nr::GETPID as _, params.as_mut_ptr() as *mut _) };
    assert_eq!(raw as i64, -Errno::ENODEV.0, "raw lkl_syscall after halt");
    assert_eq!(lkl::host::Boot::new().start().err(), Some(Errno::EBUSY), "second start in one process");
}
