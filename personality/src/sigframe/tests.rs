use super::*;
use core::sync::atomic::{AtomicU64, Ordering};

fn regs() -> UserRegs {
    UserRegs {
        r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
        rdi: 0xd1, rsi: 0x51, rbp: 0xb9, rbx: 0xb8, rdx: 0xd8, rax: 0xa8, rcx: 0xc8,
        rsp: 0x7fff_0000_1238, rip: 0x40_1234, rflags: 0x246 | (1 << 10),
        ..UserRegs::default()
    }
}

fn delivery(info: &[u8; 128]) -> Delivery<'_> {
    Delivery {
        signo: 10,
        handler: 0x40_5000,
        flags: SA_SIGINFO | SA_RESTORER,
        restorer: 0x40_6000,
        old_mask: 0x1234,
        siginfo: info,
        trapno: 0,
        err: 0,
        cr2: 0,
    }
}

#[test]
fn handler_gets_signo_info_and_context_on_an_aligned_stack() {
    let info = [7u8; 128];
    let (f, _) = build(&regs(), &delivery(&info), &AltStack { flags: SS_DISABLE, ..Default::default() }, &[0; 512]).unwrap();
    assert_eq!((f.frame_addr + 8) % 16, 0, "as after a call");
    assert!(f.frame_addr + FRAME_SIZE <= f.fpstate_addr);
    assert_eq!(f.fpstate_addr % 64, 0);
    assert!(f.fpstate_addr + FPSTATE_SIZE <= regs().rsp - RED_ZONE, "red zone untouched");
    assert_eq!(f.regs.rip, 0x40_5000);
    assert_eq!(f.regs.rdi, 10);
    assert_eq!(f.regs.rsi, f.frame_addr + SIGINFO_OFFSET);
    assert_eq!(f.regs.rdx, f.frame_addr + UC_OFFSET);
    assert_eq!(f.regs.rflags & (1 << 10), 0, "DF cleared for the handler");
    assert_eq!(&f.frame[..8], &0x40_6000u64.to_le_bytes(), "returns into the restorer");
    assert_eq!(&f.frame[SIGINFO_OFFSET as usize..][..128], &info[..]);
}

#[test]
fn sigreturn_restores_what_the_frame_saved() {
    let info = [0u8; 128];
    let r = regs();
    let (f, _) = build(&r, &delivery(&info), &AltStack::default(), &[0; 512]).unwrap();
    let back = parse(&f.frame);
    assert_eq!(back.regs, r);
    assert_eq!(back.mask, 0x1234);
    assert_eq!(back.fpstate_addr, f.fpstate_addr);
}

#[test]
fn sigreturn_cannot_raise_iopl_or_clear_if() {
    let info = [0u8; 128];
    let (mut f, _) = build(&regs(), &delivery(&info), &AltStack::default(), &[0; 512]).unwrap();
    let eflags_at = (MCONTEXT_OFFSET + 17 * 8) as usize;
    f.frame[eflags_at..eflags_at + 8].copy_from_slice(&0x3000u64.to_le_bytes()); // IOPL 3, IF 0
    let back = parse(&f.frame);
    assert_eq!(back.regs.rflags & 0x3000, 0);
    assert_ne!(back.regs.rflags & (1 << 9), 0);
}

#[test]
fn sa_onstack_moves_to_the_alternate_stack_once() {
    let info = [0u8; 128];
    let mut d = delivery(&info);
    d.flags |= SA_ONSTACK;
    let alt = AltStack { sp: 0x5000_0000, flags: 0, size: 0x4000 };
    let (f, _) = build(&regs(), &d, &alt, &[0; 512]).unwrap();
    assert!(f.frame_addr > alt.sp && f.fpstate_addr + FPSTATE_SIZE <= alt.sp + alt.size);
    // A nested signal while already on the alternate stack stays below.
    let mut nested = regs();
    nested.rsp = f.frame_addr;
    let (g, _) = build(&nested, &d, &alt, &[0; 512]).unwrap();
    assert!(g.frame_addr < f.frame_addr);
    let ss_flags_at = (UC_OFFSET + 24) as usize;
    assert_eq!(g.frame[ss_flags_at], SS_ONSTACK as u8);
}

