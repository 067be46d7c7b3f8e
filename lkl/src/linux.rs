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
