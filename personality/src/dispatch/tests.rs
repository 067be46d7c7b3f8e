use super::*;
use crate::route::Route;
use linux_abi::nr;
use crate::addrspace::{map, prot, Backing, Effect};
use std::collections::BTreeMap;
use std::vec;
use std::vec::Vec;

const RW: u64 = (prot::READ | prot::WRITE) as u64;
const ANON: u64 = (map::PRIVATE | map::ANONYMOUS) as u64;
const P: u64 = 4096;

/// A page table in a map: page -> (bytes, prot).
#[derive(Default)]
struct FakeMem {
    pages: BTreeMap<u64, (Vec<u8>, u32)>,
    /// map_file calls: (start, end, prot, fd, offset).
    files: Vec<(u64, u64, u32, u64, u64)>,
    /// sync calls: (start, end, wait).
    syncs: Vec<(u64, u64, bool)>,
    /// What Linux's view was told: the effects, then breaks.
    recorded: Vec<Effect>,
    breaks: Vec<u64>,
}

impl FakeMem {
    fn access(&mut self, addr: u64, len: usize, write: bool, mut f: impl FnMut(&mut [u8], usize, usize)) -> Result<(), Errno> {
        let mut done = 0;
        while done < len {
            let a = addr + done as u64;
            let (page, off) = (a & !(P - 1), (a % P) as usize);
            let (bytes, p) = self.pages.get_mut(&page).ok_or(Errno::EFAULT)?;
            if *p == 0 || (write && *p & prot::WRITE == 0) {
                return Err(Errno::EFAULT);
            }
            let n = (P as usize - off).min(len - done);
            f(&mut bytes[off..off + n], done, n);
            done += n;
        }
        Ok(())
    }
}

impl Memory for FakeMem {
    fn map(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno> {
        for p in (start..end).step_by(P as usize) {
            self.pages.insert(p, (vec![0; P as usize], prot));
        }
        Ok(())
    }
    fn map_file(&mut self, start: u64, end: u64, prot: u32, fd: u64, offset: u64) -> Result<(), Errno> {
        // fd 7 is open, but its file cannot be mapped (a device).
        if fd != 3 {
            return Err(if fd == 7 { Errno::ENODEV } else { Errno::EBADF });
        }
        self.files.push((start, end, prot, fd, offset));
        self.map(start, end, prot)
    }
    fn may_protect(&mut self, start: u64, _: u64, prot: u32) -> Result<(), Errno> {
        // The file is open read-only.
        let shows_file = self.files.iter().any(|f| f.0 <= start && start < f.1);
        if shows_file && prot & prot::WRITE != 0 { Err(Errno::EACCES) } else { Ok(()) }
    }
    fn sync(&mut self, start: u64, end: u64, wait: bool) -> Result<(), Errno> {
        self.syncs.push((start, end, wait));
        Ok(())
    }
    fn unmap(&mut self, start: u64, end: u64) {
        self.pages.retain(|&p, _| p < start || p >= end);
    }
    fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), Errno> {
        for (_, v) in self.pages.range_mut(start..end) {
            v.1 = prot;
        }
        Ok(())
    }
    fn zero(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        for (_, v) in self.pages.range_mut(start..end) {
            v.0.fill(0);
        }
        Ok(())
    }
    fn record(&mut self, e: &Effect) {
        self.recorded.push(*e);
    }
    fn record_brk(&mut self, brk: u64) {
        self.breaks.push(brk);
    }
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.access(addr, buf.len(), false, |b, at, n| buf[at..at + n].copy_from_slice(b))
    }
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.access(addr, buf.len(), true, |b, at, n| b.copy_from_slice(&buf[at..at + n]))
    }
}

#[derive(Default)]
struct Fwd {
    seen: Vec<i64>,
}

impl Forward for Fwd {
    fn syscall(&mut self, _: Caller, nr: i64, a: [u64; 6], mem: &mut dyn Memory) -> i64 {
        self.seen.push(nr);
        // The open files mmap asks about: 3 and 7 read-write, 5
        // write-only, 6 an O_PATH handle; no other.
        if nr == nr::FCNTL && a[1] == linux_abi::consts::F_GETFL as u64 {
            return match a[0] {
                3 | 7 => linux_abi::consts::O_RDWR,
                5 => linux_abi::consts::O_WRONLY,
                6 => linux_abi::consts::O_PATH,
                _ => Errno::EBADF.as_return(),
            };
        }
        // pread (a private mapping's copy) of file 3: 6000 bytes of i % 251.
        if nr == nr::PREAD64 {
            if a[0] != 3 {
                return Errno::EBADF.as_return();
            }
            let file: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
            let from = (a[3] as usize).min(file.len());
            let n = (a[2] as usize).min(file.len() - from);
            return match mem.write(a[1], &file[from..from + n]) {
                Ok(()) => n as i64,
                Err(e) => e.as_return(),
            };
        }
        // mlock (MAP_LOCKED): refused past a limit of 2 pages.
        if nr == nr::MLOCK {
            return if a[1] > 2 * 4096 { Errno::ENOMEM.as_return() } else { 0 };
        }
        -38
    }
}

