//! Boots Linux hosted, shows what it is, and works on an ext4 image:
//!
//!     cargo run -p lkl --release --example boot -- IMAGE
//!
//! prints the uname fields and /proc/version (read through Linux's
//! syscalls), mounts IMAGE read-write through our virtio-blk device, lists
//! every file with its size, writes /hello-from-lkl ("cellux\n"),
//! unmounts and halts.

use lkl::consts::*;
use lkl::host::disk::FileDisk;
use lkl::{sys, Errno};
use std::ffi::CString;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Failed(String);

fn at<T>(what: &str, r: Result<T, Errno>) -> Result<T, Failed> {
    r.map_err(|e| Failed(format!("{what}: {e}")))
}

fn c(s: &str) -> Result<CString, Failed> {
    CString::new(s).map_err(|_| Failed(format!("path with NUL: {s:?}")))
}

fn read_all(path: &str) -> Result<Vec<u8>, Failed> {
    let fd = at(&format!("open {path}"), sys::open(&c(path)?, O_RDONLY | O_CLOEXEC, 0))?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = at(&format!("read {path}"), sys::read(fd, &mut buf))?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    at("close", sys::close(fd))?;
    Ok(out)
}

/// Prints every entry under `dir` (recursively) with its size.
fn list(dir: &str, shown_as: &str) -> Result<(), Failed> {
    let fd = at(&format!("open {dir}"), sys::open(&c(dir)?, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut names = Vec::new();
    loop {
        let n = at(&format!("getdents64 {dir}"), sys::getdents64(fd, &mut buf))?;
        if n == 0 {
            break;
        }
        for d in lkl::linux::dirents(&buf[..n]) {
            if d.name != b"." && d.name != b".." {
                names.push(String::from_utf8_lossy(d.name).into_owned());
            }
        }
    }
    at("close", sys::close(fd))?;
    names.sort();
    for name in names {
        let path = format!("{dir}/{name}");
        let mut st = lkl::structs::stat::zeroed();
        let cpath = c(&path)?;
        at(
            &format!("stat {path}"),
            lkl::syscall(lkl::nr::NEWFSTATAT, &[AT_FDCWD, cpath.as_ptr() as i64, &mut st as *mut _ as i64, AT_SYMLINK_NOFOLLOW]),
        )?;
        let kind = st.st_mode as i64 & S_IFMT;
        let suffix = if kind == S_IFDIR { "/" } else { "" };
        println!("{:>12}  {shown_as}/{name}{suffix}", st.st_size);
        if kind == S_IFDIR {
            list(&path, &format!("{shown_as}/{name}"))?;
        }
    }
    Ok(())
}

fn mkdir(path: &str) -> Result<(), Failed> {
    match sys::mkdir(&c(path)?, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(Failed(format!("mkdir {path}: {e}"))),
    }
}

fn run(image: &str) -> Result<(), Failed> {
    let disk = FileDisk::open(std::path::Path::new(image), false).map_err(|e| Failed(format!("{image}: {e}")))?;
    let kernel = at("adding the disk", lkl::host::Boot::new().disk(disk, "boot-example"))?;
    let started = Instant::now();
    let kernel = kernel.start().map_err(|e| Failed(format!("boot: {e}\n{}", lkl::host::console::log())))?;
    println!("booted in {} ms", started.elapsed().as_millis());

    let u = at("uname", sys::uname())?;
    println!("sysname:    {}", sys::uts_field(&u.sysname));
    println!("nodename:   {}", sys::uts_field(&u.nodename));
    println!("release:    {}", sys::uts_field(&u.release));
    println!("version:    {}", sys::uts_field(&u.version));
    println!("machine:    {}", sys::uts_field(&u.machine));
    println!("domainname: {}", sys::uts_field(&u.domainname));

    mkdir("/proc")?;
    at("mount proc", sys::mount(c"proc", c"/proc", c"proc", 0, None))?;
    print!("/proc/version: {}", String::from_utf8_lossy(&read_all("/proc/version")?));

    mkdir("/dev")?;
    at("mount devtmpfs", sys::mount(c"devtmpfs", c"/dev", c"devtmpfs", 0, None))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while sys::stat(c"/dev/vda").is_err() {
        if Instant::now() > deadline {
            return Err(Failed(format!("/dev/vda never appeared\n{}", lkl::host::console::log())));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    mkdir("/mnt")?;
    at("mount /dev/vda (ext4)", sys::mount(c"/dev/vda", c"/mnt", c"ext4", 0, None))?;
    println!("files in {image}:");
    list("/mnt", "")?;

    let fd = at("create /hello-from-lkl", sys::open(c"/mnt/hello-from-lkl", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644))?;
    at("write /hello-from-lkl", sys::write_all(fd, b"cellux\n"))?;
    at("fsync", lkl::syscall(lkl::nr::FSYNC, &[fd as i64]).map(|_| ()))?;
    at("close", sys::close(fd))?;
    println!("wrote /hello-from-lkl");
    at("umount /mnt", sys::umount(c"/mnt", 0))?;
    at("halt", kernel.halt())?;
    println!("halted");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, image] = args.as_slice() else {
        eprintln!("usage: boot IMAGE   (an ext4 image; /hello-from-lkl is written into it)");
        std::process::exit(2);
    };
    if let Err(Failed(msg)) = run(image) {
        eprintln!("boot: {msg}");
        std::process::exit(1);
    }
}
