//! Validation of static x86_64 ELF executables and the load plan derived
//! from them, by Linux's rules (binfmt_elf): any static binary Linux would
//! start should start here, placed where Linux would place it. The bytes are
//! read by `cellux_abi::elf`'s reader, the same one the kernel's component
//! check uses; this file is only the policy, so a hostile image is refused
//! with an [`ElfError`] and never makes the loader panic.

use alloc::vec::Vec;
use cellux_abi::elf::{
    self as raw, Header, ProgramHeader, ReadError, EHDR_SIZE, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, EM_X86_64,
    ET_DYN, ET_EXEC, PHDR_SIZE,
};
use core::fmt;

use linux_abi::{Errno, PAGE_SIZE, TASK_SIZE_MAX};

/// Where a static-pie (`ET_DYN`) image is placed, as Linux's
/// ELF_ET_DYN_BASE on x86_64 (2/3 of TASK_SIZE, page aligned).
pub const DYN_BASE: u64 = (TASK_SIZE_MAX / 3 * 2) & !(PAGE_SIZE - 1);

/// Linux refuses more program headers than fit in 64 KiB; so do we.
const MAX_PHDRS_BYTES: u64 = 65536;

/// Why an image was refused. Every variant is ENOEXEC at the Linux ABI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// Not an ELF file, or a header that does not parse.
    NotElf(&'static str),
    /// A valid ELF for something else than 64-bit little-endian x86_64.
    WrongArch(&'static str),
    /// Neither ET_EXEC nor ET_DYN.
    NotExecutable,
    /// PT_INTERP: needs a dynamic linker, which cellux does not run yet.
    Dynamic,
    /// The program headers lie outside the file or are malformed.
    BadProgramHeaders(&'static str),
    /// Segment `index` cannot be loaded as described.
    BadSegment { index: usize, why: &'static str },
    /// Two loadable segments claim the same bytes (at this address).
    Overlap(u64),
    /// No PT_LOAD at all.
    NoSegments,
    /// The entry point is not inside any executable loaded segment.
    BadEntry(u64),
}

impl ElfError {
    /// The errno execve reports for this refusal.
    pub const fn errno(&self) -> Errno {
        Errno::ENOEXEC
    }
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf(why) => write!(f, "not an ELF executable: {why}"),
            ElfError::WrongArch(why) => write!(f, "not an x86_64 Linux executable: {why}"),
            ElfError::NotExecutable => f.write_str("ELF file is neither ET_EXEC nor ET_DYN"),
            ElfError::Dynamic => {
                f.write_str("dynamically linked executable (PT_INTERP): only static binaries are supported")
            }
            ElfError::BadProgramHeaders(why) => write!(f, "malformed program headers: {why}"),
            ElfError::BadSegment { index, why } => write!(f, "program header {index}: {why}"),
            ElfError::Overlap(at) => write!(f, "loadable segments overlap at {at:#x}"),
            ElfError::NoSegments => f.write_str("no loadable segment"),
            ElfError::BadEntry(e) => write!(f, "entry point {e:#x} is outside every executable segment"),
        }
    }
}

/// Page protection of a segment, from its p_flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

/// One PT_LOAD, already moved by the load bias: `file_size` bytes from
/// `file_offset` land at `vaddr`, the rest up to `mem_size` is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_size: u64,
    pub file_offset: u64,
    pub file_size: u64,
    pub prot: Prot,
}

impl Segment {
    /// The page-aligned range the segment occupies: [start, end).
    pub fn pages(&self) -> (u64, u64) {
        let start = self.vaddr & !(PAGE_SIZE - 1);
        let end = (self.vaddr + self.mem_size + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        (start, end)
    }
}

/// Whether the image had to be placed (static-pie) or sits where it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exec,
    StaticPie,
}

/// A checked image and where its parts go in the new address space.
#[derive(Debug, Clone)]
pub struct Executable {
    pub kind: Kind,
    /// Added to every address in the file (0 for ET_EXEC).
    pub load_bias: u64,
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// AT_PHDR / AT_PHENT / AT_PHNUM.
    pub phdr_addr: u64,
    pub phent: u64,
    pub phnum: u64,
    /// PT_GNU_STACK asked for an executable stack.
    pub exec_stack: bool,
    /// The highest address a segment occupies, page aligned: where brk starts.
    pub brk_start: u64,
}

