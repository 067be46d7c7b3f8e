//! ELF64 as cellux reads it: one allocation-free reader of the file header
//! and the program-header table, and on top of it the check of a component
//! image that the kernel (for the booter) and the component runtime (for
//! everything the booter starts) load. The reader only decodes and bounds-
//! checks, with no opinion on what an image may hold, so that the other
//! policy, `cellux-loader`'s Linux rules for static Linux executables, trusts
//! file offsets through the same few lines instead of a second parser.

use crate::layout::{is_mappable_range, PAGE, USER_END};

/// An ELF64 file header; anything shorter is not an ELF64 file.
pub const EHDR_SIZE: u64 = 64;
/// An ELF64 program header.
pub const PHDR_SIZE: u64 = 56;

pub const ELFCLASS32: u8 = 1;
pub const ELFCLASS64: u8 = 2;
pub const ELFDATA2LSB: u8 = 1;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const EM_X86_64: u16 = 62;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
/// The GNU program header that carries the stack's permissions.
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

/// Why the reader could not give a header or a program-header table. Each
/// policy maps these onto its own refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Shorter than an ELF64 file header.
    TooShort,
    BadMagic,
    /// e_phentsize is not [`PHDR_SIZE`].
    PhEntSize,
    /// The program-header table does not lie inside the file.
    PhOutsideFile,
}

/// The file-header fields either policy looks at, decoded little-endian:
/// every file either accepts is, and `data` lets a policy refuse the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub class: u8,
    pub data: u8,
    pub version: u8,
    pub os_abi: u8,
    /// e_type.
    pub kind: u16,
    pub machine: u16,
    pub entry: u64,
    pub phoff: u64,
    pub phentsize: u16,
    pub phnum: u16,
}

/// One program header, decoded; nothing in it is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgramHeader {
    /// p_type.
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

impl Header {
    /// Reads the file header at the start of `file`.
    pub fn read(file: &[u8]) -> Result<Header, ReadError> {
        let h = file.get(..EHDR_SIZE as usize).ok_or(ReadError::TooShort)?;
        if h[..4] != *b"\x7fELF" {
            return Err(ReadError::BadMagic);
        }
        Ok(Header {
            class: h[4],
            data: h[5],
            version: h[6],
            os_abi: h[7],
            kind: u16::from_le_bytes(le(h, 16)),
            machine: u16::from_le_bytes(le(h, 18)),
            entry: u64::from_le_bytes(le(h, 24)),
            phoff: u64::from_le_bytes(le(h, 32)),
            phentsize: u16::from_le_bytes(le(h, 54)),
            phnum: u16::from_le_bytes(le(h, 56)),
        })
    }

    /// Bytes the program-header table claims: e_phnum * e_phentsize.
    pub fn ph_table_size(&self) -> u64 {
        u64::from(self.phnum) * u64::from(self.phentsize)
    }

    /// The program headers of `file`, in file order, once the whole table
    /// is known to lie inside it: iterating cannot fail or read out of bounds.
    pub fn program_headers<'a>(
        &self,
        file: &'a [u8],
    ) -> Result<impl ExactSizeIterator<Item = ProgramHeader> + 'a, ReadError> {
        if u64::from(self.phentsize) != PHDR_SIZE {
            return Err(ReadError::PhEntSize);
        }
        let table = self
            .phoff
            .checked_add(self.ph_table_size())
            .filter(|&end| end <= file.len() as u64)
            .map(|end| &file[self.phoff as usize..end as usize])
            .ok_or(ReadError::PhOutsideFile)?;
        Ok(table.chunks_exact(PHDR_SIZE as usize).map(|p| ProgramHeader {
            kind: u32::from_le_bytes(le(p, 0)),
            flags: u32::from_le_bytes(le(p, 4)),
            offset: u64::from_le_bytes(le(p, 8)),
            vaddr: u64::from_le_bytes(le(p, 16)),
            filesz: u64::from_le_bytes(le(p, 32)),
            memsz: u64::from_le_bytes(le(p, 40)),
        }))
    }
}

