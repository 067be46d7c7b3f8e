//! Typed wrappers for the syscalls hosts use most, over `kernel::syscall`.
//! Paths are C strings (`c"/proc"`); buffers are slices, passed as the
//! addresses Linux copies through copy_{from,to}_user.

use crate::consts::*;
use crate::Errno;
use crate::kernel::syscall;
use crate::nr;
use crate::structs::{__kernel_timespec, new_utsname, stat};
use core::ffi::CStr;

fn p<T: ?Sized>(x: &T) -> i64 {
    x as *const T as *const u8 as i64
}

fn opt(s: Option<&CStr>) -> i64 {
    s.map_or(0, |s| s.as_ptr() as i64)
}

pub fn open(path: &CStr, flags: i64, mode: i64) -> Result<i32, Errno> {
    syscall(nr::OPENAT, &[AT_FDCWD, p(path), flags, mode]).map(|fd| fd as i32)
}

pub fn close(fd: i32) -> Result<(), Errno> {
    syscall(nr::CLOSE, &[fd as i64]).map(|_| ())
}

pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    syscall(nr::READ, &[fd as i64, buf.as_mut_ptr() as i64, buf.len() as i64]).map(|n| n as usize)
}

pub fn write(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    syscall(nr::WRITE, &[fd as i64, p(buf), buf.len() as i64]).map(|n| n as usize)
}

/// Writes all of `buf` (looping over short writes).
pub fn write_all(fd: i32, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        let n = write(fd, buf)?;
        if n == 0 {
            return Err(Errno::EIO);
        }
        buf = &buf[n..];
    }
    Ok(())
}

pub fn lseek(fd: i32, off: i64, whence: i64) -> Result<i64, Errno> {
    syscall(nr::LSEEK, &[fd as i64, off, whence])
}

pub fn mkdir(path: &CStr, mode: i64) -> Result<(), Errno> {
    syscall(nr::MKDIRAT, &[AT_FDCWD, p(path), mode]).map(|_| ())
}

pub fn unlink(path: &CStr) -> Result<(), Errno> {
    syscall(nr::UNLINKAT, &[AT_FDCWD, p(path), 0]).map(|_| ())
}

pub fn mount(source: &CStr, target: &CStr, fstype: &CStr, flags: i64, data: Option<&CStr>) -> Result<(), Errno> {
    syscall(nr::MOUNT, &[p(source), p(target), p(fstype), flags, opt(data)]).map(|_| ())
}

pub fn umount(target: &CStr, flags: i64) -> Result<(), Errno> {
    syscall(nr::UMOUNT2, &[p(target), flags]).map(|_| ())
}

pub fn stat(path: &CStr) -> Result<stat, Errno> {
    let mut st = stat::zeroed();
    syscall(nr::NEWFSTATAT, &[AT_FDCWD, p(path), &mut st as *mut stat as i64, 0])?;
    Ok(st)
}

pub fn fstat(fd: i32) -> Result<stat, Errno> {
    let mut st = stat::zeroed();
    syscall(nr::FSTAT, &[fd as i64, &mut st as *mut stat as i64])?;
    Ok(st)
}

pub fn getdents64(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    syscall(nr::GETDENTS64, &[fd as i64, buf.as_mut_ptr() as i64, buf.len() as i64]).map(|n| n as usize)
}

pub fn uname() -> Result<new_utsname, Errno> {
    let mut u = new_utsname::zeroed();
    syscall(nr::UNAME, &[&mut u as *mut new_utsname as i64])?;
    Ok(u)
}

pub fn getpid() -> Result<i32, Errno> {
    syscall(nr::GETPID, &[]).map(|v| v as i32)
}

pub fn pipe2(flags: i64) -> Result<[i32; 2], Errno> {
    let mut fds = [0i32; 2];
    syscall(nr::PIPE2, &[fds.as_mut_ptr() as i64, flags])?;
    Ok(fds)
}

pub fn nanosleep(ns: u64) -> Result<(), Errno> {
    let ts = __kernel_timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 };
    syscall(nr::NANOSLEEP, &[&ts as *const __kernel_timespec as i64, 0]).map(|_| ())
}

pub fn kill(pid: i32, sig: i64) -> Result<(), Errno> {
    syscall(nr::KILL, &[pid as i64, sig]).map(|_| ())
}

/// wait4(pid, &status, options, NULL): the reaped pid and its wait status.
pub fn wait4(pid: i32, options: i64) -> Result<(i32, i32), Errno> {
    let mut status = 0i32;
    let r = syscall(nr::WAIT4, &[pid as i64, &mut status as *mut i32 as i64, options, 0])?;
    Ok((r as i32, status))
}

pub fn sync() -> Result<(), Errno> {
    syscall(nr::SYNC, &[]).map(|_| ())
}

/// A NUL-terminated field of `new_utsname` as text.
pub fn uts_field(f: &[u8]) -> &str {
    let end = f.iter().position(|&c| c == 0).unwrap_or(f.len());
    core::str::from_utf8(&f[..end]).unwrap_or("")
}
