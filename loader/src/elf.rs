//! Validation of static x86_64 ELF executables and the load plan derived
//! from them. Everything read from the file is checked against the file's
//! length before `xmas-elf` looks at it, so a hostile image is refused with
//! an [`ElfError`] and never makes the loader panic.

use alloc::vec::Vec;
use core::fmt;
use xmas_elf::header::{Class, Data, Machine, Type};
use xmas_elf::program::Type as PhType;
use xmas_elf::ElfFile;

use linux_abi::{Errno, PAGE_SIZE, TASK_SIZE_MAX};

/// Where a static-pie (`ET_DYN`) image is placed, as Linux's
/// ELF_ET_DYN_BASE on x86_64 (2/3 of TASK_SIZE, page aligned).
pub const DYN_BASE: u64 = (TASK_SIZE_MAX / 3 * 2) & !(PAGE_SIZE - 1);

/// The GNU program header that carries the stack's permissions.
const PT_GNU_STACK: u32 = 0x6474_e551;
const ELF64_EHDR_SIZE: u64 = 64;
const ELF64_PHDR_SIZE: u64 = 56;
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
/// [`DYN_BASE`].
pub fn parse(image: &[u8]) -> Result<Executable, ElfError> {
    check_ident(image)?;
    let headers = AlignedHeaders::copy(image)?;
    let file = ElfFile::new(headers.bytes()).map_err(ElfError::NotElf)?;
    let header = &file.header;
    match header.pt1.class() {
        Class::SixtyFour => {}
        _ => return Err(ElfError::WrongArch("not ELFCLASS64")),
    }
    match header.pt1.data() {
        Data::LittleEndian => {}
        _ => return Err(ElfError::WrongArch("not little-endian")),
    }
    if header.pt2.machine().as_machine() != Machine::X86_64 {
        return Err(ElfError::WrongArch("e_machine is not EM_X86_64"));
    }
    let kind = match header.pt2.type_().as_type() {
        Type::Executable => Kind::Exec,
        Type::SharedObject => Kind::StaticPie,
        _ => return Err(ElfError::NotExecutable),
    };
    let phoff = header.pt2.ph_offset();
    let phnum = u64::from(header.pt2.ph_count());
    let phent = u64::from(header.pt2.ph_entry_size());
    if phent != ELF64_PHDR_SIZE {
        return Err(ElfError::BadProgramHeaders("e_phentsize is not 56"));
    }
    if phnum == 0 {
        return Err(ElfError::BadProgramHeaders("no program headers"));
    }
    let table = phnum * phent;
    if table > MAX_PHDRS_BYTES {
        return Err(ElfError::BadProgramHeaders("too many program headers"));
    }
    match phoff.checked_add(table) {
        Some(end) if phoff >= ELF64_EHDR_SIZE && end <= headers.len as u64 => {}
        _ => return Err(ElfError::BadProgramHeaders("table lies outside the file")),
    }

    let load_bias = match kind {
        Kind::Exec => 0,
        Kind::StaticPie => DYN_BASE,
    };
    let mut segments = Vec::new();
    let mut phdr_vaddr = None;
    let mut exec_stack = false;
    for (index, ph) in file.program_iter().enumerate() {
        match ph.get_type() {
            Ok(PhType::Load) => {
                segments.push(load_segment(index, &ph, image.len() as u64, load_bias)?)
            }
            Ok(PhType::Interp) => return Err(ElfError::Dynamic),
            Ok(PhType::Phdr) => phdr_vaddr = Some(ph.virtual_addr()),
            Ok(PhType::OsSpecific(PT_GNU_STACK)) => exec_stack = ph.flags().is_execute(),
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

    let entry = header
        .pt2
        .entry_point()
        .checked_add(load_bias)
        .ok_or(ElfError::BadEntry(header.pt2.entry_point()))?;
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

/// The ELF header and program-header table copied into 8-byte aligned
/// storage: xmas-elf reads them in place and asserts their alignment, and a
/// caller's byte buffer (or a hostile e_phoff) need not provide it. The
/// storage is a byte buffer 7 bytes longer than needed, used from its
/// first 8-byte aligned byte: no reinterpreting cast, so no `unsafe`.
struct AlignedHeaders {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl AlignedHeaders {
    fn copy(image: &[u8]) -> Result<Self, ElfError> {
        let phoff = u64::from_le_bytes(image[32..40].try_into().unwrap_or([0; 8]));
        if phoff % 8 != 0 {
            return Err(ElfError::BadProgramHeaders("e_phoff is not 8-byte aligned"));
        }
        let want = phoff
            .checked_add(MAX_PHDRS_BYTES)
            .map_or(image.len(), |end| end.min(image.len() as u64) as usize)
            .max(ELF64_EHDR_SIZE as usize);
        let len = want.min(image.len());
        let mut buf = alloc::vec![0u8; len + 7];
        let start = (buf.as_ptr() as usize).wrapping_neg() % 8;
        buf[start..start + len].copy_from_slice(&image[..len]);
        Ok(AlignedHeaders { buf, start, len })
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }
}

/// The e_ident bytes xmas-elf does not insist on: magic, version, OS ABI.
fn check_ident(image: &[u8]) -> Result<(), ElfError> {
    if image.len() < ELF64_EHDR_SIZE as usize {
        return Err(ElfError::NotElf("shorter than an ELF header"));
    }
    if &image[..4] != b"\x7fELF" {
        return Err(ElfError::NotElf("bad magic"));
    }
    if image[6] != 1 {
        return Err(ElfError::NotElf("unknown ELF version"));
    }
    // Linux and GNU/Linux (3) are the ABIs static Linux binaries carry.
    if image[7] != 0 && image[7] != 3 {
        return Err(ElfError::WrongArch("OS ABI is not Linux"));
    }
    Ok(())
}

fn load_segment(
    index: usize,
    ph: &xmas_elf::program::ProgramHeader<'_>,
    file_len: u64,
    load_bias: u64,
) -> Result<Segment, ElfError> {
    let bad = |why| ElfError::BadSegment { index, why };
    let (offset, file_size) = (ph.offset(), ph.file_size());
    let (vaddr, mem_size) = (ph.virtual_addr(), ph.mem_size());
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
    let flags = ph.flags();
    Ok(Segment {
        vaddr: start,
        mem_size,
        file_offset: offset,
        file_size,
        prot: Prot {
            read: flags.is_read(),
            write: flags.is_write(),
            exec: flags.is_execute(),
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
