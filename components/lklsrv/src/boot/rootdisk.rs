//! The root disk: Linux's own virtio_blk on QEMU's virtio-blk-device
//! (found by `virtio`), mounted as ext4 and made `/` the way Linux's own
//! boot does it (mount, move the mount onto `/`, chroot into it), so every
//! thread of the init process sees the disk as its root; then the
//! filesystems a Linux system expects: proc, sysfs, devtmpfs, devpts, and
//! a tmpfs on /dev/shm (POSIX shared memory, sem_open, and tests that
//! want a memory filesystem look there). /tmp stays a folder of the root
//! disk, as on Debian before trixie: Linux's RAM is the machine's
//! (`linux_ram`), shared with every process's pages, and a large
//! temporary file in memory would take it from them, while the disk (1 GiB
//! by default, `scripts/run --disk-size`) has room and gives ENOSPC when
//! full.

use cellux_rt::println;
use core::ffi::CStr;
use lkl::consts::*;
use lkl::{nr, sys as lsys, Errno};

type Outcome = Result<(), (&'static str, i64)>;

fn err(why: &'static str) -> impl Fn(Errno) -> (&'static str, i64) {
    move |x| (why, -x.0)
}

fn mkdir(p: &CStr) -> Outcome {
    match lsys::mkdir(p, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(x) => Err(("mkdir", -x.0)),
    }
}

pub fn mount_root() -> Outcome {
    mkdir(c"/dev")?;
    match lsys::mount(c"devtmpfs", c"/dev", c"devtmpfs", 0, None) {
        Ok(()) | Err(Errno::EBUSY) => {}
        Err(x) => return Err(("mount devtmpfs for /dev/vda", -x.0)),
    }
    mkdir(c"/root-disk")?;
    lsys::mount(c"/dev/vda", c"/root-disk", c"ext4", 0, None).map_err(err("mount /dev/vda as ext4"))?;
    lkl::syscall(nr::CHDIR, &[c"/root-disk".as_ptr() as i64]).map_err(err("chdir"))?;
    lkl::syscall(nr::MOUNT, &[c".".as_ptr() as i64, c"/".as_ptr() as i64, 0, MS_MOVE, 0])
        .map_err(err("move the mount onto /"))?;
    lkl::syscall(nr::CHROOT, &[c".".as_ptr() as i64]).map_err(err("chroot"))?;
    lkl::syscall(nr::CHDIR, &[c"/".as_ptr() as i64]).map_err(err("chdir /"))?;
    let mut b = [0u8; 128];
    let n = read(c"/etc/hostname", &mut b)?;
    let name = core::str::from_utf8(&b[..n]).unwrap_or("?").trim_end();
    println!("lklsrv: /etc/hostname on the root disk: {}", name);
    if n == 0 {
        return Err(("empty /etc/hostname", 0));
    }
    // Linux's own boot leaves "(none)"; a distribution's init sets the
    // name from this file, and uname should show it.
    lkl::syscall(nr::SETHOSTNAME, &[name.as_ptr() as i64, name.len() as i64]).map_err(err("sethostname"))?;
    Ok(())
}

pub fn system_mounts() -> Outcome {
    for (src, dir, fs) in [
        (c"proc", c"/proc", c"proc"),
        (c"sysfs", c"/sys", c"sysfs"),
        (c"devtmpfs", c"/dev", c"devtmpfs"),
    ] {
        mkdir(dir)?;
        lsys::mount(src, dir, fs, 0, None).map_err(err("mount"))?;
    }
    mkdir(c"/dev/pts")?;
    lsys::mount(c"devpts", c"/dev/pts", c"devpts", 0, None).map_err(err("mount devpts"))?;
    // As systemd mounts it: everyone may create there, no set-uid
    // programs or device nodes.
    mkdir(c"/dev/shm")?;
    lsys::mount(c"tmpfs", c"/dev/shm", c"tmpfs", MS_NOSUID | MS_NODEV, Some(c"mode=1777"))
        .map_err(err("mount /dev/shm"))?;
    let mut m = [0u8; 2048];
    let n = read(c"/proc/mounts", &mut m)?;
    let text = &m[..n];
    for want in [&b" / ext4 "[..], b" /proc proc ", b" /sys sysfs ", b" /dev devtmpfs ", b" /dev/pts devpts ", b" /dev/shm tmpfs "] {
        if !text.windows(want.len()).any(|w| w == want) {
            println!("lklsrv: /proc/mounts:\n{}", core::str::from_utf8(text).unwrap_or("?"));
            return Err(("/proc/mounts misses a mount", 0));
        }
    }
    Ok(())
}

/// Counts boots in a file on the disk; the suite boots twice and checks
/// the second boot saw the first's write (the disk persists).
pub fn count_boots() -> Outcome {
    let mut b = [0u8; 16];
    let prev = match read(c"/var-lklsrv-boots", &mut b) {
        Ok(n) => core::str::from_utf8(&b[..n]).ok().and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(0),
        Err(_) => 0,
    };
    let mut line = crate::host::virtio::Line::new();
    line.push_dec(prev + 1);
    line.push(b"\n");
    let bytes = line.as_cstr().to_bytes();
    let fd = lsys::open(c"/var-lklsrv-boots", O_CREAT | O_WRONLY | O_TRUNC, 0o644).map_err(err("create"))?;
    lsys::write_all(fd, bytes).map_err(err("write"))?;
    lkl::syscall(nr::FSYNC, &[fd as i64]).map_err(err("fsync"))?;
    lsys::close(fd).map_err(err("close"))?;
    lsys::sync().map_err(err("sync"))?;
    println!("lklsrv: boot count {}", prev + 1);
    Ok(())
}

fn read(path: &CStr, buf: &mut [u8]) -> Result<usize, (&'static str, i64)> {
    let fd = lsys::open(path, O_RDONLY, 0).map_err(err("open"))?;
    let mut n = 0;
    while n < buf.len() {
        match lsys::read(fd, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(x) => {
                let _ = lsys::close(fd);
                return Err(("read", -x.0));
            }
        }
    }
    let _ = lsys::close(fd);
    Ok(n)
}
