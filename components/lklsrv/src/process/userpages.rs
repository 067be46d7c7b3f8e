//! Linux's page allocator as the processes' pool of user frames
//! (`cellux_process::frames::Pool`, `lkl::userpages`): a process's private
//! and anonymous pages are pages of Linux's RAM, which is user memory of
//! our untyped range (one `page_alloc` grant), so processes, the page
//! cache and Linux's own allocations are one pool: MemFree tells the
//! truth, the page cache yields to processes, and when nothing is left
//! Linux's OOM killer chooses whom to kill.

use cellux_process::frames::Pool;
use cellux_rt::println;

struct Linux;

/// The pool `cellux_process::frames::install` is given at boot.
pub static LINUX: &dyn Pool = &Linux;

impl Pool for Linux {
    fn take(&self, out: &mut [u64]) -> usize {
        lkl::userpages::alloc(out).unwrap_or(0)
    }

    fn give(&self, frames: &[u64]) {
        // Every frame handed back is one Linux gave; a refusal is a bug
        // of ours, and the frame stays out of use rather than reused.
        if let Err(e) = lkl::userpages::free(frames) {
            println!("lkl server: Linux refused process frames given back: {:?}", e);
        }
    }

    fn limit(&self) -> u64 {
        lkl::userpages::total()
    }
}
