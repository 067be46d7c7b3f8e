//! The initial process stack as Linux's binfmt_elf builds it on x86_64:
//!
//! ```text
//!   stack top  -> 8 zero bytes
//!                 execfn string (AT_EXECFN points here)
//!                 environment strings, argument strings
//!                 "x86_64\0" (AT_PLATFORM), 16 random bytes (AT_RANDOM)
//!                 padding so that rsp below ends 16-byte aligned
//!                 auxv pairs ..., AT_NULL 0
//!                 envp pointers ..., NULL
//!                 argv pointers ..., NULL
//!   rsp        -> argc
//! ```
//!
//! The stack is written into a caller-provided buffer that stands for the
//! top `buf.len()` bytes below `top` in the new address space, so the
//! loader can copy it into the process afterwards.

use alloc::vec;
use core::fmt;

/// Auxiliary-vector keys Linux passes to a static x86_64 binary.
pub mod at {
    pub const NULL: u64 = 0;
    pub const PHDR: u64 = 3;
    pub const PHENT: u64 = 4;
    pub const PHNUM: u64 = 5;
    pub const PAGESZ: u64 = 6;
    pub const BASE: u64 = 7;
    pub const FLAGS: u64 = 8;
    pub const ENTRY: u64 = 9;
    pub const UID: u64 = 11;
    pub const EUID: u64 = 12;
    pub const GID: u64 = 13;
    pub const EGID: u64 = 14;
    pub const PLATFORM: u64 = 15;
    pub const HWCAP: u64 = 16;
    pub const CLKTCK: u64 = 17;
    pub const SECURE: u64 = 23;
    pub const RANDOM: u64 = 25;
    pub const HWCAP2: u64 = 26;
    pub const EXECFN: u64 = 31;
    pub const MINSIGSTKSZ: u64 = 51;
}

/// What the process is told about itself and the machine.
#[derive(Debug, Clone)]
pub struct Startup<'a> {
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
    /// The path execve was given (AT_EXECFN).
    pub execfn: &'a [u8],
    pub random: [u8; 16],
    pub phdr: u64,
    pub phent: u64,
    pub phnum: u64,
    pub entry: u64,
    /// AT_BASE: 0 for static binaries (no interpreter).
    pub base: u64,
    pub hwcap: u64,
    pub hwcap2: u64,
    pub uid: u64,
    pub euid: u64,
    pub gid: u64,
    pub egid: u64,
    pub secure: bool,
    pub clock_ticks: u64,
    pub min_sigstack: u64,
}

/// The stack did not fit in the buffer, or a string held a NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackError {
    /// Linux's E2BIG: arguments and environment exceed the space given.
    TooBig,
    /// An argument or environment string contains a NUL byte.
    EmbeddedNul,
}

impl StackError {
    pub const fn errno(&self) -> linux_abi::Errno {
        match self {
            StackError::TooBig => linux_abi::Errno::E2BIG,
            StackError::EmbeddedNul => linux_abi::Errno::EINVAL,
        }
    }
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::TooBig => f.write_str("arguments and environment do not fit on the stack"),
            StackError::EmbeddedNul => f.write_str("argument or environment string contains NUL"),
        }
    }
}

/// Where the built stack ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// The initial rsp: points at argc, 16-byte aligned.
    pub sp: u64,
    /// Bytes used at the end of the buffer (from sp up to top).
    pub len: usize,
    /// Where the strings lie, as Linux's mm records them for
    /// /proc/PID/cmdline and environ: [arg_start, arg_end, env_start,
    /// env_end] (argv's strings, then envp's, each run contiguous).
    pub strings: [u64; 4],
}

