//! What a CPU exception means to a Linux process, and how a process's end
//! is encoded in the status wait4 reports.

/// Signal numbers (x86_64 Linux).
pub mod sig {
    pub const SIGILL: u32 = 4;
    pub const SIGTRAP: u32 = 5;
    pub const SIGBUS: u32 = 7;
    pub const SIGFPE: u32 = 8;
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
    fn statuses_encode_as_wait_does() {
        assert_eq!(exited(42), 42 << 8);
        assert_eq!(exited(0x1ff), 0xff << 8);
        assert_eq!(killed(sig::SIGSEGV), 11);
    }
}
