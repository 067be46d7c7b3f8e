//! The personality's own calls, as the routing table (`route`) names
//! them: a process's address space (`memory`, `Route::Memory`) and a
//! thread's FS/GS base (`arch_prctl`, `Route::ThreadRegs`). Every other
//! call is served elsewhere (see `route`).

use cellux_abi::regs::UserRegs;

use crate::addrspace::AddressSpace;
use linux_abi::{Errno, TASK_SIZE_MAX};
use crate::forward::{Caller, Forward};
use crate::memory::Memory;
use crate::mmcalls;
use crate::route::Mm;

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;
const ARCH_GET_CPUID: u64 = 0x1011;
const ARCH_SET_CPUID: u64 = 0x1012;

/// The personality's state of one process (or of one thread's view of it).
#[derive(Debug, Clone)]
pub struct Process {
    pub space: AddressSpace,
    /// Linux thread id of the thread it serves (its pid for the first).
    pub tid: u64,
    /// Its calls are traced (`strace`): kept across fork, clone and exec
    /// unless the new image's environment says otherwise.
    pub trace: bool,
}

impl Process {
    pub fn new(space: AddressSpace, tid: u64) -> Self {
        Process { space, tid, trace: false }
    }
}

/// What to do with the trapped thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Resume with this value in rax.
    Return(i64),
    /// Resume with the register file as rewritten (rax included).
    Resume,
    /// The process is over; its wait status.
    Exit(u32),
}

fn ret(r: Result<u64, Errno>) -> Outcome {
    Outcome::Return(match r {
        Ok(v) => v as i64,
        Err(e) => e.as_return(),
    })
}

/// The syscall number of a trapped `syscall`. Linux takes it as the int in
/// eax (entry_64.S: movslq %eax), so high bits of rax are ignored:
/// 1<<32 | 39 is getpid. Every decoder of trapped calls uses this.
pub fn syscall_nr(rax: u64) -> i64 {
    rax as u32 as i64
}

/// Serves address-space call `call` trapped with `regs` (arguments in
/// rdi, rsi, rdx, r10, r8, r9). With several threads the host runs these
/// on the process's one `Process` and `Memory`, one at a time.
pub fn memory(call: Mm, p: &mut Process, regs: &UserRegs, mem: &mut dyn Memory, fwd: &mut dyn Forward) -> Outcome {
    let a = [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9];
    let caller = Caller { tid: p.tid };
    match call {
        Mm::Brk => Outcome::Return(mmcalls::brk(&mut p.space, mem, a[0]) as i64),
        Mm::Mmap => ret(mmcalls::mmap(&mut p.space, mem, fwd, caller, a)),
        Mm::Munmap => ret(mmcalls::munmap(&mut p.space, mem, a[0], a[1])),
        Mm::Mprotect => ret(mmcalls::mprotect(&mut p.space, mem, a[0], a[1], a[2])),
        Mm::Mremap => ret(mmcalls::mremap(&mut p.space, mem, a)),
        Mm::Madvise => ret(mmcalls::madvise(&mut p.space, mem, a[0], a[1], a[2])),
        Mm::Msync => ret(mmcalls::msync(&mut p.space, mem, a[0], a[1], a[2])),
    }
}

/// arch_prctl(code, addr) on the calling thread's registers.
pub fn arch_prctl(regs: &mut UserRegs, mem: &mut dyn Memory) -> Outcome {
    let (code, addr) = (regs.rdi, regs.rsi);
    let set = |regs: &mut UserRegs, fs: bool| {
        if addr >= TASK_SIZE_MAX {
            // FS/GS bases must stay in user space.
            return Outcome::Return(Errno::EPERM.as_return());
        }
        if fs { regs.fs_base = addr } else { regs.gs_base = addr }
        regs.rax = 0;
        Outcome::Resume
    };
    match code {
        ARCH_SET_FS => set(regs, true),
        ARCH_SET_GS => set(regs, false),
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS { regs.fs_base } else { regs.gs_base };
            ret(mem.write(addr, &v.to_le_bytes()).map(|()| 0))
        }
        // CPUID faulting (making CPUID trap for one thread) would take a
        // per-thread MSR switch in the kernel, which cellux does not offer:
        // answered as Linux does on a CPU without the feature, CPUID on
        // (1) and turning it off refused with ENODEV.
        ARCH_GET_CPUID => Outcome::Return(1),
        ARCH_SET_CPUID => Outcome::Return(Errno::ENODEV.as_return()),
        _ => Outcome::Return(Errno::EINVAL.as_return()),
    }
}

#[cfg(test)]
mod tests;