/// Writes the initial stack for `s` below `top` (which must be 16-byte
/// aligned) into `buf`, which stands for [top - buf.len(), top).
pub fn build(s: &Startup<'_>, top: u64, buf: &mut [u8]) -> Result<Built, StackError> {
    if s.argv.iter().chain(s.envp).chain(core::iter::once(&s.execfn)).any(|a| a.contains(&0)) {
        return Err(StackError::EmbeddedNul);
    }
    let mut w = Writer { buf, top, cursor: top };
    w.push_bytes(&[0u8; 8])?;
    let execfn = w.push_cstr(s.execfn)?;
    // Pointers are recorded as we go; strings for the last entries first so
    // argv[0]'s string ends up lowest, as Linux lays them out.
    let env_end = execfn;
    let mut env_ptrs = vec![0u64; s.envp.len()];
    for (i, e) in s.envp.iter().enumerate().rev() {
        env_ptrs[i] = w.push_cstr(e)?;
    }
    let env_start = w.cursor;
    let mut arg_ptrs = vec![0u64; s.argv.len()];
    for (i, a) in s.argv.iter().enumerate().rev() {
        arg_ptrs[i] = w.push_cstr(a)?;
    }
    let arg_start = w.cursor;
    let platform = w.push_cstr(b"x86_64")?;
    w.cursor &= !15;
    let random = w.push_bytes(&s.random)?;

    let auxv: [(u64, u64); 19] = [
        (at::HWCAP, s.hwcap),
        (at::PAGESZ, crate::PAGE_SIZE),
        (at::CLKTCK, s.clock_ticks),
        (at::PHDR, s.phdr),
        (at::PHENT, s.phent),
        (at::PHNUM, s.phnum),
        (at::BASE, s.base),
        (at::FLAGS, 0),
        (at::ENTRY, s.entry),
        (at::UID, s.uid),
        (at::EUID, s.euid),
        (at::GID, s.gid),
        (at::EGID, s.egid),
        (at::SECURE, u64::from(s.secure)),
        (at::RANDOM, random),
        (at::HWCAP2, s.hwcap2),
        (at::EXECFN, execfn),
        (at::PLATFORM, platform),
        (at::MINSIGSTKSZ, s.min_sigstack),
    ];
    // Words below the strings: argc, argv + NULL, envp + NULL, auxv + AT_NULL.
    let words = 1 + (s.argv.len() + 1) + (s.envp.len() + 1) + 2 * (auxv.len() + 1);
    let words_bytes = (words as u64) * 8;
    let sp = w.cursor.checked_sub(words_bytes).ok_or(StackError::TooBig)? & !15;
    w.cursor = sp;
    let mut at_word = sp;
    let mut put = |w: &mut Writer<'_>, v: u64| -> Result<(), StackError> {
        w.write_at(at_word, &v.to_le_bytes())?;
        at_word += 8;
        Ok(())
    };
    put(&mut w, s.argv.len() as u64)?;
    for &p in &arg_ptrs {
        put(&mut w, p)?;
    }
    put(&mut w, 0)?;
    for &p in &env_ptrs {
        put(&mut w, p)?;
    }
    put(&mut w, 0)?;
    for (k, v) in auxv {
        put(&mut w, k)?;
        put(&mut w, v)?;
    }
    put(&mut w, at::NULL)?;
    put(&mut w, 0)?;
    Ok(Built { sp, len: (top - sp) as usize, strings: [arg_start, env_start, env_start, env_end] })
}

/// A downward-growing cursor over the buffer that stands for the stack.
struct Writer<'a> {
    buf: &'a mut [u8],
    top: u64,
    cursor: u64,
}

impl Writer<'_> {
    fn bottom(&self) -> u64 {
        self.top - self.buf.len() as u64
    }

    fn write_at(&mut self, addr: u64, bytes: &[u8]) -> Result<(), StackError> {
        if addr < self.bottom() || addr + bytes.len() as u64 > self.top {
            return Err(StackError::TooBig);
        }
        let off = (addr - self.bottom()) as usize;
        self.buf[off..off + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// Pushes `bytes` and returns their address.
    fn push_bytes(&mut self, bytes: &[u8]) -> Result<u64, StackError> {
        let addr = self.cursor.checked_sub(bytes.len() as u64).ok_or(StackError::TooBig)?;
        self.write_at(addr, bytes)?;
        self.cursor = addr;
        Ok(addr)
    }

    fn push_cstr(&mut self, s: &[u8]) -> Result<u64, StackError> {
        self.push_bytes(&[0])?;
        self.push_bytes(s)
    }
}

#[cfg(test)]
mod tests;
