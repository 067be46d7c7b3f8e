//! The Rust mirror of `lkl/include/cellux/lkl_host.h`: the C contract between
//! our Linux arch port and its hosts. Keep the two in step: build.rs checks
//! every field offset and struct size against the header (gen/header.rs).

#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_long, c_ulong, c_ulonglong, c_void};

/// Host semaphore, opaque to Linux.
#[repr(C)]
pub struct lkl_sem {
    _opaque: [u8; 0],
}
/// Host mutex, opaque to Linux.
#[repr(C)]
pub struct lkl_mutex {
    _opaque: [u8; 0],
}
/// Host thread-local key, opaque to Linux.
#[repr(C)]
pub struct lkl_tls_key {
    _opaque: [u8; 0],
}
/// Host one-shot timer, opaque to Linux.
#[repr(C)]
pub struct lkl_timer {
    _opaque: [u8; 0],
}

/// A host thread handle; 0 is never a valid thread.
pub type lkl_thread_t = c_ulong;

/// Saved execution context for jmp_buf_set/jmp_buf_longjmp.
#[repr(C)]
pub struct lkl_jmp_buf {
    pub regs: [c_ulong; 16],
}

/// The host-operations table: Linux reaches its host only through it.
#[repr(C)]
pub struct lkl_host_ops {
    pub print: Option<unsafe extern "C" fn(str: *const c_char, len: c_int)>,
    pub panic: Option<unsafe extern "C" fn()>,

    pub sem_alloc: Option<unsafe extern "C" fn(count: c_int) -> *mut lkl_sem>,
    pub sem_free: Option<unsafe extern "C" fn(sem: *mut lkl_sem)>,
    pub sem_up: Option<unsafe extern "C" fn(sem: *mut lkl_sem)>,
    pub sem_down: Option<unsafe extern "C" fn(sem: *mut lkl_sem)>,

    pub mutex_alloc: Option<unsafe extern "C" fn(recursive: c_int) -> *mut lkl_mutex>,
    pub mutex_free: Option<unsafe extern "C" fn(mutex: *mut lkl_mutex)>,
    pub mutex_lock: Option<unsafe extern "C" fn(mutex: *mut lkl_mutex)>,
    pub mutex_unlock: Option<unsafe extern "C" fn(mutex: *mut lkl_mutex)>,

    pub thread_create:
        Option<unsafe extern "C" fn(f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void) -> lkl_thread_t>,
    pub thread_exit: Option<unsafe extern "C" fn()>,
    pub thread_join: Option<unsafe extern "C" fn(thread: lkl_thread_t) -> c_int>,
    pub thread_self: Option<unsafe extern "C" fn() -> lkl_thread_t>,
    pub thread_equal: Option<unsafe extern "C" fn(a: lkl_thread_t, b: lkl_thread_t) -> c_int>,

    pub tls_alloc:
        Option<unsafe extern "C" fn(destructor: Option<unsafe extern "C" fn(*mut c_void)>) -> *mut lkl_tls_key>,
    pub tls_free: Option<unsafe extern "C" fn(key: *mut lkl_tls_key)>,
    pub tls_set: Option<unsafe extern "C" fn(key: *mut lkl_tls_key, data: *mut c_void) -> c_int>,
    pub tls_get: Option<unsafe extern "C" fn(key: *mut lkl_tls_key) -> *mut c_void>,

    pub mem_alloc: Option<unsafe extern "C" fn(size: c_ulong) -> *mut c_void>,
    pub mem_free: Option<unsafe extern "C" fn(ptr: *mut c_void)>,
    pub page_alloc: Option<unsafe extern "C" fn(size: c_ulong) -> *mut c_void>,
    pub page_free: Option<unsafe extern "C" fn(addr: *mut c_void, size: c_ulong)>,
    /// page_alloc's memory is at its physical address plus this (0 where
    /// nothing needs physical addresses: no DMA device).
    pub phys_offset: c_ulong,

    pub time: Option<unsafe extern "C" fn() -> c_ulonglong>,

    pub timer_alloc: Option<unsafe extern "C" fn(f: unsafe extern "C" fn()) -> *mut lkl_timer>,
    pub timer_set_oneshot: Option<unsafe extern "C" fn(timer: *mut lkl_timer, delta_ns: c_ulong) -> c_int>,
    pub timer_free: Option<unsafe extern "C" fn(timer: *mut lkl_timer)>,

