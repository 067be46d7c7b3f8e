//! Stand-ins for Linux's entry points in a build without the port's object
//! (it was not built yet): every call fails with ENODEV, as the real
//! `lkl_syscall` does when Linux is not running, so nothing crashes.

#![allow(clippy::missing_safety_doc)]

use crate::ffi::{lkl_host_ops, lkl_signal_delivery, lkl_task_t};
use core::ffi::{c_char, c_int, c_long, c_ulong, c_ulonglong, c_void};

const ENODEV: c_int = 19;

pub unsafe extern "C" fn lkl_init(_ops: *const lkl_host_ops) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_start_kernel(_cmdline: *const c_char) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_is_running() -> c_int {
    0
}
pub unsafe extern "C" fn lkl_sys_halt() -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_cleanup() {}
pub unsafe extern "C" fn lkl_syscall(_no: c_long, _params: *mut c_long) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_syscall_from_user(_no: c_long, _params: *mut c_long, signal_pending: *mut c_int) -> c_long {
    // SAFETY: the caller passes a writable int (lkl_host.h's contract).
    unsafe { *signal_pending = 0 };
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_get_free_irq(_user: *const c_char) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_put_irq(_irq: c_int, _user: *const c_char) {}
pub unsafe extern "C" fn lkl_trigger_irq(_irq: c_int) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_console_input(_buf: *const c_char, _len: c_int) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_task_current() -> lkl_task_t {
    0
}
pub unsafe extern "C" fn lkl_task_adopt(_task: lkl_task_t) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_task_clone(_f: c_ulong, _s: c_int, _p: c_ulong, _t: *mut lkl_task_t, _tid: *mut c_int) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_task_exit(_status: c_int, _group: c_int) {}
pub unsafe extern "C" fn lkl_task_put(_task: lkl_task_t) {}
pub unsafe extern "C" fn lkl_vma_map(_t: lkl_task_t, _s: c_ulong, _e: c_ulong, _f: c_ulong, _fd: c_int, _o: c_ulonglong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_vma_unmap(_t: lkl_task_t, _s: c_ulong, _e: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_vma_protect(_t: lkl_task_t, _s: c_ulong, _e: c_ulong, _p: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_task_set_image(_t: lkl_task_t, _image: *const c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_task_set_brk(_t: lkl_task_t, _brk: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_task_set_mm(_t: lkl_task_t, _host: c_ulong, _layout: *const c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_task_detach() -> lkl_task_t {
    0
}
pub unsafe extern "C" fn lkl_task_signal_pending(_task: lkl_task_t) -> c_int {
    0
}
pub unsafe extern "C" fn lkl_task_next_signal(_out: *mut lkl_signal_delivery) -> c_int {
    -ENODEV
}
pub unsafe extern "C" fn lkl_exec_image_info(_info: *mut c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_exec_take_image(_i: *mut c_void, _il: c_ulong, _s: *mut c_char, _sl: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_file_map(_fd: c_int, _write: c_int, _handle: *mut c_ulong, _mapping: *mut c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_file_put(_handle: c_ulong) {}
pub unsafe extern "C" fn lkl_file_page(_handle: c_ulong, _index: c_ulong, _write: c_int, _phys: *mut c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_file_page_release(_handle: c_ulong, _index: c_ulong, _phys: c_ulong, _dirtied: c_int) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_file_page_dirty(_handle: c_ulong, _index: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_file_sync(_handle: c_ulong, _start: c_ulonglong, _end: c_ulonglong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_user_pages_alloc(_phys: *mut c_ulong, _n: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_user_pages_free(_phys: *const c_ulong, _n: c_ulong) -> c_long {
    -ENODEV as c_long
}
pub unsafe extern "C" fn lkl_user_pages_total() -> c_ulong {
    0
}
pub unsafe extern "C" fn lkl_panic_test() -> ! {
    panic!("lkl_panic_test: Linux is not linked in")
}