struct World {
    p: Process,
    mem: FakeMem,
    fwd: Fwd,
    regs: UserRegs,
}

impl World {
    fn new() -> Self {
        let mut space = AddressSpace::new(0x60_0000, 0x7f00_0000_0000);
        space.insert(0x40_0000, 0x60_0000, prot::READ | prot::EXEC, crate::addrspace::Backing::Anonymous);
        World { p: Process::new(space, 7), mem: FakeMem::default(), fwd: Fwd::default(), regs: UserRegs::default() }
    }
    /// Traps with `rax` (a number as the tests spell it, i64 like
    /// `linux_abi::nr`, with whatever high bits a test puts in it).
    fn call(&mut self, rax: i64, a: [u64; 6]) -> Outcome {
        self.regs.rax = rax as u64;
        [self.regs.rdi, self.regs.rsi, self.regs.rdx, self.regs.r10, self.regs.r8, self.regs.r9] = a;
        // As the trap handler routes it (the personality's routes and
        // the two it answers without serving: Linux and refused).
        let nr = syscall_nr(self.regs.rax);
        match crate::route::route(nr) {
            Route::Memory(m) => memory(m, &mut self.p, &self.regs, &mut self.mem, &mut self.fwd),
            Route::ThreadRegs => arch_prctl(&mut self.regs, &mut self.mem),
            Route::Linux => Outcome::Return(self.fwd.syscall(Caller { tid: self.p.tid }, nr, a, &mut self.mem)),
            Route::Refused => Outcome::Return(Errno::ENOSYS.as_return()),
            r => panic!("not the personality's: {r:?}"),
        }
    }
    fn ret(&mut self, rax: i64, a: [u64; 6]) -> i64 {
        match self.call(rax, a) {
            Outcome::Return(v) => v,
            Outcome::Resume => self.regs.rax as i64,
            o => panic!("unexpected {o:?}"),
        }
    }
    fn poke(&mut self, addr: u64, v: u64) -> Result<(), Errno> {
        self.mem.write(addr, &v.to_le_bytes())
    }
    fn peek(&mut self, addr: u64) -> Result<u64, Errno> {
        let mut b = [0u8; 8];
        self.mem.read(addr, &mut b).map(|()| u64::from_le_bytes(b))
    }
}

#[test]
fn brk_grows_into_usable_memory_and_shrinks_it_away() {
    let mut w = World::new();
    let base = w.ret(nr::BRK, [0; 6]) as u64;
    assert_eq!(base, 0x60_0000);
    assert_eq!(w.ret(nr::BRK, [base + 3 * P, 0, 0, 0, 0, 0]) as u64, base + 3 * P);
    w.poke(base + 2 * P + 8, 99).unwrap();
    assert_eq!(w.peek(base + 2 * P + 8), Ok(99));
    assert_eq!(w.ret(nr::BRK, [base + P, 0, 0, 0, 0, 0]) as u64, base + P);
    assert_eq!(w.peek(base + 2 * P + 8), Err(Errno::EFAULT));
    assert_eq!(w.ret(nr::BRK, [0x10, 0, 0, 0, 0, 0]) as u64, base + P, "a refused brk reports the old break");
}

#[test]
fn mmap_fixed_replaces_with_zeroes_and_munmap_removes() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, 3 * P, RW, ANON, u64::MAX, 0]) as u64;
    for i in 0..3 {
        w.poke(a + i * P, 1 + i).unwrap();
    }
    let fixed = ANON | map::FIXED as u64;
    assert_eq!(w.ret(nr::MMAP, [a + P, P, RW, fixed, u64::MAX, 0]) as u64, a + P);
    assert_eq!((w.peek(a), w.peek(a + P), w.peek(a + 2 * P)), (Ok(1), Ok(0), Ok(3)));
    assert_eq!(w.ret(nr::MUNMAP, [a, 3 * P, 0, 0, 0, 0]), 0);
    assert_eq!(w.peek(a), Err(Errno::EFAULT));
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, ANON, u64::MAX, 1]), -22, "unaligned offset");
    assert_eq!(w.ret(nr::MMAP, [0, 0, RW, ANON, u64::MAX, 0]), -22, "zero length");
}