/// Checks `image` and derives its load plan. Static-pie images are placed at
/// [`DYN_BASE`]. The checks run in the order the refusals were written in,
/// so an image with several faults keeps being refused for the same one.
pub fn parse(image: &[u8]) -> Result<Executable, ElfError> {
    let header = Header::read(image).map_err(|e| match e {
        ReadError::BadMagic => ElfError::NotElf("bad magic"),
        _ => ElfError::NotElf("shorter than an ELF header"),
    })?;
    if header.version != 1 {
        return Err(ElfError::NotElf("unknown ELF version"));
    }
    // Linux and GNU/Linux (3) are the ABIs static Linux binaries carry.
    if header.os_abi != 0 && header.os_abi != 3 {
        return Err(ElfError::WrongArch("OS ABI is not Linux"));
    }
    // The gABI lays ELF structures out at their natural alignment; no
    // linker writes a misaligned table, so one marks a damaged file.
    if header.phoff % 8 != 0 {
        return Err(ElfError::BadProgramHeaders("e_phoff is not 8-byte aligned"));
    }
    match header.class {
        ELFCLASS64 => {}
        ELFCLASS32 => return Err(ElfError::WrongArch("not ELFCLASS64")),
        _ => return Err(ElfError::NotElf("Invalid ELF class")),
    }
    if header.data != ELFDATA2LSB {
        return Err(ElfError::WrongArch("not little-endian"));
    }
    if header.machine != EM_X86_64 {
        return Err(ElfError::WrongArch("e_machine is not EM_X86_64"));
    }
    let kind = match header.kind {
        ET_EXEC => Kind::Exec,
        ET_DYN => Kind::StaticPie,
        _ => return Err(ElfError::NotExecutable),
    };
    let (phoff, phnum, phent) = (header.phoff, u64::from(header.phnum), PHDR_SIZE);
    let phdrs = header.program_headers(image);
    if let Err(ReadError::PhEntSize) = phdrs {
        return Err(ElfError::BadProgramHeaders("e_phentsize is not 56"));
    }
    if phnum == 0 {
        return Err(ElfError::BadProgramHeaders("no program headers"));
    }
    let table = phnum * phent;
    if table > MAX_PHDRS_BYTES {
        return Err(ElfError::BadProgramHeaders("too many program headers"));
    }
    // A table over the file header is inside the file but no table.
    let phdrs = phdrs
        .ok()
        .filter(|_| phoff >= EHDR_SIZE)
        .ok_or(ElfError::BadProgramHeaders("table lies outside the file"))?;

    let load_bias = match kind {
        Kind::Exec => 0,
        Kind::StaticPie => DYN_BASE,
    };
    let mut segments = Vec::new();
    let mut phdr_vaddr = None;
    let mut exec_stack = false;
    for (index, ph) in phdrs.enumerate() {
        match ph.kind {
            raw::PT_LOAD => segments.push(load_segment(index, &ph, image.len() as u64, load_bias)?),
            raw::PT_INTERP => return Err(ElfError::Dynamic),
            raw::PT_PHDR => phdr_vaddr = Some(ph.vaddr),
            raw::PT_GNU_STACK => exec_stack = ph.flags & raw::PF_X != 0,
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(ElfError::NoSegments);
    }
    check_no_overlap(&mut segments)?;

    // AT_PHDR: PT_PHDR when present, else the loaded copy of the table
    // inside the segment that maps file offset phoff (as Linux computes it).
    let phdr_addr = match phdr_vaddr {
        Some(v) => v.checked_add(load_bias),
        None => segments
            .iter()
            .find(|s| s.file_offset <= phoff && phoff + table <= s.file_offset + s.file_size)
            .map(|s| s.vaddr + (phoff - s.file_offset)),
    }
    .ok_or(ElfError::BadProgramHeaders("the program headers are not loaded"))?;

    let entry = header.entry.checked_add(load_bias).ok_or(ElfError::BadEntry(header.entry))?;
    if !segments
        .iter()
        .any(|s| s.prot.exec && entry >= s.vaddr && entry < s.vaddr + s.mem_size)
    {
        return Err(ElfError::BadEntry(entry));
    }
    let brk_start = segments.iter().map(|s| s.pages().1).max().unwrap_or(0);
    Ok(Executable {
        kind,
        load_bias,
        entry,
        segments,
        phdr_addr,
        phent,
        phnum,
        exec_stack,
        brk_start,
    })
}

fn load_segment(index: usize, ph: &ProgramHeader, file_len: u64, load_bias: u64) -> Result<Segment, ElfError> {
    let bad = |why| ElfError::BadSegment { index, why };
    let (offset, file_size) = (ph.offset, ph.filesz);
    let (vaddr, mem_size) = (ph.vaddr, ph.memsz);
    if file_size > mem_size {
        return Err(bad("p_filesz is larger than p_memsz"));
    }
    match offset.checked_add(file_size) {
        Some(end) if end <= file_len => {}
        _ => return Err(bad("file bytes lie outside the file")),
    }
    // mmap-style loading maps file pages at page granularity.
    if vaddr % PAGE_SIZE != offset % PAGE_SIZE {
        return Err(bad("p_vaddr and p_offset disagree modulo the page size"));
    }
    let start = vaddr.checked_add(load_bias).ok_or(bad("address overflows"))?;
    match start.checked_add(mem_size) {
        Some(end) if end <= TASK_SIZE_MAX && start >= PAGE_SIZE => {}
        _ => return Err(bad("does not fit in user space")),
    }
    Ok(Segment {
        vaddr: start,
        mem_size,
        file_offset: offset,
        file_size,
        prot: Prot {
            read: ph.flags & raw::PF_R != 0,
            write: ph.flags & raw::PF_W != 0,
            exec: ph.flags & raw::PF_X != 0,
        },
    })
}

/// Segments may share a page (text end and data start) but not bytes.
fn check_no_overlap(segments: &mut [Segment]) -> Result<(), ElfError> {
    segments.sort_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        if pair[0].vaddr + pair[0].mem_size > pair[1].vaddr {
            return Err(ElfError::Overlap(pair[1].vaddr));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
