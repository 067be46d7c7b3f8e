//! The hosted `lkl_host_ops` table.

use crate::jmp;
use super::{console, counters, iomem, mem, sync, thread, timer, tls, uaccess};
use crate::ffi::lkl_host_ops;
use core::ffi::{c_char, c_int};
use std::ffi::CString;

unsafe extern "C" fn print(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: Linux passes `len` readable bytes at `s`.
    let bytes = unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) };
    console::write(bytes);
}

unsafe extern "C" fn panic() {
    eprintln!("lkl: Linux panicked; its log ends with:");
    let log = console::log();
    let tail = log.len().saturating_sub(4000);
    eprintln!("{}", &log[log.ceil_char_boundary(tail)..]);
    std::process::abort();
}

/// A fresh table for this process (Linux keeps the pointer, so it is
/// leaked). `virtio_devices` is the `virtio_mmio.device=...` words.
pub fn ops(virtio_devices: Option<CString>) -> &'static lkl_host_ops {
    console::init_from_env();
    uaccess::install();
    let devices = virtio_devices.map_or(core::ptr::null(), |c| c.into_raw() as *const c_char);
    Box::leak(Box::new(lkl_host_ops {
        print: Some(print),
        panic: Some(panic),
        sem_alloc: Some(sync::sem_alloc),
        sem_free: Some(sync::sem_free),
        sem_up: Some(sync::sem_up),
        sem_down: Some(sync::sem_down),
        mutex_alloc: Some(sync::mutex_alloc),
        mutex_free: Some(sync::mutex_free),
        mutex_lock: Some(sync::mutex_lock),
        mutex_unlock: Some(sync::mutex_unlock),
        thread_create: Some(thread::thread_create),
        thread_exit: Some(thread::thread_exit),
        thread_join: Some(thread::thread_join),
        thread_self: Some(thread::thread_self),
        thread_equal: Some(thread::thread_equal),
        tls_alloc: Some(tls::tls_alloc),
        tls_free: Some(tls::tls_free),
        tls_set: Some(tls::tls_set),
        tls_get: Some(tls::tls_get),
        mem_alloc: Some(mem::mem_alloc),
        mem_free: Some(mem::mem_free),
        page_alloc: Some(mem::page_alloc),
        page_free: Some(mem::page_free),
        // Hosted Linux's devices are the host's files: no DMA.
        phys_offset: 0,
        time: Some(timer::time),
        timer_alloc: Some(timer::timer_alloc),
        timer_set_oneshot: Some(timer::timer_set_oneshot),
        timer_free: Some(timer::timer_free),
        ioremap: Some(iomem::ioremap),
        iomem_access: Some(iomem::iomem_access),
        jmp_buf_set: Some(jmp::jmp_buf_set),
        jmp_buf_longjmp: Some(jmp::jmp_buf_longjmp),
        copy_from_user: Some(uaccess::copy_from_user),
        copy_to_user: Some(uaccess::copy_to_user),
        virtio_devices: devices,
        console_write: Some(console::tty_write),
        // Hosted processes do not run user code of their own.
        signal_kick: None,
        futex_shared_page: None,
        kernel_counters: Some(counters::kernel_counters),
        // No process maps page-cache pages on the hosted host.
        file_pages_gone: None,
        file_pages_clean: None,
        // Hosted Linux runs no processes of the host's.
        process_access: None,
        process_resident: None,
        process_exit_mm: None,
        process_incore: None,
        sem_up_down: None,
    }))
}
