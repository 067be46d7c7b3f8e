//! Milestone tests run inside the server once Linux is up, each reporting
//! `PASS name` or `FAIL name: why` on the console; the suite
//! (tests/suites/40-lkl-server) checks every name listed in this file.
//! Ends with `LKLSRV DONE failed=N` and powers QEMU off.

mod console;
mod uaccess;

use crate::host::timer;
use crate::host::thread;
use cellux_rt::{println, sys};
use core::ffi::{c_void, CStr};
use core::sync::atomic::{AtomicU32, Ordering};
use lkl::consts::*;
use lkl::{nr, sys as lsys, Errno};

type Outcome = Result<(), (&'static str, i64)>;

/// A failure's reason and the value that showed it, printed `why (v)`.
struct Why(&'static str, i64);

impl core::fmt::Display for Why {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.0, self.1)
    }
}

fn run_one(name: &str, f: impl FnOnce() -> Outcome) {
    cellux_rt::report::case(name, f().map_err(|(why, v)| Why(why, v)));
}

fn e(why: &'static str) -> impl Fn(Errno) -> (&'static str, i64) {
    move |err| (why, -err.0)
}

fn check(ok: bool, why: &'static str, v: i64) -> Outcome {
    if ok { Ok(()) } else { Err((why, v)) }
}

pub fn run(started: Result<(), Errno>, devices: usize) -> ! {
    run_one("lklsrv.boot", || started.map_err(e("lkl_start_kernel failed")));
    if started.is_ok() {
        run_one("lklsrv.console_open_write", console::open_write);
        run_one("lklsrv.console_canonical", console::canonical);
        run_one("lklsrv.console_termios", console::termios);
        run_one("lklsrv.console_raw", console::raw);
        run_one("lklsrv.console_job_control", console::job_control);
        run_one("lklsrv.uname", uname);
        run_one("lklsrv.tmpfs_proc", tmpfs_proc);
        run_one("lklsrv.efault", efault);
        run_one("lklsrv.uaccess_through_process_pgtbl", uaccess::run);
        run_one("lklsrv.pipe_wakes_reader", pipe);
        run_one("lklsrv.process_syscalls_migrate_in", process);
        run_one("lklsrv.nanosleep_20ms", nanosleep);
        run_one("lklsrv.syscalls_2_threads", syscalls);
        if devices > 0 {
            run_one("lklsrv.virtio_blk_ext4_root", crate::boot::rootdisk::mount_root);
            run_one("lklsrv.system_mounts", crate::boot::rootdisk::system_mounts);
            run_one("lklsrv.disk_write_synced", crate::boot::rootdisk::count_boots);
        }
    }
    let (_, failed) = cellux_rt::report::totals();
    println!("LKLSRV DONE failed={}", failed);
    sys::power_off(failed == 0)
}

fn uname() -> Outcome {
    let u = lsys::uname().map_err(e("uname"))?;
    let sysname = lsys::uts_field(&u.sysname);
    let release = lsys::uts_field(&u.release);
    println!("lklsrv: uname: {} {} {}", sysname, release, lsys::uts_field(&u.machine));
    check(sysname == "Linux" && release.starts_with("6.12."), "not Linux 6.12.x", 0)
}

fn mkdir(p: &CStr) -> Outcome {
    match lsys::mkdir(p, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(x) => Err(("mkdir", -x.0)),
    }
}

