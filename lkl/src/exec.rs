//! The image of an execve: Linux's own execve (run with `syscall` in the
//! calling thread's task) takes the task past its point of no return and
//! leaves the file and the final argument strings for the host, which
//! builds the new image in its own memory from what `take_image` hands over.

use crate::Errno;
use linux_abi::ExecCreds;
use crate::ffi;
use core::ffi::c_ulong;

/// Sizes of what the last successful execve left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub image_len: usize,
    pub strings_len: usize,
    pub argc: usize,
    pub envc: usize,
    pub creds: ExecCreds,
}


/// What the calling thread's task's last successful execve left;
/// ENOENT when there is nothing.
pub fn image_info() -> Result<ImageInfo, Errno> {
    let mut info: [c_ulong; 9] = [0; 9];
    // SAFETY: Linux writes the nine words of `info` and nothing else.
    Errno::result(unsafe { ffi::lkl_exec_image_info(info.as_mut_ptr()) } as i64)?;
    let creds = ExecCreds { uid: info[4], euid: info[5], gid: info[6], egid: info[7], secure: info[8] != 0 };
    Ok(ImageInfo { image_len: info[0] as usize, strings_len: info[1] as usize, argc: info[2] as usize, envc: info[3] as usize, creds })
}

/// Reads the image into `image` and its strings (argv, envp, then the file
/// name execve was given, each NUL-terminated) into `strings`, whose
/// lengths must be `image_info`'s. Linux lets go of them whatever the result.
pub fn take_image(image: &mut [u8], strings: &mut [u8]) -> Result<(), Errno> {
    // SAFETY: both buffers are ours, writable for the lengths passed.
    let r = unsafe {
        ffi::lkl_exec_take_image(
            image.as_mut_ptr().cast(),
            image.len() as c_ulong,
            strings.as_mut_ptr().cast(),
            strings.len() as c_ulong,
        )
    };
    Errno::result(r as i64).map(|_| ())
}