#[test]
fn mprotect_read_only_forbids_writes() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, 2 * P, RW, ANON, u64::MAX, 0]) as u64;
    w.poke(a, 5).unwrap();
    assert_eq!(w.ret(nr::MPROTECT, [a, P, prot::READ as u64, 0, 0, 0]), 0);
    assert_eq!(w.poke(a, 6), Err(Errno::EFAULT));
    assert_eq!(w.peek(a), Ok(5));
    assert!(w.poke(a + P, 6).is_ok(), "only the asked range changed");
    assert_eq!(w.ret(nr::MPROTECT, [a + 8 * P, P, 1, 0, 0, 0]), -12, "unmapped range");
}

#[test]
fn mremap_shrinks_grows_and_moves_keeping_contents() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, 2 * P, RW, ANON, u64::MAX, 0]) as u64;
    w.poke(a + P, 77).unwrap();
    // Something right above blocks growth in place.
    let fixed = ANON | map::FIXED as u64;
    w.ret(nr::MMAP, [a + 2 * P, P, RW, fixed, u64::MAX, 0]);
    assert_eq!(w.ret(nr::MREMAP, [a, 2 * P, 4 * P, 0, 0, 0]), -12, "no room and no MAYMOVE");
    let b = w.ret(nr::MREMAP, [a, 2 * P, 4 * P, 1, 0, 0]) as u64;
    assert_ne!(b, a);
    assert_eq!(w.peek(b + P), Ok(77));
    assert_eq!(w.peek(a), Err(Errno::EFAULT), "old range is gone");
    assert_eq!(w.ret(nr::MREMAP, [b, 4 * P, P, 0, 0, 0]) as u64, b);
    assert_eq!(w.peek(b + P), Err(Errno::EFAULT));
    // Room above now: grows in place.
    assert_eq!(w.ret(nr::MREMAP, [b, P, 3 * P, 0, 0, 0]) as u64, b);
    assert_eq!(w.peek(b + 2 * P), Ok(0));
    let to = 0x5000_0000;
    assert_eq!(w.ret(nr::MREMAP, [b, 3 * P, 3 * P, 3, to, 0]) as u64, to);
    assert_eq!(w.ret(nr::MREMAP, [0x7000_0000, P, 2 * P, 1, 0, 0]), -14, "not mapped");
    assert_eq!(w.ret(nr::MREMAP, [to, P, P, 2, 0, 0]), -22, "FIXED needs MAYMOVE");
}

#[test]
fn madvise_dontneed_zeroes_and_unknown_advice_is_refused() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, P, RW, ANON, u64::MAX, 0]) as u64;
    w.poke(a, 9).unwrap();
    assert_eq!(w.ret(nr::MADVISE, [a, P, 3, 0, 0, 0]), 0);
    assert_eq!(w.peek(a), Ok(9), "WILLNEED keeps contents");
    assert_eq!(w.ret(nr::MADVISE, [a, P, 4, 0, 0, 0]), 0);
    assert_eq!(w.peek(a), Ok(0));
    assert_eq!(w.ret(nr::MADVISE, [a, P, 999, 0, 0, 0]), -22);
    assert_eq!(w.ret(nr::MADVISE, [a, 2 * P, 4, 0, 0, 0]), -12, "hole in range");
}

#[test]
fn file_mappings_are_filled_through_the_forward_hook() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, 2 * P, prot::READ as u64, map::PRIVATE as u64, 3, P]) as u64;
    let mut b = [0u8; 2];
    w.mem.read(a, &mut b).unwrap();
    assert_eq!(b, [(4096 % 251) as u8, (4097 % 251) as u8]);
    assert_eq!(w.peek(a + P + 8), Ok(0), "beyond the file's end reads zero");
    assert_eq!(w.poke(a, 1), Err(Errno::EFAULT), "PROT_READ applied after filling");
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, map::PRIVATE as u64, 4, 0]), -9);
}

