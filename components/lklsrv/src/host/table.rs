//! The host-operations table Linux runs on: each entry is a thin C-ABI
//! shim over the module that maps it onto the kernel. The shims' safety
//! contract is `lkl/include/cellux/lkl_host.h` (see `host`).

use crate::host::timer;
use crate::host::mem;
use crate::host::iomem;
use crate::host::sync;
use crate::host::thread;
use crate::host::tls;
use crate::host::uaccess;
use cellux_rt::print;
use core::ffi::{c_char, c_int, c_ulong, c_ulonglong, c_void};
use lkl::ffi::{lkl_host_ops, lkl_mutex, lkl_sem, lkl_thread_t, lkl_timer, lkl_tls_key};

unsafe extern "C" fn print(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: Linux passes `len` readable bytes.
    print::bytes(unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) });
}

unsafe extern "C" fn panic() {
    print::bytes(b"lkl server: Linux panicked\n");
    // Our fault handler (the booter) reports it and powers off with the
    // status of a fault in a component the system cannot go on without.
    cellux_rt::fault_here()
}

fn boxed<T>(v: T) -> *mut T {
    let p = mem::alloc(core::mem::size_of::<T>() as u64) as *mut T;
    if !p.is_null() {
        // SAFETY: fresh, large enough, 16-byte aligned.
        unsafe { p.write(v) };
    }
    p
}

unsafe extern "C" fn sem_alloc(count: c_int) -> *mut lkl_sem {
    boxed(sync::Sem::new(count as i64)) as *mut lkl_sem
}
unsafe extern "C" fn sem_free(s: *mut lkl_sem) {
    // SAFETY: from sem_alloc; no waiter remains (Linux's contract).
    unsafe { mem::free(s as *mut u8) }
}
unsafe extern "C" fn sem_up(s: *mut lkl_sem) {
    // SAFETY: from sem_alloc and live.
    unsafe { &*(s as *const sync::Sem) }.up()
}
unsafe extern "C" fn sem_down(s: *mut lkl_sem) {
    // SAFETY: from sem_alloc and live.
    unsafe { &*(s as *const sync::Sem) }.down()
}

unsafe extern "C" fn sem_up_down(up: *mut lkl_sem, down: *mut lkl_sem) {
    // SAFETY: both from sem_alloc and live.
    let (up, down) = unsafe { (&*(up as *const sync::Sem), &*(down as *const sync::Sem)) };
    sync::up_down(up, down)
}

unsafe extern "C" fn mutex_alloc(recursive: c_int) -> *mut lkl_mutex {
    boxed(sync::Mutex::new(recursive != 0)) as *mut lkl_mutex
}
unsafe extern "C" fn mutex_free(m: *mut lkl_mutex) {
    // SAFETY: from mutex_alloc, unheld.
    unsafe { mem::free(m as *mut u8) }
}
unsafe extern "C" fn mutex_lock(m: *mut lkl_mutex) {
    // SAFETY: from mutex_alloc and live.
    unsafe { &*(m as *const sync::Mutex) }.lock()
}
unsafe extern "C" fn mutex_unlock(m: *mut lkl_mutex) {
    // SAFETY: from mutex_alloc and live.
    unsafe { &*(m as *const sync::Mutex) }.unlock()
}

unsafe extern "C" fn thread_create(f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void) -> lkl_thread_t {
    thread::spawn(f, arg).unwrap_or(0) as lkl_thread_t
}
unsafe extern "C" fn thread_exit() {
    thread::exit_current()
}
unsafe extern "C" fn thread_join(t: lkl_thread_t) -> c_int {
    if thread::join(t as u64).is_ok() { 0 } else { -1 }
}
unsafe extern "C" fn thread_self() -> lkl_thread_t {
    thread::current() as lkl_thread_t
}
unsafe extern "C" fn thread_equal(a: lkl_thread_t, b: lkl_thread_t) -> c_int {
    (a == b) as c_int
}

