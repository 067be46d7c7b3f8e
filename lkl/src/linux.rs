//! The x86_64 Linux ABI: `nr` (syscall numbers), `consts` (uapi flags),
//! `structs` (uapi structs) and the version, all from linux-abi (lkl/abi),
//! which generates them from Debian's linux-source-6.12; here also the
//! walker of `getdents64` records.

pub use linux_abi::{consts, nr, structs, LINUX_VERSION, TASK_SIZE_MAX};

/// One `linux_dirent64` record of a `getdents64` buffer.
#[derive(Clone, Copy, Debug)]
pub struct Dirent64<'a> {
    pub ino: u64,
    pub off: i64,
    pub kind: u8,
    pub name: &'a [u8],
}

/// Walks the records `getdents64` wrote into `buf` (include/linux/dirent.h:
/// u64 ino, s64 off, u16 reclen, u8 type, then the NUL-terminated name).
pub fn dirents(buf: &[u8]) -> impl Iterator<Item = Dirent64<'_>> {
    let mut at = 0usize;
    core::iter::from_fn(move || {
        let rec = buf.get(at..)?;
        if rec.len() < 19 {
            return None;
        }
        let reclen = u16::from_ne_bytes([rec[16], rec[17]]) as usize;
        if reclen < 19 || reclen > rec.len() {
            return None;
        }
        let name = &rec[19..reclen];
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
        at += reclen;
        Some(Dirent64 {
            ino: u64::from_ne_bytes(rec[0..8].try_into().ok()?),
            off: i64::from_ne_bytes(rec[8..16].try_into().ok()?),
            kind: rec[18],
            name,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirent_records_are_walked_by_reclen() {
        let mut buf = [0u8; 48];
        for (at, name, ino) in [(0usize, &b"a"[..], 7u64), (24, &b"bcd"[..], 8)] {
            buf[at..at + 8].copy_from_slice(&ino.to_ne_bytes());
            buf[at + 16..at + 18].copy_from_slice(&24u16.to_ne_bytes());
            buf[at + 18] = 8;
            buf[at + 19..at + 19 + name.len()].copy_from_slice(name);
        }
        let got: std::vec::Vec<_> = dirents(&buf).map(|d| (d.ino, d.name.to_vec())).collect();
        assert_eq!(got, [(7, b"a".to_vec()), (8, b"bcd".to_vec())]);
        assert_eq!(dirents(&buf[..10]).count(), 0, "truncated record");
    }
}
