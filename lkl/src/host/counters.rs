//! `kernel_counters` of the hosted host: an ordinary process has no
//! microkernel whose events it could count, so it answers ENOSYS and
//! Linux's `/proc/cellux/counters` reads fail with it (the server's
//! counterpart, `components/lklsrv/src/host/counters.rs`, has them).

use crate::Errno;
use core::ffi::{c_char, c_long, c_ulong};

pub unsafe extern "C" fn kernel_counters(_buf: *mut c_char, _len: c_ulong) -> c_long {
    Errno::ENOSYS.as_return() as c_long
}
