//! Other processes' memory for Linux (the `process_access` host op):
//! /proc/PID/cmdline, environ and mem read a process's memory through
//! Linux's access_remote_vm, which on cellux asks us (lkl/overlay/arch/lkl/
//! mm/remote.c), naming the address space by the id we gave its mm with
//! `lkl_task_set_mm`. Linux has made its permission checks by then.
//!
//! The host op runs while Linux's CPU is held, so it must not wait for a
//! slot's lock (its holder may be waiting for the CPU): the ids and page
//! tables are published here, lock-free, and a slot's address space is
//! withdrawn before it is destroyed, after any copy in progress is done.

use super::table::SLOTS;
use cellux_process::Proc;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst};
use lkl::task::Task;

/// The id of the address space each slot's process owns (0: none).
static IDS: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];
/// Its page table.
static PTS: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
/// Copies in progress from each slot's.
static USERS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
/// Ids are never reused, so a stale one names nothing.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Slot `i`'s process `p` has a new address space (a new process or a
/// new image), whose Linux task is `task`: names it for Linux, with
/// where the image's argument and environment strings lie.
/// With `fresh` (a new image, not a fork's copy, whose mm Linux copied
/// from the parent's) Linux is shown its mappings too.
pub fn publish(i: usize, p: &Proc, task: Task, fresh: bool) {
    let id = NEXT.fetch_add(1, SeqCst);
    PTS[i].store(p.pages.pt(), SeqCst);
    IDS[i].store(id, SeqCst);
    // A task without an mm (none here) has nothing to show.
    let _ = task.set_mm(id, Some(p.strings));
    if fresh {
        super::vmas::show_image(p, task);
    }
}

/// Slot `i`'s address space is about to go: no copy starts from it
/// after this returns, and none is still running.
pub fn withdraw(i: usize) {
    IDS[i].store(0, SeqCst);
    while USERS[i].load(SeqCst) != 0 {
        core::hint::spin_loop();
    }
}

/// Copies `len` bytes between `buf` and `addr` in the address space
/// `id` (into it if `write`); how many were copied before the first byte
/// that is not there or not writable; 0 if `id` names nothing.
pub fn access(id: u64, addr: u64, buf: u64, len: u64, write: bool) -> u64 {
    let Some(i) = IDS.iter().position(|s| s.load(SeqCst) == id) else { return 0 };
    USERS[i].fetch_add(1, SeqCst);
    // Withdrawn between the search and the count: nothing to copy.
    // A page not backed yet (or shared copy-on-write, for a write) is
    // backed as the process's own touch would, as Linux's get_user_pages
    // faults it in.
    let n = if IDS[i].load(SeqCst) == id {
        len - crate::host::uaccess::copy_in(PTS[i].load(SeqCst), addr, buf, len, write)
    } else {
        0
    };
    USERS[i].fetch_sub(1, SeqCst);
    n
}

/// How many pages of the address space `id` are resident, of kind `kind`
/// (0 anonymous, 1 file, 2 shared anonymous: lkl_host.h's LKL_RSS_*);
/// 0 if `id` names nothing.
pub fn resident(id: u64, kind: usize) -> u64 {
    let Some(i) = IDS.iter().position(|s| s.load(SeqCst) == id) else { return 0 };
    USERS[i].fetch_add(1, SeqCst);
    let counts = if IDS[i].load(SeqCst) == id { cellux_process::pages::resident(PTS[i].load(SeqCst)) } else { None };
    USERS[i].fetch_sub(1, SeqCst);
    counts.and_then(|c| c.get(kind).copied()).unwrap_or(0)
}

/// Linux let go of the address space `id` (its exit_mmap: the process
/// exited, or exec gave it a new image): its pages go back to Linux's
/// pool now, before the parent hears of the exit, as an MMU's exit_mmap
/// frees them; an OOM killer's victim must have freed its memory before
/// its parent goes on and allocates. The page table, its levels and the
/// rest wait for the reaper. Not while a vfork child still runs in it
/// (its own Linux mm is a copy, so Linux lets go of the parent's while
/// the child lives on in it, as a killed vfork parent's child does):
/// then the reaper gives the pages back once the child is done.
pub fn exit_mm(id: u64) {
    let Some(i) = IDS.iter().position(|s| s.load(SeqCst) == id) else { return };
    if super::table::borrowed(i) {
        return;
    }
    USERS[i].fetch_add(1, SeqCst);
    if IDS[i].load(SeqCst) == id {
        cellux_process::pages::clear_space(PTS[i].load(SeqCst));
    }
    USERS[i].fetch_sub(1, SeqCst);
}

/// Marks in `vec` (one byte a page from `addr`) the pages of the address
/// space `id` backed now, for mincore; backs nothing. Nothing if `id`
/// names nothing.
pub fn incore(id: u64, addr: u64, vec: &mut [u8]) {
    let Some(i) = IDS.iter().position(|s| s.load(SeqCst) == id) else { return };
    USERS[i].fetch_add(1, SeqCst);
    if IDS[i].load(SeqCst) == id {
        cellux_process::pages::backed(PTS[i].load(SeqCst), addr, vec);
    }
    USERS[i].fetch_sub(1, SeqCst);
}