#[test]
fn file_mappings_check_the_file_in_linuxs_order() {
    let mut w = World::new();
    let (private, shared) = (map::PRIVATE as u64, map::SHARED as u64);
    let validate = map::SHARED_VALIDATE as u64;
    // A closed fd (-1 after LTP's SAFE_CLOSE) or an O_PATH one: EBADF
    // before the length is looked at.
    assert_eq!(w.ret(nr::MMAP, [0, 0, RW, shared, u64::MAX, 0]), Errno::EBADF.as_return());
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, private, 6, 0]), Errno::EBADF.as_return());
    // Then the length and the mapping type, then MAP_SHARED_VALIDATE's
    // unknown flags (MAP_SHARED ignores them), then read access.
    assert_eq!(w.ret(nr::MMAP, [0, 0, RW, shared, 5, 0]), Errno::EINVAL.as_return());
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, 0, 5, 0]), Errno::EINVAL.as_return());
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, validate | 0x400, 3, 0]), Errno::EOPNOTSUPP.as_return());
    assert!(w.ret(nr::MMAP, [0, P, RW, shared | 0x400, 3, 0]) > 0);
    assert!(w.ret(nr::MMAP, [0, P, RW, validate | map::POPULATE as u64, 3, 0]) > 0);
    for kind in [private, shared] {
        assert_eq!(w.ret(nr::MMAP, [0, P, prot::READ as u64, kind, 5, 0]), Errno::EACCES.as_return());
    }
}

#[test]
fn map_locked_asks_linux_to_lock_and_is_undone_when_refused() {
    let mut w = World::new();
    let locked = (map::PRIVATE | map::ANONYMOUS | map::LOCKED) as u64;
    let a = w.ret(nr::MMAP, [0, 2 * P, RW, locked, u64::MAX, 0]);
    assert!(a > 0);
    assert_eq!(w.fwd.seen.last(), Some(&nr::MLOCK));
    assert_eq!(w.ret(nr::MMAP, [0, 3 * P, RW, locked, u64::MAX, 0]), Errno::EAGAIN.as_return());
    assert!(matches!(w.mem.recorded[..], [Effect::Map { .. }, Effect::Map { .. }, Effect::Unmap { start, end }] if end - start == 3 * P));
}

#[test]
fn shared_file_mappings_go_to_the_page_cache_and_msync_reaches_them() {
    let mut w = World::new();
    let shared = (map::SHARED) as u64;
    let at = w.ret(nr::MMAP, [0, 3 * P, RW, shared, 3, 2 * P]) as u64;
    assert_eq!(w.mem.files, [(at, at + 3 * P, (prot::READ | prot::WRITE), 3, 2 * P)]);
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, shared, 9, 0]), Errno::EBADF.as_return());
    assert_eq!(w.ret(nr::MMAP, [0, P, RW, shared, 3, 1]), Errno::EINVAL.as_return());
    // Only the shared file part of a range is synced; holes are ENOMEM
    // after the rest is done, flags are Linux's.
    let anon = w.ret(nr::MMAP, [at + 3 * P, P, RW, ANON | map::FIXED as u64, u64::MAX, 0]) as u64;
    assert_eq!(anon, at + 3 * P);
    assert_eq!(w.ret(nr::MSYNC, [at + P, 3 * P, 4, 0, 0, 0]), 0);
    assert_eq!(w.mem.syncs, [(at + P, at + 3 * P, true)]);
    assert_eq!(w.ret(nr::MSYNC, [at, P, 1, 0, 0, 0]), 0);
    assert_eq!(w.mem.syncs[1], (at, at + P, false));
    assert_eq!(w.ret(nr::MSYNC, [at, P, 5, 0, 0, 0]), Errno::EINVAL.as_return());
    assert_eq!(w.ret(nr::MSYNC, [at, P, 8, 0, 0, 0]), Errno::EINVAL.as_return());
    assert_eq!(w.ret(nr::MSYNC, [at + 1, P, 4, 0, 0, 0]), Errno::EINVAL.as_return());
    assert_eq!(w.ret(nr::MSYNC, [at + 4 * P, P, 4, 0, 0, 0]), Errno::ENOMEM.as_return());
    // mprotect asks the memory first: nothing changes when it says no.
    assert_eq!(w.ret(nr::MPROTECT, [at, P, RW, 0, 0, 0]), Errno::EACCES.as_return());
    assert_eq!(w.p.space.find(at).unwrap().1.prot, prot::READ | prot::WRITE);
    // Growing or moving it is not done (yet), shrinking is.
    assert_eq!(w.ret(nr::MREMAP, [at, 3 * P, 5 * P, 1, 0, 0]), Errno::ENOMEM.as_return());
    assert_eq!(w.ret(nr::MREMAP, [at, 3 * P, P, 0, 0, 0]) as u64, at);
}

