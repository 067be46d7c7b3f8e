use super::*;
use crate::sigframe::{SA_RESTORER, SA_SIGINFO};
use std::collections::VecDeque;
use std::vec::Vec;

/// Flat user memory from BASE, enough for a stack.
const BASE: u64 = 0x7fff_0000_0000;
struct Mem(Vec<u8>);

impl Memory for Mem {
    fn map(&mut self, _: u64, _: u64, _: u32) -> Result<(), Errno> { Ok(()) }
    fn unmap(&mut self, _: u64, _: u64) {}
    fn protect(&mut self, _: u64, _: u64, _: u32) -> Result<(), Errno> { Ok(()) }
    fn zero(&mut self, _: u64, _: u64) -> Result<(), Errno> { Ok(()) }
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let o = addr.checked_sub(BASE).ok_or(Errno::EFAULT)? as usize;
        buf.copy_from_slice(self.0.get(o..o + buf.len()).ok_or(Errno::EFAULT)?);
        Ok(())
    }
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        let o = addr.checked_sub(BASE).ok_or(Errno::EFAULT)? as usize;
        self.0.get_mut(o..o + buf.len()).ok_or(Errno::EFAULT)?.copy_from_slice(buf);
        Ok(())
    }
}

struct Linux(VecDeque<Next>);

impl Forward for Linux {
    fn syscall(&mut self, _: Caller, _: i64, _: [u64; 6], _: &mut dyn Memory) -> i64 { 0 }
    fn next_signal(&mut self, _: Caller) -> Next {
        self.0.pop_front().unwrap_or(Next::None)
    }
}

fn handler(signo: u32, flags: u64) -> Next {
    Next::Handler(Handler {
        signo,
        handler: 0x40_1000,
        flags: flags | SA_SIGINFO | SA_RESTORER,
        restorer: 0x40_2000,
        old_mask: 0,
        siginfo: [0; 128],
        alt: alt_stack(0, 0, 0),
    })
}

/// A thread returning from syscall 0 (read) at 0x40_0102 with `ret`.
fn run(ret: i64, next: &[Next]) -> (UserRegs, Ending) {
    let mut regs = UserRegs { rax: ret as u64, rip: 0x40_0102, rsp: BASE + 0x8000, ..UserRegs::default() };
    let mut fpu = [0u8; 512];
    let mut mem = Mem(std::vec![0; 0x10000]);
    let mut fwd = Linux(next.iter().copied().collect());
    let e = deliver(&mut regs, &mut fpu, Some(0), TrapInfo::default(), &mut mem, &mut fwd, Caller { tid: 1 });
    (regs, e)
}

/// The registers the first frame saved, as rt_sigreturn will see them.
fn saved(regs: &UserRegs, mem: &mut Mem) -> UserRegs {
    let mut f = [0u8; sigframe::FRAME_SIZE as usize];
    mem.read(regs.rsp, &mut f).unwrap();
    sigframe::parse(&f).regs
}

#[test]
fn no_signal_restarts_every_restart_code() {
    for code in [ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND] {
        let (r, e) = run(code, &[]);
        assert_eq!((r.rax, r.rip, e), (0, 0x40_0100, Ending::Resume { first: 0 }));
    }
    let (r, _) = run(ERESTART_RESTARTBLOCK, &[]);
    assert_eq!((r.rax, r.rip), (nr::RESTART_SYSCALL as u64, 0x40_0100));
    let (r, _) = run(-11, &[]);
    assert_eq!((r.rax as i64, r.rip), (-11, 0x40_0102), "plain errors stay");
}

#[test]
fn handler_sees_eintr_or_restart_by_sa_restart() {
    let mut regs = UserRegs { rax: ERESTARTSYS as u64, rip: 0x40_0102, rsp: BASE + 0x8000, ..UserRegs::default() };
    let mut mem = Mem(std::vec![0; 0x10000]);
    let mut fwd = Linux([handler(14, 0)].into_iter().collect());
    let e = deliver(&mut regs, &mut [0; 512], Some(0), TrapInfo::default(), &mut mem, &mut fwd, Caller { tid: 1 });
    assert_eq!(e, Ending::Resume { first: 14 });
    assert_eq!(regs.rip, 0x40_1000);
    let s = saved(&regs, &mut mem);
    assert_eq!((s.rax as i64, s.rip), (-4, 0x40_0102), "no SA_RESTART: EINTR");

    let mut regs = UserRegs { rax: ERESTARTSYS as u64, rip: 0x40_0102, rsp: BASE + 0x8000, ..UserRegs::default() };
    let mut fwd = Linux([handler(14, SA_RESTART)].into_iter().collect());
    deliver(&mut regs, &mut [0; 512], Some(0), TrapInfo::default(), &mut mem, &mut fwd, Caller { tid: 1 });
    let s = saved(&regs, &mut mem);
    assert_eq!((s.rax, s.rip), (0, 0x40_0100), "SA_RESTART: the call again");

    let mut regs = UserRegs { rax: ERESTARTNOHAND as u64, rip: 0x40_0102, rsp: BASE + 0x8000, ..UserRegs::default() };
    let mut fwd = Linux([handler(14, SA_RESTART)].into_iter().collect());
    deliver(&mut regs, &mut [0; 512], Some(0), TrapInfo::default(), &mut mem, &mut fwd, Caller { tid: 1 });
    assert_eq!(saved(&regs, &mut mem).rax as i64, -4, "NOHAND is EINTR even with SA_RESTART");
}

#[test]
fn handler_starts_with_clean_fpu_and_frames_nest() {
    let (r, e) = run(5, &[handler(10, 0), handler(12, 0)]);
    assert_eq!(e, Ending::Resume { first: 10 });
    assert_eq!(r.rdi, 12, "the last one queued runs first");
}

#[test]
fn a_fatal_signal_is_linux_ended() {
    let (_, e) = run(ERESTARTSYS, &[Next::Killed(15)]);
    assert_eq!(e, Ending::Exit { status: 15, linux_ended: true });
}

#[test]
fn an_unwritable_stack_kills_with_sigsegv() {
    let mut regs = UserRegs { rsp: 0x1000, ..UserRegs::default() };
    let mut fwd = Linux([handler(10, 0)].into_iter().collect());
    let e = deliver(&mut regs, &mut [0; 512], None, TrapInfo::default(), &mut Mem(std::vec![]), &mut fwd, Caller { tid: 1 });
    assert_eq!(e, Ending::Exit { status: 11, linux_ended: false });
}
