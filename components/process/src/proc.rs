//! One process as its handler keeps it: its capabilities (in the
//! handler's table), its page table, the personality's state, and how it
//! ended.

use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{ct_op, thd_op, THD_DEAD};
use cellux_abi::regs::UserRegs;
use cellux_personality::dispatch::Process;
use cellux_rt::{mem, slots, sys};

use crate::pages::Pages;

/// Where a new process thread starts: the kernel enters a new thread at
/// its component's entry with rsp = 0 (the Composite upcall convention),
/// which is no state for a Linux program to start in. So the thread is
/// made to start at this never-mapped address; its first page fault there
/// comes to the handler, which writes the full initial register file
/// (entry, stack pointer, zeroed registers) and resumes it.
pub const START_TRAP_RIP: u64 = 0;

/// How a process ended, beyond its wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub vector: u64,
    pub rip: u64,
    pub addr: u64,
}

pub struct Proc {
    pub linux: Process,
    pub pages: Pages,
    pub ct: u32,
    pub comp: u32,
    /// The exception gate (sinv into the handler) registered for it.
    pub gate: u32,
    /// Its thread, once started.
    pub thd: Option<u32>,
    pub tid: Option<u64>,
    pub entry: u64,
    pub sp: u64,
    pub started: bool,
    /// The register file its thread starts with when not a fresh image's
    /// (a forked child: its parent's at the fork, rax = 0).
    pub start_regs: Option<UserRegs>,
    /// Wait status once it has ended.
    pub status: Option<u32>,
    pub fault: Option<Fault>,
}

impl Proc {
    /// Creates its thread (reporting to our scheduler). Call once the
    /// handler can find this process by the gate's token.
    pub fn start(&mut self) -> Result<u64, cellux_abi::err::Error> {
        let thd = slots::alloc();
        let kf = mem::kernel_frame()?;
        let tid = sys::op(boot_slot::SELF_CT, ct_op::NEW_THD, [thd as u64, self.comp as u64, kf, START_TRAP_RIP, 0, 0])?;
        self.thd = Some(thd);
        self.tid = Some(tid);
        Ok(tid)
    }

    /// Whether its thread has ended (or never existed).
    pub fn thread_dead(&self) -> bool {
        self.thd.is_none_or(|t| sys::op(t, thd_op::STATE, [0; 6]) == Ok(THD_DEAD))
    }

    /// Gives back its memory and capabilities; its thread must be dead.
    pub fn destroy(mut self) {
        self.pages.clear();
        let own = boot_slot::SELF_CT;
        let pt = self.pages.pt();
        for s in self.thd.into_iter().chain([self.comp, self.gate, pt, self.ct]) {
            if sys::op(own, ct_op::REMOVE, [s as u64, 0, 0, 0, 0, 0]).is_ok() {
                slots::free(s);
            }
        }
    }
}