// The component check. Components are cellux's own programs, linked by its
// build at fixed addresses, so only ET_EXEC is taken. The kernel loads them
// with no allocator (hence at most MAX_SEGMENTS, in an array) and the
// runtime maps each page with one set of permissions (hence no two segments
// on one page). Linux's rules for Linux binaries are `cellux-loader`'s.

pub const MAX_SEGMENTS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    TooShort,
    BadMagic,
    NotElf64LittleEndian,
    NotX86_64,
    NotExecutable,
    BadProgramHeaders,
    TooManySegments,
    SegmentOutOfFile(usize),
    SegmentOutOfRange(usize),
    SegmentsOverlap(usize),
    EntryNotExecutable,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub writable: bool,
    pub executable: bool,
}

impl Segment {
    pub fn page_start(&self) -> u64 {
        self.vaddr & !(PAGE - 1)
    }
    pub fn page_end(&self) -> u64 {
        (self.vaddr + self.memsz + PAGE - 1) & !(PAGE - 1)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Image {
    pub entry: u64,
    pub segments: [Segment; MAX_SEGMENTS],
    pub nsegments: usize,
}

impl Image {
    pub fn segments(&self) -> &[Segment] {
        &self.segments[..self.nsegments]
    }
}

/// Parses and checks a component image: loadable segments inside the file,
/// inside user space, not overlapping each other, entry in an executable
/// segment.
pub fn parse(b: &[u8]) -> Result<Image, ElfError> {
    let h = Header::read(b).map_err(|e| match e {
        ReadError::BadMagic => ElfError::BadMagic,
        _ => ElfError::TooShort,
    })?;
    if h.class != ELFCLASS64 || h.data != ELFDATA2LSB {
        return Err(ElfError::NotElf64LittleEndian);
    }
    if h.machine != EM_X86_64 {
        return Err(ElfError::NotX86_64);
    }
    if h.kind != ET_EXEC {
        return Err(ElfError::NotExecutable);
    }
    let phdrs = h.program_headers(b).map_err(|_| ElfError::BadProgramHeaders)?;
    let mut img = Image { entry: h.entry, segments: [Segment::default(); MAX_SEGMENTS], nsegments: 0 };
    for (i, ph) in phdrs.enumerate() {
        if ph.kind != PT_LOAD || ph.memsz == 0 {
            continue;
        }
        let seg = Segment {
            offset: ph.offset,
            vaddr: ph.vaddr,
            filesz: ph.filesz,
            memsz: ph.memsz,
            writable: ph.flags & PF_W != 0,
            executable: ph.flags & PF_X != 0,
        };
        if seg.filesz > seg.memsz || seg.offset.checked_add(seg.filesz).is_none_or(|e| e > b.len() as u64) {
            return Err(ElfError::SegmentOutOfFile(i));
        }
        // In the user half below its top page, or in the server region
        // (where the server is linked).
        let top_page = seg.vaddr < USER_END && seg.vaddr.saturating_add(seg.memsz) > USER_END - PAGE;
        if !is_mappable_range(seg.vaddr, seg.memsz) || top_page {
            return Err(ElfError::SegmentOutOfRange(i));
        }
        if img.nsegments == MAX_SEGMENTS {
            return Err(ElfError::TooManySegments);
        }
        // Segments share no page: each page gets one set of permissions.
        if img.segments().iter().any(|s| seg.page_start() < s.page_end() && s.page_start() < seg.page_end()) {
            return Err(ElfError::SegmentsOverlap(i));
        }
        img.segments[img.nsegments] = seg;
        img.nsegments += 1;
    }
    if !img.segments().iter().any(|s| s.executable && h.entry >= s.vaddr && h.entry < s.vaddr + s.memsz) {
        return Err(ElfError::EntryNotExecutable);
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(segs: &[(u64, u64, u64, u32)], entry: u64) -> Vec<u8> {
        // segs: (vaddr, filesz, memsz, flags); data follows the headers.
        let phoff = 64u64;
        let data_off = phoff + 56 * segs.len() as u64;
        let mut b = vec![0u8; 64];
        b[0..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16..18].copy_from_slice(&2u16.to_le_bytes());
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[24..32].copy_from_slice(&entry.to_le_bytes());
        b[32..40].copy_from_slice(&phoff.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(segs.len() as u16).to_le_bytes());
        let mut off = data_off;
        for &(va, fsz, msz, fl) in segs {
            let mut p = vec![0u8; 56];
            p[0..4].copy_from_slice(&1u32.to_le_bytes());
            p[4..8].copy_from_slice(&fl.to_le_bytes());
            p[8..16].copy_from_slice(&off.to_le_bytes());
            p[16..24].copy_from_slice(&va.to_le_bytes());
            p[32..40].copy_from_slice(&fsz.to_le_bytes());
            p[40..48].copy_from_slice(&msz.to_le_bytes());
            b.extend_from_slice(&p);
            off += fsz;
        }
        let total: u64 = segs.iter().map(|s| s.1).sum();
        b.extend(std::iter::repeat(0xaa).take(total as usize));
        b
    }

    #[test]
    fn parses_two_segments() {
        let b = elf(&[(0x400000, 16, 16, 5), (0x401000, 8, 0x2000, 6)], 0x400004);
        let img = parse(&b).unwrap();
        assert_eq!(img.nsegments, 2);
        assert!(img.segments()[0].executable && !img.segments()[0].writable);
        assert_eq!(img.segments()[1].page_end(), 0x403000);
    }

    #[test]
    fn refuses_entry_outside_code() {
        let b = elf(&[(0x400000, 16, 16, 6)], 0x400004);
        assert_eq!(parse(&b).unwrap_err(), ElfError::EntryNotExecutable);
    }

    #[test]
    fn refuses_kernel_addresses() {
        let b = elf(&[(0xffff_ffff_8000_0000, 16, 16, 5)], 0xffff_ffff_8000_0000);
        assert_eq!(parse(&b).unwrap_err(), ElfError::SegmentOutOfRange(0));
    }

    #[test]
    fn refuses_segment_past_file() {
        let mut b = elf(&[(0x400000, 16, 16, 5)], 0x400000);
        b.truncate(b.len() - 1);
        assert_eq!(parse(&b).unwrap_err(), ElfError::SegmentOutOfFile(0));
    }

    #[test]
    fn refuses_overlap_and_garbage() {
        let b = elf(&[(0x400000, 16, 16, 5), (0x400800, 16, 16, 6)], 0x400000);
        assert_eq!(parse(&b).unwrap_err(), ElfError::SegmentsOverlap(1));
        assert_eq!(parse(b"not an elf at all, not at all, not at all, not at all, not at all").unwrap_err(), ElfError::BadMagic);
        assert_eq!(parse(&b[..20]).unwrap_err(), ElfError::TooShort);
    }
    #[test]
    fn refuses_truncated_program_header_table() {
        let b = elf(&[(0x400000, 0, 16, 5), (0x401000, 0, 16, 6)], 0x400000);
        assert_eq!(b.len(), 64 + 2 * 56);
        assert_eq!(parse(&b[..64 + 56 + 55]).unwrap_err(), ElfError::BadProgramHeaders);
        let h = Header::read(&b).unwrap();
        assert_eq!(h.program_headers(&b[..64 + 56 + 55]).err(), Some(ReadError::PhOutsideFile));
        assert_eq!(h.program_headers(&b).unwrap().len(), 2);
    }

    #[test]
    fn reader_decodes_without_judging() {
        // A 32-bit class and a foreign machine: the reader reports them, the policy refuses.
        let mut b = elf(&[(0x400000, 16, 16, 5)], 0x400004);
        b[4] = 1;
        b[18] = 183;
        let h = Header::read(&b).unwrap();
        assert_eq!((h.class, h.machine, h.kind, h.entry, h.phoff, h.phnum), (1, 183, ET_EXEC, 0x400004, 64, 1));
        let ph = h.program_headers(&b).unwrap().next().unwrap();
        assert_eq!(ph, ProgramHeader { kind: PT_LOAD, flags: 5, offset: 120, vaddr: 0x400000, filesz: 16, memsz: 16 });
        assert_eq!(Header::read(&b[..63]), Err(ReadError::TooShort));
        b[54] = 32;
        assert_eq!(Header::read(&b).unwrap().program_headers(&b).err(), Some(ReadError::PhEntSize));
        b[0] = 0;
        assert_eq!(Header::read(&b), Err(ReadError::BadMagic));
    }
}
