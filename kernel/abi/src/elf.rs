//! Checks of a static x86_64 ELF executable and its loadable segments.
//! Used by the kernel (for the booter) and by user-level constructors.

use crate::layout::{PAGE, USER_END, USER_START};

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

fn rd<const N: usize>(b: &[u8], o: usize) -> Result<[u8; N], ElfError> {
    let s = b.get(o..o.checked_add(N).ok_or(ElfError::TooShort)?).ok_or(ElfError::TooShort)?;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Ok(a)
}
fn u16_at(b: &[u8], o: usize) -> Result<u16, ElfError> {
    rd::<2>(b, o).map(u16::from_le_bytes)
}
fn u32_at(b: &[u8], o: usize) -> Result<u32, ElfError> {
    rd::<4>(b, o).map(u32::from_le_bytes)
}
fn u64_at(b: &[u8], o: usize) -> Result<u64, ElfError> {
    rd::<8>(b, o).map(u64::from_le_bytes)
}

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;

/// Parses and checks an image: loadable segments inside the file, inside
/// user space, not overlapping each other, entry in an executable segment.
pub fn parse(b: &[u8]) -> Result<Image, ElfError> {
    if b.len() < 64 {
        return Err(ElfError::TooShort);
    }
    if &b[0..4] != b"\x7fELF" {
        return Err(ElfError::BadMagic);
    }
    if b[4] != 2 || b[5] != 1 {
        return Err(ElfError::NotElf64LittleEndian);
    }
    if u16_at(b, 18)? != 62 {
        return Err(ElfError::NotX86_64);
    }
    if u16_at(b, 16)? != 2 {
        return Err(ElfError::NotExecutable);
    }
    let entry = u64_at(b, 24)?;
    let phoff = u64_at(b, 32)?;
    let phentsize = u16_at(b, 54)? as u64;
    let phnum = u16_at(b, 56)? as u64;
    if phentsize != 56 || phoff.checked_add(phentsize * phnum).is_none_or(|end| end > b.len() as u64) {
        return Err(ElfError::BadProgramHeaders);
    }
    let mut img = Image { entry, segments: [Segment::default(); MAX_SEGMENTS], nsegments: 0 };
    for i in 0..phnum as usize {
        let p = phoff as usize + i * 56;
        if u32_at(b, p)? != PT_LOAD {
            continue;
        }
        let flags = u32_at(b, p + 4)?;
        let seg = Segment {
            offset: u64_at(b, p + 8)?,
            vaddr: u64_at(b, p + 16)?,
            filesz: u64_at(b, p + 32)?,
            memsz: u64_at(b, p + 40)?,
            writable: flags & PF_W != 0,
            executable: flags & PF_X != 0,
        };
        if seg.memsz == 0 {
            continue;
        }
        if seg.filesz > seg.memsz || seg.offset.checked_add(seg.filesz).is_none_or(|e| e > b.len() as u64) {
            return Err(ElfError::SegmentOutOfFile(i));
        }
        if seg.vaddr < USER_START || seg.vaddr.checked_add(seg.memsz).is_none_or(|e| e > USER_END - PAGE) {
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
    if !img.segments().iter().any(|s| s.executable && entry >= s.vaddr && entry < s.vaddr + s.memsz) {
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
}
