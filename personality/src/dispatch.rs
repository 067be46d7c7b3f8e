//! The entry point for a trapped `syscall`: calls about the process's own
//! address space and thread are served here, everything else goes to the
//! [`Forward`] hook (the LKL server). Numbers Linux does not define are
//! -ENOSYS without a round trip.

use cellux_abi::regs::UserRegs;

use crate::addrspace::AddressSpace;
use crate::errno::Errno;
use crate::fault;
use crate::forward::{Caller, Forward};
use crate::memory::Memory;
use crate::{mmcalls, sysno};

/// Linux's TASK_SIZE_MAX: FS/GS bases must stay below it.
const TASK_SIZE_MAX: u64 = 0x7fff_ffff_f000;

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;

/// The personality's state of one single-threaded process.
#[derive(Debug, Clone)]
pub struct Process {
    pub space: AddressSpace,
    /// Linux thread id of its thread (= its pid).
    pub tid: u64,
    /// set_tid_address: cleared (and futex-woken) when the thread ends.
    pub clear_child_tid: u64,
}

impl Process {
    pub fn new(space: AddressSpace, tid: u64) -> Self {
        Process { space, tid, clear_child_tid: 0 }
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
pub fn syscall_nr(regs: &UserRegs) -> u64 {
    regs.rax as u32 as u64
}

/// Whether call `nr` changes the process's address space (its map and
/// page table): with several threads, the host runs these on the
/// process's one `Process` and `Memory`, one at a time, while every other
/// call runs on the calling thread alone.
pub fn changes_address_space(nr: u64) -> bool {
    matches!(nr, sysno::BRK | sysno::MMAP | sysno::MUNMAP | sysno::MPROTECT | sysno::MREMAP | sysno::MADVISE)
}

/// Serves the syscall trapped with `regs` (number in eax, arguments in
/// rdi, rsi, rdx, r10, r8, r9).
pub fn syscall(p: &mut Process, regs: &mut UserRegs, mem: &mut dyn Memory, fwd: &mut dyn Forward) -> Outcome {
    let nr = syscall_nr(regs);
    let a = [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9];
    let caller = Caller { tid: p.tid };
    match nr {
        sysno::BRK => Outcome::Return(mmcalls::brk(&mut p.space, mem, a[0]) as i64),
        sysno::MMAP => ret(mmcalls::mmap(&mut p.space, mem, fwd, caller, a)),
        sysno::MUNMAP => ret(mmcalls::munmap(&mut p.space, mem, a[0], a[1])),
        sysno::MPROTECT => ret(mmcalls::mprotect(&mut p.space, mem, a[0], a[1], a[2])),
        sysno::MREMAP => ret(mmcalls::mremap(&mut p.space, mem, a)),
        sysno::MADVISE => ret(mmcalls::madvise(&mut p.space, mem, a[0], a[1], a[2])),
        sysno::ARCH_PRCTL => arch_prctl(regs, mem, a[0], a[1]),
        sysno::SET_TID_ADDRESS => {
            p.clear_child_tid = a[0];
            Outcome::Return(p.tid as i64)
        }
        // One thread per process for now: exit and exit_group both end it.
        sysno::EXIT | sysno::EXIT_GROUP => {
            // As Linux's mm_release: a bad pointer here is ignored.
            if p.clear_child_tid != 0 {
                let _ = mem.write(p.clear_child_tid, &0u32.to_le_bytes());
            }
            Outcome::Exit(fault::exited(a[0]))
        }
        n if n >= sysno::NR_SYSCALLS => Outcome::Return(Errno::ENOSYS.as_return()),
        n => Outcome::Return(fwd.syscall(caller, n, a, mem)),
    }
}

fn arch_prctl(regs: &mut UserRegs, mem: &mut dyn Memory, code: u64, addr: u64) -> Outcome {
    let set = |regs: &mut UserRegs, fs: bool| {
        if addr >= TASK_SIZE_MAX {
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
        _ => Outcome::Return(Errno::EINVAL.as_return()),
    }
}

#[cfg(test)]
mod tests;