    pub ioremap: Option<unsafe extern "C" fn(addr: c_ulong, size: c_ulong) -> *mut c_void>,
    pub iomem_access:
        Option<unsafe extern "C" fn(addr: *const c_void, val: *mut c_void, size: c_int, write: c_int) -> c_int>,

    pub jmp_buf_set: Option<unsafe extern "C" fn(jb: *mut lkl_jmp_buf, f: unsafe extern "C" fn())>,
    pub jmp_buf_longjmp: Option<unsafe extern "C" fn(jb: *mut lkl_jmp_buf, val: c_int)>,

    pub copy_from_user: Option<unsafe extern "C" fn(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong>,
    pub copy_to_user: Option<unsafe extern "C" fn(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong>,

    pub virtio_devices: *const c_char,

    /// The console tty's output (program writes and echo); may be None.
    pub console_write: Option<unsafe extern "C" fn(buf: *const c_char, len: c_int)>,

    /// A host task out of Linux got a signal to handle (see lkl_host.h); may be None.
    pub signal_kick: Option<unsafe extern "C" fn(thread: lkl_thread_t)>,

    /// The name of the shared page under a user address, for futex keys
    /// (see lkl_host.h); may be None.
    pub futex_shared_page: Option<unsafe extern "C" fn(uaddr: c_ulong) -> c_ulong>,

    /// The host's event counters as `name value` lines (see lkl_host.h);
    /// may be None.
    pub kernel_counters: Option<unsafe extern "C" fn(buf: *mut c_char, len: c_ulong) -> c_long>,

    /// Page-cache pages [first, last] of a mapped file leave the cache
    /// (see lkl_host.h); may be None.
    pub file_pages_gone: Option<unsafe extern "C" fn(mapping: c_ulong, first: c_ulong, last: c_ulong)>,

    /// Page-cache pages [first, last] of a mapped file are about to be
    /// written back (see lkl_host.h); may be None.
    pub file_pages_clean: Option<unsafe extern "C" fn(mapping: c_ulong, first: c_ulong, last: c_ulong)>,
    /// Another process's memory for access_remote_vm (see lkl_host.h);
    /// may be None.
    pub process_access:
        Option<unsafe extern "C" fn(host: c_ulong, addr: c_ulong, buf: *mut c_void, len: c_ulong, write: c_int) -> c_ulong>,
    /// How many pages of a process's address space are resident, by kind
    /// (`LKL_RSS_*`; see lkl_host.h); may be None.
    pub process_resident: Option<unsafe extern "C" fn(host: c_ulong, kind: c_int) -> c_ulong>,
    /// The last user of a process's address space is gone: its pages go
    /// back (see lkl_host.h); may be None.
    pub process_exit_mm: Option<unsafe extern "C" fn(host: c_ulong)>,
    /// Which pages of a process's range are backed now, for mincore
    /// (see lkl_host.h); may be None.
    pub process_incore: Option<unsafe extern "C" fn(host: c_ulong, addr: c_ulong, pages: c_ulong, vec: *mut u8)>,
    /// sem_up then sem_down in one (see lkl_host.h); may be None.
    pub sem_up_down: Option<unsafe extern "C" fn(up: *mut lkl_sem, down: *mut lkl_sem)>,
}

/// `process_resident`'s kinds.
pub const LKL_RSS_ANON: c_int = 0;
pub const LKL_RSS_FILE: c_int = 1;
pub const LKL_RSS_SHMEM: c_int = 2;

/// `lkl_vma_map`'s flags (and `lkl_vma_protect`'s first three).
pub const LKL_VMA_READ: c_ulong = 0x01;
pub const LKL_VMA_WRITE: c_ulong = 0x02;
pub const LKL_VMA_EXEC: c_ulong = 0x04;
pub const LKL_VMA_SHARED: c_ulong = 0x08;
pub const LKL_VMA_STACK: c_ulong = 0x10;
pub const LKL_VMA_FILE: c_ulong = 0x20;
pub const LKL_VMA_EXE: c_ulong = 0x40;

/// An opaque Linux task handle.
pub type lkl_task_t = c_ulong;

/// What `lkl_task_next_signal` hands back.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lkl_signal_delivery {
    pub signo: c_int,
    pub action: c_int,
    pub handler: c_ulong,
    pub flags: c_ulong,
    pub restorer: c_ulong,
    pub mask: c_ulong,
    pub old_mask: c_ulong,
    pub siginfo: [u8; 128],
    /// The task's sigaltstack before delivery (SS_AUTODISARM applied).
    pub ss_sp: c_ulong,
    pub ss_size: c_ulong,
    pub ss_flags: c_int,
}

pub const LKL_SIGACT_NONE: c_int = 0;
pub const LKL_SIGACT_HANDLER: c_int = 1;
pub const LKL_SIGACT_EXIT: c_int = 2;

// With the object linked, these are Linux's own entry points; without it
// (the port is not built yet) `unlinked` stands in so the crate still builds
// and every call reports that Linux is absent.
#[cfg(lkl_linked)]
extern "C" {
    pub fn lkl_init(ops: *const lkl_host_ops) -> c_int;
    pub fn lkl_start_kernel(cmdline: *const c_char) -> c_int;
    pub fn lkl_is_running() -> c_int;
    pub fn lkl_sys_halt() -> c_long;
    pub fn lkl_cleanup();
    pub fn lkl_syscall(no: c_long, params: *mut c_long) -> c_long;
    pub fn lkl_syscall_from_user(no: c_long, params: *mut c_long, signal_pending: *mut c_int) -> c_long;
    pub fn lkl_get_free_irq(user: *const c_char) -> c_int;
    pub fn lkl_put_irq(irq: c_int, user: *const c_char);
    pub fn lkl_trigger_irq(irq: c_int) -> c_int;
    pub fn lkl_console_input(buf: *const c_char, len: c_int) -> c_int;
    pub fn lkl_task_current() -> lkl_task_t;
    pub fn lkl_task_adopt(task: lkl_task_t) -> c_int;
    pub fn lkl_task_clone(clone_flags: c_ulong, exit_signal: c_int, pidfd: c_ulong, task: *mut lkl_task_t, tid: *mut c_int) -> c_long;
    pub fn lkl_task_exit(status: c_int, group: c_int);
    pub fn lkl_task_put(task: lkl_task_t);
    pub fn lkl_task_set_mm(task: lkl_task_t, host: c_ulong, layout: *const c_ulong) -> c_long;
    pub fn lkl_vma_map(task: lkl_task_t, start: c_ulong, end: c_ulong, flags: c_ulong, fd: c_int, offset: c_ulonglong) -> c_long;
    pub fn lkl_vma_unmap(task: lkl_task_t, start: c_ulong, end: c_ulong) -> c_long;
    pub fn lkl_vma_protect(task: lkl_task_t, start: c_ulong, end: c_ulong, prot: c_ulong) -> c_long;
    pub fn lkl_task_set_image(task: lkl_task_t, image: *const c_ulong) -> c_long;
    pub fn lkl_task_set_brk(task: lkl_task_t, brk: c_ulong) -> c_long;
    pub fn lkl_task_detach() -> lkl_task_t;
    pub fn lkl_task_signal_pending(task: lkl_task_t) -> c_int;
    pub fn lkl_task_next_signal(out: *mut lkl_signal_delivery) -> c_int;
    pub fn lkl_exec_image_info(info: *mut c_ulong) -> c_long;
    pub fn lkl_exec_take_image(image: *mut c_void, image_len: c_ulong, strings: *mut c_char, strings_len: c_ulong) -> c_long;
    pub fn lkl_file_map(fd: c_int, write: c_int, handle: *mut c_ulong, mapping: *mut c_ulong) -> c_long;
    pub fn lkl_file_put(handle: c_ulong);
    pub fn lkl_file_page(handle: c_ulong, index: c_ulong, write: c_int, phys: *mut c_ulong) -> c_long;
    pub fn lkl_file_page_release(handle: c_ulong, index: c_ulong, phys: c_ulong, dirtied: c_int) -> c_long;
    pub fn lkl_file_page_dirty(handle: c_ulong, index: c_ulong) -> c_long;
    pub fn lkl_file_sync(handle: c_ulong, start: c_ulonglong, end: c_ulonglong) -> c_long;
    pub fn lkl_user_pages_alloc(phys: *mut c_ulong, n: c_ulong) -> c_long;
    pub fn lkl_user_pages_free(phys: *const c_ulong, n: c_ulong) -> c_long;
    pub fn lkl_user_pages_total() -> c_ulong;
    pub fn lkl_panic_test() -> !;
}

#[cfg(not(lkl_linked))]
pub use crate::unlinked::*;

/// How many arguments `lkl_syscall` reads from `params`.
pub const LKL_SYSCALL_ARGS: usize = 6;

// Compile-time checks, generated by build.rs (gen/header.rs), that every
// field offset and size above is what gcc computes from lkl_host.h.
include!(concat!(env!("OUT_DIR"), "/ffi_check.rs"));
