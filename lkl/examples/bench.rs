//! Hosted benchmarks, printed as `bench NAME cellux=X linux=Y unit=U ratio=R`:
//!
//! - lkl-boot: ms from start until syscalls are served (no Linux figure).
//! - lkl-getpid: ns per getpid through our Linux vs the host's getpid.
//! - lkl-tmpfs-rw: 64 MiB written then read in 64 KiB blocks on our
//!   Linux's tmpfs vs the host's /dev/shm, in MB/s; the ratio is of the
//!   times (cellux time / host time), so above 1 means slower.
//!
//!     cargo run -p lkl --release --example bench

use lkl::consts::*;
use lkl::{sys, Errno};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

const TOTAL: usize = 64 << 20;
const BLOCK: usize = 64 << 10;
const GETPIDS: u32 = 200_000;

fn fail(what: &str, e: Errno) -> ! {
    eprintln!("bench: {what}: {e}");
    std::process::exit(1);
}

fn ok<T>(what: &str, r: Result<T, Errno>) -> T {
    r.unwrap_or_else(|e| fail(what, e))
}

fn lkl_tmpfs_rw(block: &[u8]) -> Duration {
    let _ = sys::mkdir(c"/bench", 0o755);
    ok("mount tmpfs", sys::mount(c"tmpfs", c"/bench", c"tmpfs", 0, Some(c"size=80m")));
    let fd = ok("create", sys::open(c"/bench/file", O_RDWR | O_CREAT | O_TRUNC, 0o600));
    let mut back = vec![0u8; BLOCK];
    let start = Instant::now();
    for _ in 0..TOTAL / BLOCK {
        ok("write", sys::write_all(fd, block));
    }
    ok("lseek", sys::lseek(fd, 0, SEEK_SET));
    let mut read = 0;
    while read < TOTAL {
        let n = ok("read", sys::read(fd, &mut back));
        if n == 0 {
            fail("read", Errno::EIO);
        }
        read += n;
    }
    let t = start.elapsed();
    // The last block read must be what was written (a fast wrong answer
    // is no benchmark).
    if back != block {
        fail("read back different bytes", Errno::EIO);
    }
    ok("close", sys::close(fd));
    ok("unlink", sys::unlink(c"/bench/file"));
    t
}

fn host_tmpfs_rw(block: &[u8]) -> Duration {
    let path = format!("/dev/shm/cellux-bench-{}", std::process::id());
    let run = || -> std::io::Result<Duration> {
        let mut f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
        let mut back = vec![0u8; BLOCK];
        let start = Instant::now();
        for _ in 0..TOTAL / BLOCK {
            f.write_all(block)?;
        }
        f.seek(SeekFrom::Start(0))?;
        for _ in 0..TOTAL / BLOCK {
            f.read_exact(&mut back)?;
        }
        let t = start.elapsed();
        if back != block {
            return Err(std::io::Error::other("read back different bytes"));
        }
        Ok(t)
    };
    let t = run();
    let _ = std::fs::remove_file(&path);
    t.unwrap_or_else(|e| {
        eprintln!("bench: /dev/shm: {e}");
        std::process::exit(1)
    })
}

fn host_getpid() -> i64 {
    // SAFETY: getpid has no preconditions; the raw syscall, as glibc's
    // getpid is one too (no caching) and LKL's is one.
    unsafe { libc::syscall(libc::SYS_getpid) }
}

fn main() {
    let start = Instant::now();
    let kernel = lkl::host::Boot::new().cmdline("mem=256M loglevel=4").start().unwrap_or_else(|e| fail("boot", e));
    ok("first syscall", sys::getpid());
    let boot_ms = start.elapsed().as_secs_f64() * 1e3;
    println!("bench lkl-boot cellux={boot_ms:.1} linux=na unit=ms ratio=na");

    for _ in 0..10_000 {
        ok("getpid", sys::getpid());
        host_getpid();
    }
    // Best of five rounds each, alternating: the machine is shared.
    let mut lkl_ns = f64::MAX;
    let mut host_ns = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..GETPIDS / 5 {
            ok("getpid", sys::getpid());
        }
        lkl_ns = lkl_ns.min(t.elapsed().as_nanos() as f64 / (GETPIDS / 5) as f64);
        let t = Instant::now();
        for _ in 0..GETPIDS / 5 {
            std::hint::black_box(host_getpid());
        }
        host_ns = host_ns.min(t.elapsed().as_nanos() as f64 / (GETPIDS / 5) as f64);
    }
    println!("bench lkl-getpid cellux={lkl_ns:.1} linux={host_ns:.1} unit=ns ratio={:.2}", lkl_ns / host_ns);

    let block: Vec<u8> = (0..BLOCK).map(|i| (i % 253) as u8).collect();
    // Best of three each: the machine is shared.
    let lkl_t = (0..3).map(|_| lkl_tmpfs_rw(&block)).min().unwrap_or_default();
    let host_t = (0..3).map(|_| host_tmpfs_rw(&block)).min().unwrap_or_default();
    let mbps = |t: Duration| 2.0 * TOTAL as f64 / 1e6 / t.as_secs_f64();
    println!(
        "bench lkl-tmpfs-rw cellux={:.0} linux={:.0} unit=MB/s ratio={:.2}",
        mbps(lkl_t),
        mbps(host_t),
        lkl_t.as_secs_f64() / host_t.as_secs_f64()
    );
    ok("halt", kernel.halt());
}
