//! Reading an executable through Linux from the root filesystem, so any
//! file there can be run, with the refusals a shell turns into 126/127.

use alloc::vec::Vec;
use core::ffi::CStr;
use lkl::consts::*;
use lkl::{nr, sys as lsys, Errno};

/// Above this an image is refused rather than read into the server's heap.
const MAX_IMAGE: usize = 15 << 20;

#[derive(Debug)]
pub enum ExeError {
    /// Linux's answer to opening or reading it.
    Io(Errno),
    NotRegular,
    TooLarge(u64),
}

/// The whole file at `path`, resolved from the caller's task's cwd.
pub fn read(path: &CStr) -> Result<Vec<u8>, ExeError> {
    let fd = lsys::open(path, O_RDONLY | O_CLOEXEC, 0).map_err(ExeError::Io)?;
    let r = read_fd(fd);
    let _ = lsys::close(fd);
    r
}

pub fn read_fd(fd: i32) -> Result<Vec<u8>, ExeError> {
    let st = lsys::fstat(fd).map_err(ExeError::Io)?;
    if st.st_mode as i64 & S_IFMT != S_IFREG {
        return Err(ExeError::NotRegular);
    }
    let size = st.st_size as u64;
    if size > MAX_IMAGE as u64 {
        return Err(ExeError::TooLarge(size));
    }
    // Execute permission as execve checks it (root still needs one x bit).
    if st.st_mode & 0o111 == 0 {
        return Err(ExeError::Io(Errno::EACCES));
    }
    let mut buf = Vec::new();
    buf.try_reserve_exact(size as usize).map_err(|_| ExeError::Io(Errno::ENOMEM))?;
    buf.resize(size as usize, 0);
    let mut done = 0;
    while done < buf.len() {
        let n = lkl::syscall(nr::PREAD64, &[fd as i64, buf[done..].as_mut_ptr() as i64, (buf.len() - done) as i64, done as i64])
            .map_err(ExeError::Io)? as usize;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    Ok(buf)
}