unsafe extern "C" fn tls_alloc(d: Option<unsafe extern "C" fn(*mut c_void)>) -> *mut lkl_tls_key {
    tls::alloc(d).unwrap_or(0) as *mut lkl_tls_key
}
unsafe extern "C" fn tls_free(k: *mut lkl_tls_key) {
    tls::free(k as usize)
}
unsafe extern "C" fn tls_set(k: *mut lkl_tls_key, v: *mut c_void) -> c_int {
    if tls::set(k as usize, v) { 0 } else { -1 }
}
unsafe extern "C" fn tls_get(k: *mut lkl_tls_key) -> *mut c_void {
    tls::get(k as usize)
}

unsafe extern "C" fn mem_alloc(size: c_ulong) -> *mut c_void {
    mem::alloc(size as u64) as *mut c_void
}
unsafe extern "C" fn mem_free(p: *mut c_void) {
    // SAFETY: from mem_alloc (Linux's contract).
    unsafe { mem::free(p as *mut u8) }
}
unsafe extern "C" fn page_alloc(size: c_ulong) -> *mut c_void {
    mem::pages(size as u64) as *mut c_void
}
unsafe extern "C" fn page_free(addr: *mut c_void, size: c_ulong) {
    mem::free_pages(addr as u64, size as u64)
}

unsafe extern "C" fn time() -> c_ulonglong {
    timer::now_ns()
}
unsafe extern "C" fn timer_alloc(f: unsafe extern "C" fn()) -> *mut lkl_timer {
    timer::alloc(f) as *mut lkl_timer
}
unsafe extern "C" fn timer_set_oneshot(t: *mut lkl_timer, delta_ns: c_ulong) -> c_int {
    // SAFETY: from timer_alloc and not freed.
    timer::set(unsafe { &*(t as *const timer::Timer) }, delta_ns as u64);
    0
}
unsafe extern "C" fn timer_free(t: *mut lkl_timer) {
    if !t.is_null() {
        // SAFETY: from timer_alloc; its thread frees it after this.
        timer::free(unsafe { &*(t as *const timer::Timer) })
    }
}

unsafe extern "C" fn ioremap(addr: c_ulong, size: c_ulong) -> *mut c_void {
    iomem::ioremap(addr as u64, size as u64) as *mut c_void
}
unsafe extern "C" fn iomem_access(addr: *const c_void, val: *mut c_void, size: c_int, write: c_int) -> c_int {
    const EINVAL: c_int = 22;
    if val.is_null() || !matches!(size, 1 | 2 | 4 | 8) {
        return -EINVAL;
    }
    let mut v = 0u64;
    if write != 0 {
        // SAFETY: `val` holds `size` bytes (Linux's contract).
        unsafe { core::ptr::copy_nonoverlapping(val as *const u8, &mut v as *mut u64 as *mut u8, size as usize) };
    }
    if iomem::access(addr as u64, &mut v, size as u64, write != 0).is_err() {
        return -EINVAL;
    }
    if write == 0 {
        // SAFETY: `val` has room for `size` bytes (Linux's contract).
        unsafe { core::ptr::copy_nonoverlapping(&v as *const u64 as *const u8, val as *mut u8, size as usize) };
    }
    0
}


