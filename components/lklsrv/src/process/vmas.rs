//! Linux's view of each process's address space (`lkl::vmas`): Linux
//! keeps a VMA per mapping in the process's mm, so its own /proc/PID/
//! maps, status, statm and stat show the process as Linux would. A new
//! image is shown whole ([`show_image`]); the memory calls' changes are
//! told as they are made ([`LINUX`], installed as `cellux_process::view`);
//! a fork's child gets a copy of its parent's with the mm (Linux's
//! dup_mmap). Linux only shows what it is told: a failure to tell it
//! (out of memory) leaves the process as it is.

use cellux_personality::addrspace::{Backing, Effect};
use cellux_process::view::View;
use cellux_process::Proc;
use lkl::task::Task;
use lkl::vmas::{self, Image, Kind, Shows};

struct Linux;

/// The view the memory calls tell, in the calling thread's task.
pub static LINUX: &dyn View = &Linux;

/// What a mapping of `backing` shows, and whether it is MAP_SHARED.
fn shows(backing: Backing) -> (Shows, bool) {
    let fd = |f: u64| i32::try_from(f).unwrap_or(-1);
    match backing {
        Backing::Anonymous | Backing::Heap => (Shows::Anonymous, false),
        Backing::SharedAnonymous => (Shows::Anonymous, true),
        Backing::File { file, offset } => (Shows::File { fd: fd(file), offset }, false),
        Backing::SharedFile { file, offset } => (Shows::File { fd: fd(file), offset }, true),
    }
}

fn map(task: Option<Task>, start: u64, end: u64, prot: u32, backing: Backing) {
    let (what, shared) = shows(backing);
    let _ = vmas::map(task, start, end, Kind { prot, shared, stack: false }, what);
}

impl View for Linux {
    fn record(&self, e: &Effect) {
        let _ = match *e {
            Effect::Map { start, end, prot, backing } => {
                map(None, start, end, prot, backing);
                Ok(())
            }
            Effect::Unmap { start, end } => vmas::unmap(None, start, end),
            Effect::Protect { start, end, prot } => vmas::protect(None, start, end, prot),
        };
    }

    fn record_brk(&self, brk: u64) {
        let _ = vmas::set_brk(None, brk);
    }
}

/// Shows Linux the fresh image of `p`, whose task is `task`: its map,
/// the segments' file pages as mappings of the executable, the stack as
/// the stack, and where code, data, heap and stack lie.
pub fn show_image(p: &Proc, task: Task) {
    let t = Some(task);
    for (start, r) in p.linux.space.regions() {
        map(t, start, r.end, r.prot, r.backing);
    }
    let img = &p.image;
    for &(start, end, prot, offset) in &img.file_spans {
        let _ = vmas::map(t, start, end, Kind { prot, ..Kind::default() }, Shows::Executable { offset });
    }
    let (bottom, top) = img.stack;
    if let Some((_, r)) = p.linux.space.find(bottom) {
        let _ = vmas::map(t, bottom, top, Kind { prot: r.prot, shared: false, stack: true }, Shows::Anonymous);
    }
    let brk = p.linux.space.brk_current();
    let _ = vmas::set_image(
        t,
        &Image {
            start_code: img.start_code,
            end_code: img.end_code,
            start_data: img.start_data,
            end_data: img.end_data,
            start_brk: img.start_brk,
            brk,
            start_stack: img.start_stack,
        },
    );
}