fn read_all(path: &CStr, buf: &mut [u8]) -> Result<usize, (&'static str, i64)> {
    let fd = lsys::open(path, O_RDONLY, 0).map_err(e("open for reading"))?;
    let mut n = 0;
    while n < buf.len() {
        let k = lsys::read(fd, &mut buf[n..]).map_err(e("read"))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    lsys::close(fd).map_err(e("close"))?;
    Ok(n)
}

fn write_file(path: &CStr, data: &[u8], mode: i64) -> Outcome {
    let fd = lsys::open(path, O_CREAT | O_WRONLY | O_TRUNC, mode).map_err(e("create"))?;
    lsys::write_all(fd, data).map_err(e("write"))?;
    lsys::close(fd).map_err(e("close"))
}

fn tmpfs_proc() -> Outcome {
    mkdir(c"/tmp")?;
    lsys::mount(c"tmpfs", c"/tmp", c"tmpfs", 0, None).map_err(e("mount tmpfs"))?;
    mkdir(c"/proc")?;
    lsys::mount(c"proc", c"/proc", c"proc", 0, None).map_err(e("mount proc"))?;
    let data: [u8; 3000] = core::array::from_fn(|i| (i % 251) as u8);
    let fd = lsys::open(c"/tmp/f", O_CREAT | O_WRONLY | O_TRUNC, 0o644).map_err(e("create"))?;
    lsys::write_all(fd, &data).map_err(e("write"))?;
    lsys::close(fd).map_err(e("close"))?;
    let mut back = [0u8; 4000];
    let n = read_all(c"/tmp/f", &mut back)?;
    check(n == data.len() && back[..n] == data[..], "read back differs", n as i64)?;
    let mut v = [0u8; 256];
    let n = read_all(c"/proc/version", &mut v)?;
    check(v[..n].starts_with(b"Linux version 6.12"), "/proc/version", n as i64)
}

/// A bad buffer address is -EFAULT (the kernel-mediated copy stops at it).
fn efault() -> Outcome {
    let fd = lsys::open(c"/tmp/f", O_RDONLY, 0).map_err(e("open"))?;
    let r = lkl::syscall(nr::READ, &[fd as i64, 0x10, 16]);
    lsys::close(fd).map_err(e("close"))?;
    check(r == Err(Errno::EFAULT), "read into an unmapped buffer", r.unwrap_or_else(|x| -x.0))
}

unsafe extern "C" fn pipe_writer(arg: *mut c_void) {
    let fd = arg as usize as i32;
    // Late, so the reader is surely blocked in read.
    let _ = lsys::nanosleep(30_000_000);
    let _ = lsys::write(fd, b"wake");
}

fn pipe() -> Outcome {
    let [r, w] = lsys::pipe2(0).map_err(e("pipe2"))?;
    let t0 = timer::now_ns();
    let h = thread::spawn(pipe_writer, w as usize as *mut c_void).map_err(|_| ("spawn", 0))?;
    let mut buf = [0u8; 8];
    let n = lsys::read(r, &mut buf).map_err(e("read"))?;
    let waited = timer::now_ns() - t0;
    let _ = thread::join(h);
    lsys::close(r).map_err(e("close"))?;
    lsys::close(w).map_err(e("close"))?;
    check(&buf[..n] == b"wake", "wrong bytes", n as i64)?;
    check(waited >= 20_000_000, "read returned before the writer wrote (ns)", waited as i64)
}

fn monotonic() -> Result<i64, (&'static str, i64)> {
    let mut ts = [0i64; 2];
    lkl::syscall(nr::CLOCK_GETTIME, &[CLOCK_MONOTONIC, ts.as_mut_ptr() as i64]).map_err(e("clock_gettime"))?;
    Ok(ts[0] * 1_000_000_000 + ts[1])
}

fn nanosleep() -> Outcome {
    let t0 = monotonic()?;
    lsys::nanosleep(20_000_000).map_err(e("nanosleep"))?;
    let dt = monotonic()? - t0;
    println!("lklsrv: nanosleep(20 ms) took {} us", dt / 1000);
    check(dt >= 20_000_000, "slept less than 20 ms (ns)", dt)
}

static CALLS_OK: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" fn caller(_: *mut c_void) {
    for _ in 0..500 {
        if lkl::syscall(nr::GETPID, &[]).is_ok_and(|p| p > 0) && lkl::syscall(nr::GETPPID, &[]).is_ok() {
            CALLS_OK.fetch_add(2, Ordering::Relaxed);
        }
    }
}

fn syscalls() -> Outcome {
    let t0 = timer::now_ns();
    let a = thread::spawn(caller, core::ptr::null_mut()).map_err(|_| ("spawn", 0))?;
    let b = thread::spawn(caller, core::ptr::null_mut()).map_err(|_| ("spawn", 0))?;
    thread::join(a).map_err(|_| ("join", 0))?;
    thread::join(b).map_err(|_| ("join", 0))?;
    let n = CALLS_OK.load(Ordering::Relaxed);
    println!("lklsrv: {} syscalls from 2 threads in {} us", n, (timer::now_ns() - t0) / 1000);
    check(n == 2000, "syscalls that failed", 2000 - n as i64)
}

/// A Linux-ABI process (raw `syscall`s, no libc) started as every
/// process is (`process::table::start`: Linux's execve of a file), whose
/// trapped calls run here in its own task.
fn process() -> Outcome {
    let ar = crate::boot::archive::archive().ok_or(("no boot archive", 0))?;
    let img = ar.find("lkltproc").ok_or(("lkltproc not in the boot archive", 0))?;
    write_file(c"/tmp/lkltproc", img.data, 0o755)?;
    let pid = crate::process::table::start(c"/tmp/lkltproc", &[c"lkltproc"], &[], false).map_err(|_| ("start", 0))?;
    // Its parent (our task's process) reaps it with the status it gave:
    // the bits of what failed.
    let (reaped, ws) = lsys::wait4(pid, 0).map_err(e("wait4"))?;
    check(reaped == pid, "wait4 reaped another", reaped as i64)?;
    check(ws == 0, "process exit status (failure bits << 8)", ws as i64)?;
    let mut b = [0u8; 64];
    let n = read_all(c"/tmp/from-process", &mut b)?;
    println!("lklsrv: test process pid {} wrote {:?}", pid, core::str::from_utf8(&b[..n]).unwrap_or("?"));
    let line = core::str::from_utf8(&b[..n]).unwrap_or("");
    let written: i64 = line.trim().trim_start_matches("pid=").parse().unwrap_or(-1);
    check(written == pid as i64, "the process's getpid is not its own task's pid", written)
}