#[test]
fn arch_prctl_sets_and_gets_fs_and_checks_pointers() {
    let mut w = World::new();
    assert_eq!(w.call(nr::ARCH_PRCTL, [0x1002, 0x1234_5000, 0, 0, 0, 0]), Outcome::Resume);
    assert_eq!((w.regs.fs_base, w.regs.rax), (0x1234_5000, 0));
    let a = w.ret(nr::MMAP, [0, P, RW, ANON, u64::MAX, 0]) as u64;
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1003, a, 0, 0, 0, 0]), 0);
    assert_eq!(w.peek(a), Ok(0x1234_5000));
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1003, 0x10, 0, 0, 0, 0]), -14);
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1002, 1 << 47, 0, 0, 0, 0]), -1);
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x3001, 0, 0, 0, 0, 0]), -22);
}

#[test]
fn arch_prctl_cpuid_is_on_and_cannot_fault() {
    let mut w = World::new();
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1011, 0, 0, 0, 0, 0]), 1, "ARCH_GET_CPUID: CPUID enabled");
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1012, 0, 0, 0, 0, 0]), -19, "ARCH_SET_CPUID: ENODEV");
    assert_eq!(w.ret(nr::ARCH_PRCTL, [0x1012, 1, 0, 0, 0, 0]), -19);
}

#[test]
fn unknown_numbers_and_forwarding() {
    let mut w = World::new();
    assert_eq!(w.ret(1000, [0; 6]), -38);
    assert_eq!(w.ret(-1, [0; 6]), -38);
    assert_eq!(w.ret(39, [0; 6]), -38);
    assert_eq!(w.fwd.seen, vec![39], "only defined numbers are forwarded");
}

#[test]
fn only_the_low_32_bits_of_rax_name_the_call() {
    let mut w = World::new();
    assert_eq!(w.ret(1 << 32 | nr::BRK, [0; 6]) as u64, w.ret(nr::BRK, [0; 6]) as u64);
    assert_eq!(w.ret(-1, [0; 6]), -38, "-1 is no call");
    assert_eq!(w.ret(0xffff_ffff_0000_0000u64 as i64 | 1000, [0; 6]), -38);
}

#[test]
fn linux_is_told_each_change_to_the_map_as_applied() {
    let mut w = World::new();
    let a = w.ret(nr::MMAP, [0, 3 * P, RW, ANON, u64::MAX, 0]) as u64;
    assert_eq!(w.ret(nr::MPROTECT, [a + P, P, prot::READ as u64, 0, 0, 0]), 0);
    assert_eq!(w.ret(nr::MUNMAP, [a + 2 * P, P, 0, 0, 0, 0]), 0);
    let shared_file = (map::SHARED) as u64;
    let f = w.ret(nr::MMAP, [0, P, prot::READ as u64, shared_file, 3, 2 * P]) as u64;
    assert_eq!(
        w.mem.recorded,
        [
            Effect::Map { start: a, end: a + 3 * P, prot: prot::READ | prot::WRITE, backing: Backing::Anonymous },
            Effect::Protect { start: a + P, end: a + 2 * P, prot: prot::READ },
            Effect::Unmap { start: a + 2 * P, end: a + 3 * P },
            Effect::Map { start: f, end: f + P, prot: prot::READ, backing: Backing::SharedFile { file: 3, offset: 2 * P } },
        ]
    );
    // A refused call tells nothing; a mapping that failed to apply is
    // undone, which Linux is told (it never had it).
    assert_eq!(w.ret(nr::MPROTECT, [a + 8 * P, P, 1, 0, 0, 0]), -12);
    assert_eq!(w.mem.recorded.len(), 4);
    assert_eq!(w.ret(nr::MMAP, [0, P, prot::READ as u64, shared_file, 7, 0]), Errno::ENODEV.as_return());
    assert!(matches!(w.mem.recorded[4..], [Effect::Unmap { start, end }] if end - start == P));
    let base = w.ret(nr::BRK, [0; 6]) as u64;
    assert_eq!(w.ret(nr::BRK, [base + 2 * P + 5, 0, 0, 0, 0, 0]) as u64, base + 2 * P + 5);
    assert_eq!(w.mem.breaks, [base + 2 * P + 5], "the break itself, unrounded; a query moves nothing");
}
