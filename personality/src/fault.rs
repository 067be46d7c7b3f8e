//! What a CPU exception means to a Linux process, and how a process's end
//! is encoded in the status wait4 reports.

/// Signal numbers (x86_64 Linux).
pub mod sig {
    pub const SIGILL: u32 = 4;
    pub const SIGTRAP: u32 = 5;
    pub const SIGBUS: u32 = 7;
    pub const SIGFPE: u32 = 8;
    pub const SIGKILL: u32 = 9;
    pub const SIGSEGV: u32 = 11;
}

/// The signal Linux's trap handlers send for exception `vector`
/// (arch/x86/kernel/traps.c, mm/fault.c).
pub const fn signal_for(vector: u64) -> u32 {
    match vector {
        0 => sig::SIGFPE,                   // #DE divide error
        1 | 3 => sig::SIGTRAP,              // #DB, #BP
        6 => sig::SIGILL,                   // #UD
        16 | 19 => sig::SIGFPE,             // #MF x87, #XM SIMD floating point
        17 => sig::SIGBUS,                  // #AC alignment check
        12 => sig::SIGBUS,                  // #SS stack segment
        _ => sig::SIGSEGV,                  // #PF, #GP, #BR, #OF, #TS, #NP and the rest
    }
}

/// si_code values of the faults Linux's trap handlers report.
mod code {
    pub const SI_KERNEL: i32 = 0x80;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const ILL_ILLOPN: i32 = 2;
    pub const FPE_INTDIV: i32 = 1;
    pub const FPE_FLTINV: i32 = 7;
    pub const BUS_ADRALN: i32 = 1;
    pub const BUS_ADRERR: i32 = 2;
}

/// The siginfo Linux forces on a thread for exception `vector` with
/// error code `err`, fault address `cr2` (for #PF) at `rip`: si_signo,
/// si_code and si_addr where traps.c/fault.c set them.
pub fn siginfo_for(vector: u64, err: u64, cr2: u64, rip: u64) -> (u32, [u8; 128]) {
    let signo = signal_for(vector);
    let (si_code, addr) = match vector {
        // A page-level protection violation (P set) is ACCERR.
        14 if err & 1 != 0 => (code::SEGV_ACCERR, cr2),
        14 => (code::SEGV_MAPERR, cr2),
        0 => (code::FPE_INTDIV, rip),
        6 => (code::ILL_ILLOPN, rip),
        16 | 19 => (code::FPE_FLTINV, rip),
        17 => (code::BUS_ADRALN, rip),
        // #GP, #BP (int3) and the rest: force_sig, SI_KERNEL, no address.
        _ => (code::SI_KERNEL, 0),
    };
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&signo.to_le_bytes());
    info[8..12].copy_from_slice(&si_code.to_le_bytes());
    info[16..24].copy_from_slice(&addr.to_le_bytes());
    (signo, info)
}

/// The siginfo of an access to a file mapping's page that the file does
/// not have (past its end): SIGBUS, BUS_ADRERR, at `addr` (mm/filemap.c's
/// VM_FAULT_SIGBUS as arch/x86/mm/fault.c reports it).
pub fn bus_error(addr: u64) -> (u32, [u8; 128]) {
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&sig::SIGBUS.to_le_bytes());
    info[8..12].copy_from_slice(&code::BUS_ADRERR.to_le_bytes());
    info[16..24].copy_from_slice(&addr.to_le_bytes());
    (sig::SIGBUS, info)
}

/// wait status of a normal exit: the code's low byte, shifted by 8.
pub const fn exited(code: u64) -> u32 {
    ((code & 0xff) as u32) << 8
}

/// wait status of a death by signal: the number in the low 7 bits (no
/// core is dumped, so bit 7 stays clear).
pub const fn killed(signo: u32) -> u32 {
    signo & 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_map_to_linux_signals() {
        assert_eq!(signal_for(14), sig::SIGSEGV);
        assert_eq!(signal_for(13), sig::SIGSEGV);
        assert_eq!(signal_for(6), sig::SIGILL);
        assert_eq!(signal_for(0), sig::SIGFPE);
        assert_eq!(signal_for(3), sig::SIGTRAP);
        assert_eq!(signal_for(19), sig::SIGFPE);
    }

    #[test]
    fn faults_carry_linux_si_code_and_address() {
        let (signo, info) = siginfo_for(14, 4, 0x10, 0x40_1000);
        assert_eq!(signo, sig::SIGSEGV);
        assert_eq!(i32::from_le_bytes(info[8..12].try_into().unwrap()), 1, "SEGV_MAPERR");
        assert_eq!(u64::from_le_bytes(info[16..24].try_into().unwrap()), 0x10);
        let (_, info) = siginfo_for(14, 7, 0x10, 0);
        assert_eq!(i32::from_le_bytes(info[8..12].try_into().unwrap()), 2, "SEGV_ACCERR");
        let (signo, info) = siginfo_for(6, 0, 0, 0x40_2000);
        assert_eq!((signo, u64::from_le_bytes(info[16..24].try_into().unwrap())), (sig::SIGILL, 0x40_2000));
        let (_, info) = siginfo_for(13, 0, 0, 0x40_2000);
        assert_eq!(i32::from_le_bytes(info[8..12].try_into().unwrap()), 0x80, "SI_KERNEL");
    }

    #[test]
    fn statuses_encode_as_wait_does() {
        assert_eq!(exited(42), 42 << 8);
        assert_eq!(exited(0x1ff), 0xff << 8);
        assert_eq!(killed(sig::SIGSEGV), 11);
    }
}
