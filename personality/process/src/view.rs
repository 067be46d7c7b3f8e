//! Linux's view of a process's address space: the handler's Linux keeps
//! VMAs for each process's mappings (its own /proc/PID/maps, status,
//! statm and stat show them), told every change the memory calls make
//! ([`View`]). Without a view installed, nothing is told.

use cellux_personality::addrspace::Effect;
use cellux_rt::sync::SpinLocked;

/// Where the changes go: the handler's Linux, in the calling thread's
/// task (whose mm is the process's).
pub trait View: Sync {
    /// `e` has just been applied to the process's map.
    fn record(&self, e: &Effect);
    /// The program break is now `brk`.
    fn record_brk(&self, brk: u64);
}

static VIEW: SpinLocked<Option<&'static dyn View>> = SpinLocked::new(None);

/// Installs the view (once, at start).
pub fn install(view: &'static dyn View) {
    VIEW.with(|v| *v = Some(view));
}

pub(crate) fn installed() -> Option<&'static dyn View> {
    VIEW.with(|v| *v)
}