#[test]
fn no_restorer_is_refused() {
    let info = [0u8; 128];
    let mut d = delivery(&info);
    d.flags &= !SA_RESTORER;
    assert_eq!(build(&regs(), &d, &AltStack::default(), &[0; 512]).err(), Some(Errno::EFAULT));
}

/// The layout must be the host Linux kernel's own: catch a real signal on
/// the host and read the frame it built through our offsets.
static SEEN_INFO: AtomicU64 = AtomicU64::new(0);
static SEEN_UC: AtomicU64 = AtomicU64::new(0);
static SEEN_SP_WORD: AtomicU64 = AtomicU64::new(0);
static SEEN_RET: AtomicU64 = AtomicU64::new(0);
static SEEN_MASK: AtomicU64 = AtomicU64::new(0);
static SEEN_FP: AtomicU64 = AtomicU64::new(0);

extern "C" fn record(_sig: i32, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let uc = uc as u64;
    SEEN_INFO.store(info as u64, Ordering::SeqCst);
    SEEN_UC.store(uc, Ordering::SeqCst);
    // SAFETY: Linux passed a valid rt_sigframe whose ucontext is at `uc`;
    // these reads stay inside it (our offsets are what is being tested,
    // and all lie within the 440-byte frame).
    unsafe {
        let frame = uc - UC_OFFSET;
        SEEN_RET.store(*(frame as *const u64), Ordering::SeqCst);
        SEEN_SP_WORD.store(*((frame + MCONTEXT_OFFSET + 15 * 8) as *const u64), Ordering::SeqCst);
        SEEN_MASK.store(*((frame + SIGMASK_OFFSET) as *const u64), Ordering::SeqCst);
        SEEN_FP.store(*((frame + MCONTEXT_OFFSET + 184) as *const u64), Ordering::SeqCst);
    }
}

#[test]
fn offsets_match_the_host_kernels_frames() {
    // SAFETY: plain libc calls with valid, initialised structures; the
    // handler only stores into atomics.
    unsafe {
        let mut act: libc::sigaction = core::mem::zeroed();
        act.sa_sigaction = record as usize;
        act.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut act.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR2, &act, core::ptr::null_mut()), 0);
        let mut installed: libc::sigaction = core::mem::zeroed();
        assert_eq!(libc::sigaction(libc::SIGUSR2, core::ptr::null(), &mut installed), 0);
        let mut blocked: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut blocked);
        libc::sigaddset(&mut blocked, libc::SIGUSR1);
        libc::pthread_sigmask(libc::SIG_BLOCK, &blocked, core::ptr::null_mut());
        let probe = 0u64;
        let here = &probe as *const u64 as u64;
        assert_eq!(libc::raise(libc::SIGUSR2), 0);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &blocked, core::ptr::null_mut());

        let uc = SEEN_UC.load(Ordering::SeqCst);
        assert_ne!(uc, 0, "the handler ran");
        assert_eq!(SEEN_INFO.load(Ordering::SeqCst) - uc, SIGINFO_OFFSET - UC_OFFSET);
        assert_eq!((uc - UC_OFFSET + 8) % 16, 0, "frame alignment as Linux makes it");
        assert_eq!(SEEN_RET.load(Ordering::SeqCst), installed.sa_restorer.map_or(0, |f| f as u64));
        let sp = SEEN_SP_WORD.load(Ordering::SeqCst);
        assert!(sp < here + 0x10000 && sp > here - 0x10000, "saved rsp {sp:#x} near {here:#x}");
        assert_eq!(SEEN_MASK.load(Ordering::SeqCst) & (1 << (libc::SIGUSR1 - 1)), 1 << (libc::SIGUSR1 - 1));
        let fp = SEEN_FP.load(Ordering::SeqCst);
        assert!(fp > uc && fp % 64 == 0, "fpstate above the frame, 64-byte aligned");
    }
}
