//! The boot archive: several component images in one boot module.
//!
//! Layout (little-endian): a 32-byte header
//!   magic "CLXPACK1", count u32, reserved u32, total length u64,
//!   FNV-1a-32 checksum of every byte after the header u32, reserved u32,
//! then `count` 40-byte entries { name [u8; 24] (NUL-padded), offset u64, size u64 }
//! and the data. `scripts/build-kernel` (mkpack.py) writes it.

pub const MAGIC: &[u8; 8] = b"CLXPACK1";
pub const HEADER_LEN: usize = 32;
pub const ENTRY_LEN: usize = 40;
pub const NAME_LEN: usize = 24;
pub const MAX_ENTRIES: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveError {
    TooShort,
    BadMagic,
    BadLength,
    BadChecksum,
    TooManyEntries,
    EntryOutOfBounds(usize),
    BadName(usize),
}

#[derive(Clone, Copy, Debug)]
pub struct Archive<'a> {
    bytes: &'a [u8],
    count: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    /// Offset of `data` from the archive's start.
    pub offset: usize,
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[o..o + 4]);
    u32::from_le_bytes(a)
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

pub fn fnv1a32(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

impl<'a> Archive<'a> {
    /// Checks everything up front, so `entry` can not fail afterwards.
    pub fn parse(bytes: &'a [u8]) -> Result<Archive<'a>, ArchiveError> {
        if bytes.len() < HEADER_LEN {
            return Err(ArchiveError::TooShort);
        }
        if &bytes[0..8] != MAGIC {
            return Err(ArchiveError::BadMagic);
        }
        let count = u32_at(bytes, 8) as usize;
        let total = u64_at(bytes, 16);
        if total != bytes.len() as u64 {
            return Err(ArchiveError::BadLength);
        }
        if fnv1a32(&bytes[HEADER_LEN..]) != u32_at(bytes, 24) {
            return Err(ArchiveError::BadChecksum);
        }
        if count > MAX_ENTRIES {
            return Err(ArchiveError::TooManyEntries);
        }
        let table_end = HEADER_LEN + count * ENTRY_LEN;
        if table_end > bytes.len() {
            return Err(ArchiveError::TooShort);
        }
        for i in 0..count {
            let e = HEADER_LEN + i * ENTRY_LEN;
            let off = u64_at(bytes, e + NAME_LEN);
            let size = u64_at(bytes, e + NAME_LEN + 8);
            let end = off.checked_add(size).ok_or(ArchiveError::EntryOutOfBounds(i))?;
            if off < table_end as u64 || end > bytes.len() as u64 {
                return Err(ArchiveError::EntryOutOfBounds(i));
            }
            name_of(&bytes[e..e + NAME_LEN]).ok_or(ArchiveError::BadName(i))?;
        }
        Ok(Archive { bytes, count })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn entry(&self, i: usize) -> Option<Entry<'a>> {
        if i >= self.count {
            return None;
        }
        let e = HEADER_LEN + i * ENTRY_LEN;
        let off = u64_at(self.bytes, e + NAME_LEN) as usize;
        let size = u64_at(self.bytes, e + NAME_LEN + 8) as usize;
        Some(Entry {
            name: name_of(&self.bytes[e..e + NAME_LEN])?,
            data: &self.bytes[off..off + size],
            offset: off,
        })
    }

    pub fn find(&self, name: &str) -> Option<Entry<'a>> {
        (0..self.count).filter_map(|i| self.entry(i)).find(|e| e.name == name)
    }
}

/// A name is 1..24 printable ASCII bytes, NUL-padded.
fn name_of(raw: &[u8]) -> Option<&str> {
    let n = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
    if n == 0 || raw[n..].iter().any(|&c| c != 0) || !raw[..n].iter().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    core::str::from_utf8(&raw[..n]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let table_end = HEADER_LEN + entries.len() * ENTRY_LEN;
        let mut data = Vec::new();
        let mut table = Vec::new();
        for (name, bytes) in entries {
            let mut n = [0u8; NAME_LEN];
            n[..name.len()].copy_from_slice(name.as_bytes());
            table.extend_from_slice(&n);
            table.extend_from_slice(&((table_end + data.len()) as u64).to_le_bytes());
            table.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            data.extend_from_slice(bytes);
        }
        let mut body = table;
        body.extend_from_slice(&data);
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&((HEADER_LEN + body.len()) as u64).to_le_bytes());
        out.extend_from_slice(&fnv1a32(&body).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn parses_entries() {
        let a = build(&[("booter", b"abc"), ("sched", b"de")]);
        let ar = Archive::parse(&a).unwrap();
        assert_eq!(ar.len(), 2);
        assert_eq!(ar.find("sched").unwrap().data, b"de");
        assert_eq!(ar.entry(0).unwrap().name, "booter");
        assert!(ar.find("nope").is_none());
    }

    #[test]
    fn refuses_bad_magic() {
        let mut a = build(&[("x", b"1")]);
        a[0] = b'X';
        assert_eq!(Archive::parse(&a).unwrap_err(), ArchiveError::BadMagic);
    }

    #[test]
    fn refuses_corrupted_body() {
        let mut a = build(&[("x", b"1234")]);
        let n = a.len();
        a[n - 1] ^= 1;
        assert_eq!(Archive::parse(&a).unwrap_err(), ArchiveError::BadChecksum);
    }

    #[test]
    fn refuses_truncation() {
        let a = build(&[("x", b"1234")]);
        assert_eq!(Archive::parse(&a[..a.len() - 1]).unwrap_err(), ArchiveError::BadLength);
        assert_eq!(Archive::parse(&a[..10]).unwrap_err(), ArchiveError::TooShort);
    }

    #[test]
    fn refuses_entry_out_of_bounds() {
        let mut a = build(&[("x", b"1234")]);
        let off = HEADER_LEN + NAME_LEN + 8;
        a[off..off + 8].copy_from_slice(&100u64.to_le_bytes());
        let sum = fnv1a32(&a[HEADER_LEN..]);
        a[24..28].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(Archive::parse(&a).unwrap_err(), ArchiveError::EntryOutOfBounds(0));
    }

    #[test]
    fn refuses_bad_name() {
        let mut a = build(&[("x", b"1")]);
        a[HEADER_LEN] = 0;
        a[HEADER_LEN + 1] = b'y';
        let sum = fnv1a32(&a[HEADER_LEN..]);
        a[24..28].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(Archive::parse(&a).unwrap_err(), ArchiveError::BadName(0));
    }
}
