//! One process as its handler keeps it: its capabilities (in the
//! handler's table) and the kernel frames their objects live in, its page
//! table, the personality's state, and how it ended.

use alloc::vec::Vec;
use cellux_abi::layout::boot_slot;
use cellux_abi::ops::{COMP_LINUX_ABI, THD_DEAD};
use cellux_rt::cap::{Captbl, Comp, Thd};
use cellux_abi::regs::UserRegs;
use cellux_personality::addrspace::AddressSpace;
use cellux_personality::dispatch::Process;
use cellux_rt::slots;

use crate::frames;
use crate::pages::Pages;
use crate::spawn::{Image, SpawnError};

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
    /// Where the image's argument and environment strings lie on its
    /// initial stack: [arg_start, arg_end, env_start, env_end], which Linux
    /// is told for /proc/PID/cmdline and environ.
    pub strings: [u64; 4],
    /// Where its image lies, for Linux's view of its address space.
    pub image: Image,
    pub started: bool,
    /// The register file its thread starts with when not a fresh image's
    /// (a forked child: its parent's at the fork, rax = 0).
    pub start_regs: Option<UserRegs>,
    /// Wait status once it has ended.
    pub status: Option<u32>,
    pub fault: Option<Fault>,
    /// Kernel frames of its objects (capability table, page-table root,
    /// component, thread), given back with them.
    pub kframes: Vec<u64>,
}

/// A new process's component before it has a thread: its capabilities,
/// its page table and the kernel frames they took.
pub(crate) struct Shell {
    pub ct: u32,
    pub comp: u32,
    pub pages: Pages,
    pub kframes: Vec<u64>,
}

/// Builds a Linux-ABI component trapping to `gate`: a capability table
/// (a process holds no capabilities: one page of empty slots), a page
/// table `fill` fills, then the component. On an error nothing of it
/// stays: frames and slots go back.
pub(crate) fn shell<T>(gate: u32, fill: impl FnOnce(&mut Pages) -> Result<T, SpawnError>) -> Result<(Shell, T), SpawnError> {
    let own = boot_slot::SELF_CT;
    let (ct, pt, comp) = (slots::alloc(), slots::alloc(), slots::alloc());
    let mut pages = Pages::new(pt);
    let mut kframes = Vec::new();
    let r = (|| {
        Captbl(own).new_captbl(ct, kframe(&mut kframes)?, 1)?;
        Captbl(own).new_pgtbl(pt, kframe(&mut kframes)?)?;
        let v = fill(&mut pages)?;
        let kf = kframe(&mut kframes)?;
        Captbl(own).new_comp(comp, ct, pt, kf, COMP_LINUX_ABI)?;
        Comp(comp).set_handler(gate)?;
        Ok(v)
    })();
    match r {
        Ok(v) => Ok((Shell { ct, comp, pages, kframes }, v)),
        Err(e) => {
            give_back(&mut pages, [comp, pt, ct], kframes);
            Err(e)
        }
    }
}

/// A kernel frame for a new object, noted in `kframes` to go back with it.
fn kframe(kframes: &mut Vec<u64>) -> Result<u64, SpawnError> {
    let kf = frames::kernel()?;
    kframes.push(kf);
    Ok(kf)
}

/// Unmaps `pages`, removes the capabilities `caps` and frees their slots
/// (empty ones too: a half-built process has some), then gives back the
/// kernel frames of the objects that go with them.
fn give_back(pages: &mut Pages, caps: impl IntoIterator<Item = u32>, kframes: Vec<u64>) {
    pages.retire();
    let own = boot_slot::SELF_CT;
    for s in caps {
        let _ = Captbl(own).remove(s);
        slots::free(s);
    }
    for k in kframes.into_iter().chain(pages.take_levels()) {
        frames::free_kernel(k);
    }
}

impl Proc {
    /// Creates its thread (reporting to our scheduler). Call once the
    /// handler can find this process by the gate's token.
    pub fn start(&mut self) -> Result<u64, cellux_abi::err::Error> {
        let thd = slots::alloc();
        let kf = frames::kernel()?;
        let tid = match Captbl(boot_slot::SELF_CT).new_thd(thd, self.comp, kf, START_TRAP_RIP, 0, 0) {
            Ok(t) => t,
            Err(e) => {
                slots::free(thd);
                frames::free_kernel(kf);
                return Err(e);
            }
        };
        self.kframes.push(kf);
        self.thd = Some(thd);
        self.tid = Some(tid);
        Ok(tid)
    }

    /// A thread's handle on this process: the same component and page
    /// table and backing (so user copies, signal frames and page faults
    /// reach the same memory), a Linux tid and start registers (None: the
    /// image's entry) of its own, and no share of the personality's map
    /// (`linux.space` is empty): calls that change the address space must
    /// go to the process's own `Proc`. It owns nothing but its
    /// thread, so it ends with [`Proc::drop_view`], never `destroy`.
    pub fn thread_view(&self, tid: u64, regs: Option<UserRegs>) -> Proc {
        let mut linux = Process::new(AddressSpace::new(0, 0), tid);
        linux.trace = self.linux.trace;
        Proc {
            linux,
            pages: self.pages.view(),
            ct: self.ct,
            comp: self.comp,
            gate: self.gate,
            thd: None,
            tid: None,
            entry: self.entry,
            sp: self.sp,
            strings: self.strings,
            image: Image::default(),
            started: false,
            start_regs: regs,
            status: None,
            fault: None,
            kframes: Vec::new(),
        }
    }

    /// Gives back what a thread view holds once its thread is dead and
    /// the thread's capability (`thd`, the caller's to remove) is gone:
    /// the thread's kernel frame.
    pub fn drop_view(self) {
        for k in self.kframes {
            frames::free_kernel(k);
        }
    }

    /// Whether its thread has ended (or never existed).
    pub fn thread_dead(&self) -> bool {
        self.thd.is_none_or(|t| Thd(t).state() == Ok(THD_DEAD))
    }

    /// Gives back its memory, capabilities and kernel frames; its thread
    /// must be dead.
    pub fn destroy(mut self) {
        let pt = self.pages.pt();
        let caps = self.thd.into_iter().chain([self.comp, self.gate, pt, self.ct]);
        give_back(&mut self.pages, caps, core::mem::take(&mut self.kframes));
    }
}
