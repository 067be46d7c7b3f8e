//! tmpfs, proc, sysfs, devtmpfs and devpts mounted through Linux and used.

mod common;

use common::{cstr, kernel, mkdir_p, read_file, write_file};
use lkl::consts::*;
use lkl::sys;

fn mount(src: &str, dir: &str, fstype: &str, data: Option<&str>) {
    kernel();
    mkdir_p(dir);
    let data = data.map(cstr);
    sys::mount(&cstr(src), &cstr(dir), &cstr(fstype), 0, data.as_deref())
        .unwrap_or_else(|e| panic!("mount {fstype} on {dir}: {e}"));
}

fn list(dir: &str) -> Vec<String> {
    let fd = sys::open(&cstr(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0).expect("open dir");
    let mut buf = vec![0u8; 32 * 1024];
    let mut names = Vec::new();
    loop {
        let n = sys::getdents64(fd, &mut buf).expect("getdents64");
        if n == 0 {
            break;
        }
        names.extend(lkl::linux::dirents(&buf[..n]).map(|d| String::from_utf8_lossy(d.name).into_owned()));
    }
    sys::close(fd).unwrap();
    names
}

#[test]
fn tmpfs_files_round_trip_and_statfs_says_tmpfs() {
    mount("tmpfs", "/t", "tmpfs", Some("size=16m"));
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write_file("/t/data", &data).unwrap();
    assert_eq!(read_file("/t/data").unwrap(), data);
    let st = sys::stat(&cstr("/t/data")).unwrap();
    assert_eq!(st.st_size, 100_000);
    assert_eq!(st.st_mode as i64 & S_IFMT, S_IFREG);
    let mut sfs = lkl::structs::statfs::zeroed();
    lkl::syscall(lkl::nr::STATFS, &[cstr("/t").as_ptr() as i64, &mut sfs as *mut _ as i64]).unwrap();
    // Without an MMU Linux has no shmem: "tmpfs" is served by ramfs
    // (mm/shmem.c's !CONFIG_SHMEM variant), which reports RAMFS_MAGIC.
    assert!(sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC, "f_type {:#x}", sfs.f_type);
    assert!(list("/t").contains(&"data".to_string()));
    sys::unlink(&cstr("/t/data")).unwrap();
    assert_eq!(sys::stat(&cstr("/t/data")).err(), Some(lkl::Errno::ENOENT));
}

#[test]
fn proc_shows_this_kernel_and_its_mounts() {
    mount("proc", "/proc", "proc", None);
    let version = String::from_utf8(read_file("/proc/version").unwrap()).unwrap();
    assert!(version.starts_with("Linux version 6.12."), "{version}");
    let pid = sys::getpid().unwrap();
    let status = String::from_utf8(read_file(&format!("/proc/{pid}/status")).unwrap()).unwrap();
    assert!(status.contains(&format!("Tgid:\t{pid}")) || status.contains("Pid:"), "{status}");
    let mounts = String::from_utf8(read_file("/proc/mounts").unwrap()).unwrap();
    assert!(mounts.contains(" /proc proc "), "{mounts}");
    assert!(list("/proc").contains(&"meminfo".to_string()));
}

#[test]
fn proc_cellux_counters_say_this_host_has_none() {
    // The file is the arch port's (counters.c); the hosted host has no
    // microkernel to count, so its kernel_counters op answers ENOSYS.
    mount("proc", "/proc", "proc", None);
    assert!(list("/proc/cellux").contains(&"counters".to_string()));
    assert_eq!(read_file("/proc/cellux/counters").unwrap_err(), lkl::Errno::ENOSYS);
}

#[test]
fn sysfs_lists_the_kernel_and_devices() {
    mount("sysfs", "/sys", "sysfs", None);
    let names = list("/sys");
    for want in ["kernel", "devices", "class"] {
        assert!(names.contains(&want.to_string()), "/sys has {names:?}");
    }
    let ostype = read_file("/sys/kernel/uevent_seqnum");
    assert!(ostype.is_ok(), "read /sys/kernel/uevent_seqnum: {ostype:?}");
}

#[test]
fn devtmpfs_has_null_and_zero_that_work() {
    mount("devtmpfs", "/dev", "devtmpfs", None);
    let st = sys::stat(&cstr("/dev/null")).expect("/dev/null");
    assert_eq!(st.st_mode as i64 & S_IFMT, S_IFCHR);
    let fd = sys::open(&cstr("/dev/null"), O_WRONLY, 0).unwrap();
    assert_eq!(sys::write(fd, b"gone").unwrap(), 4);
    sys::close(fd).unwrap();
    let fd = sys::open(&cstr("/dev/zero"), O_RDONLY, 0).unwrap();
    let mut buf = [1u8; 64];
    assert_eq!(sys::read(fd, &mut buf).unwrap(), 64);
    assert!(buf.iter().all(|&b| b == 0));
    sys::close(fd).unwrap();
}

#[test]
fn devpts_gives_a_pty_pair_that_carries_bytes() {
    mount("devtmpfs", "/dev2", "devtmpfs", None);
    mount("devpts", "/dev2/pts", "devpts", Some("ptmxmode=0666"));
    let master = sys::open(&cstr("/dev2/pts/ptmx"), O_RDWR | O_NOCTTY, 0).expect("open ptmx");
    let mut n: u32 = 0;
    lkl::syscall(lkl::nr::IOCTL, &[master as i64, TIOCGPTN, &mut n as *mut u32 as i64]).expect("TIOCGPTN");
    let mut unlock: i32 = 0;
    lkl::syscall(lkl::nr::IOCTL, &[master as i64, TIOCSPTLCK, &mut unlock as *mut i32 as i64]).expect("TIOCSPTLCK");
    let slave = sys::open(&cstr(&format!("/dev2/pts/{n}")), O_RDWR | O_NOCTTY, 0).expect("open slave");
    // Raw mode on the slave so bytes pass unchanged and unbuffered.
    let mut t = lkl::structs::termios::zeroed();
    lkl::syscall(lkl::nr::IOCTL, &[slave as i64, TCGETS, &mut t as *mut _ as i64]).expect("TCGETS");
    t.c_lflag &= !((ICANON | ECHO) as u32);
    lkl::syscall(lkl::nr::IOCTL, &[slave as i64, TCSETS, &t as *const _ as i64]).expect("TCSETS");
    sys::write_all(master, b"ping").unwrap();
    let mut buf = [0u8; 16];
    let got = sys::read(slave, &mut buf).unwrap();
    assert_eq!(&buf[..got], b"ping");
    sys::write_all(slave, b"pong").unwrap();
    let got = sys::read(master, &mut buf).unwrap();
    assert_eq!(&buf[..got], b"pong");
}