unsafe extern "C" fn copy_from_user(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong {
    uaccess::copy(from as u64, to as u64, n as u64, false) as c_ulong
}
unsafe extern "C" fn copy_to_user(to: *mut c_void, from: *const c_void, n: c_ulong) -> c_ulong {
    uaccess::copy(to as u64, from as u64, n as u64, true) as c_ulong
}

unsafe extern "C" fn futex_shared_page(uaddr: c_ulong) -> c_ulong {
    uaccess::shared_page(uaddr as u64) as c_ulong
}

unsafe extern "C" fn file_pages_gone(mapping: c_ulong, first: c_ulong, last: c_ulong) {
    cellux_process::filecache::pages_gone(mapping as u64, first as u64, last as u64)
}

unsafe extern "C" fn file_pages_clean(mapping: c_ulong, first: c_ulong, last: c_ulong) {
    cellux_process::filecache::pages_clean(mapping as u64, first as u64, last as u64)
}

unsafe extern "C" fn process_access(host: c_ulong, addr: c_ulong, buf: *mut c_void, len: c_ulong, write: c_int) -> c_ulong {
    crate::process::remote::access(host as u64, addr as u64, buf as u64, len as u64, write != 0) as c_ulong
}

unsafe extern "C" fn process_resident(host: c_ulong, kind: c_int) -> c_ulong {
    usize::try_from(kind).map_or(0, |k| crate::process::remote::resident(host as u64, k)) as c_ulong
}

unsafe extern "C" fn process_exit_mm(host: c_ulong) {
    crate::process::remote::exit_mm(host as u64)
}

unsafe extern "C" fn process_incore(host: c_ulong, addr: c_ulong, pages: c_ulong, vec: *mut u8) {
    if vec.is_null() {
        return;
    }
    // SAFETY: Linux hands a buffer of `pages` bytes of its own (mincore's
    // page of results), which nothing else touches during the call.
    let vec = unsafe { core::slice::from_raw_parts_mut(vec, pages as usize) };
    crate::process::remote::incore(host as u64, addr as u64, vec)
}

/// The table, with `devices` (NUL-terminated `virtio_mmio.device=` words,
/// or null) for the command line. Leaked: Linux keeps it until the end.
pub fn table(devices: *const c_char) -> Option<&'static lkl_host_ops> {
    let t = boxed(lkl_host_ops {
        print: Some(print),
        panic: Some(panic),
        sem_alloc: Some(sem_alloc),
        sem_free: Some(sem_free),
        sem_up: Some(sem_up),
        sem_down: Some(sem_down),
        mutex_alloc: Some(mutex_alloc),
        mutex_free: Some(mutex_free),
        mutex_lock: Some(mutex_lock),
        mutex_unlock: Some(mutex_unlock),
        thread_create: Some(thread_create),
        thread_exit: Some(thread_exit),
        thread_join: Some(thread_join),
        thread_self: Some(thread_self),
        thread_equal: Some(thread_equal),
        tls_alloc: Some(tls_alloc),
        tls_free: Some(tls_free),
        tls_set: Some(tls_set),
        tls_get: Some(tls_get),
        mem_alloc: Some(mem_alloc),
        mem_free: Some(mem_free),
        page_alloc: Some(page_alloc),
        page_free: Some(page_free),
        phys_offset: crate::host::region::PHYS_BASE as c_ulong,
        time: Some(time),
        timer_alloc: Some(timer_alloc),
        timer_set_oneshot: Some(timer_set_oneshot),
        timer_free: Some(timer_free),
        ioremap: Some(ioremap),
        iomem_access: Some(iomem_access),
        jmp_buf_set: Some(lkl::jmp::jmp_buf_set),
        jmp_buf_longjmp: Some(lkl::jmp::jmp_buf_longjmp),
        copy_from_user: Some(copy_from_user),
        copy_to_user: Some(copy_to_user),
        virtio_devices: devices,
        console_write: Some(crate::host::console::console_write),
        signal_kick: Some(crate::process::sigkick::signal_kick),
        futex_shared_page: Some(futex_shared_page),
        kernel_counters: Some(crate::host::counters::kernel_counters),
        file_pages_gone: Some(file_pages_gone),
        file_pages_clean: Some(file_pages_clean),
        process_access: Some(process_access),
        process_resident: Some(process_resident),
        process_exit_mm: Some(process_exit_mm),
        process_incore: Some(process_incore),
        sem_up_down: Some(sem_up_down),
    });
    // SAFETY: `boxed` returned a live, initialized table or null.
    unsafe { t.as_ref() }
}
