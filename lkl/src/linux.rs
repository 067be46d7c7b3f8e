//! Bindings generated at build time from Debian's linux-source-6.12 (see
//! build.rs): `nr` (x86_64 syscall numbers), `consts` (uapi flags), the
//! errno values as `Errno` constants, and `structs` (uapi structs whose
//! sizes are checked against gcc's at compile time).

#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/linux_gen.rs"));

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
    fn syscall_numbers_are_x86_64s() {
        assert_eq!(nr::READ, 0);
        assert_eq!(nr::GETPID, 39);
        assert_eq!(nr::WAIT4, 61);
        assert_eq!(nr::OPENAT, 257);
        assert_eq!(nr::name(39), Some("getpid"));
        assert!(LINUX_VERSION.starts_with("6.12."));
    }

    #[test]
    fn flags_and_struct_layouts_are_x86_64s() {
        assert_eq!(consts::O_CREAT, 0o100);
        assert_eq!(consts::O_DIRECTORY, 0o200000);
        assert_eq!(consts::AT_FDCWD, -100);
        assert_eq!(consts::SIGCHLD, 17);
        assert_eq!(core::mem::size_of::<structs::stat>(), 144);
        assert_eq!(core::mem::size_of::<structs::epoll_event>(), 12);
        assert_eq!(core::mem::size_of::<structs::new_utsname>(), 6 * 65);
    }

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
