use super::*;
use std::panic;
use std::vec;
use std::vec::Vec;

/// A minimal valid static executable: one R+X segment holding the headers
/// and the entry point, built by hand so each field can be broken alone.
fn tiny_exec() -> Vec<u8> {
    let mut f = vec![0u8; 0x1000];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // little-endian
    f[6] = 1; // EV_CURRENT
    put16(&mut f, 16, 2); // ET_EXEC
    put16(&mut f, 18, 62); // EM_X86_64
    put32(&mut f, 20, 1);
    put64(&mut f, 24, 0x400078); // e_entry
    put64(&mut f, 32, 64); // e_phoff
    put16(&mut f, 52, 64); // e_ehsize
    put16(&mut f, 54, 56); // e_phentsize
    put16(&mut f, 56, 1); // e_phnum
    let ph = 64;
    put32(&mut f, ph, 1); // PT_LOAD
    put32(&mut f, ph + 4, 5); // R+X
    put64(&mut f, ph + 8, 0); // p_offset
    put64(&mut f, ph + 16, 0x400000); // p_vaddr
    put64(&mut f, ph + 24, 0x400000);
    put64(&mut f, ph + 32, 0x1000); // p_filesz
    put64(&mut f, ph + 40, 0x2000); // p_memsz
    put64(&mut f, ph + 48, 0x1000);
    f
}

fn put16(f: &mut [u8], at: usize, v: u16) {
    f[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put32(f: &mut [u8], at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put64(f: &mut [u8], at: usize, v: u64) {
    f[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn tiny_exec_loads_where_it_says() {
    let e = parse(&tiny_exec()).unwrap();
    assert_eq!(e.kind, Kind::Exec);
    assert_eq!(e.entry, 0x400078);
    assert_eq!(e.segments.len(), 1);
    let s = &e.segments[0];
    assert_eq!((s.vaddr, s.file_size, s.mem_size), (0x400000, 0x1000, 0x2000));
    assert!(s.prot.read && s.prot.exec && !s.prot.write);
    assert_eq!(e.phdr_addr, 0x400040, "headers are loaded from offset 64");
    assert_eq!((e.phent, e.phnum), (56, 1));
    assert_eq!(e.brk_start, 0x402000);
}

#[test]
fn static_pie_is_placed_at_the_dyn_base() {
    let mut f = tiny_exec();
    put16(&mut f, 16, 3); // ET_DYN
    put64(&mut f, 24, 0x78);
    put64(&mut f, 64 + 16, 0);
    put64(&mut f, 64 + 24, 0);
    let e = parse(&f).unwrap();
    assert_eq!(e.kind, Kind::StaticPie);
    assert_eq!(e.load_bias, DYN_BASE);
    assert_eq!(e.entry, DYN_BASE + 0x78);
    assert_eq!(e.segments[0].vaddr, DYN_BASE);
    assert_eq!(DYN_BASE % crate::PAGE_SIZE, 0);
}

fn refused(f: &[u8]) -> ElfError {
    let err = parse(f).unwrap_err();
    assert_eq!(err.errno(), linux_abi::Errno::ENOEXEC, "{err}");
    err
}

#[test]
fn refusals_name_their_reason() {
    assert!(matches!(refused(b"#!/bin/sh\n"), ElfError::NotElf(_)));
    assert!(matches!(refused(&[0x7f, b'E', b'L', b'F']), ElfError::NotElf(_)));

    let mut f = tiny_exec();
    f[4] = 1; // ELFCLASS32
    assert!(matches!(refused(&f), ElfError::NotElf(_) | ElfError::WrongArch(_)));

    let mut f = tiny_exec();
    put16(&mut f, 18, 183); // EM_AARCH64
    assert!(matches!(refused(&f), ElfError::WrongArch(_)));

    let mut f = tiny_exec();
    put16(&mut f, 16, 1); // ET_REL
    assert_eq!(refused(&f), ElfError::NotExecutable);

    let mut f = tiny_exec();
    put32(&mut f, 64, 3); // the only header becomes PT_INTERP
    assert_eq!(refused(&f), ElfError::Dynamic);

    let mut f = tiny_exec();
    put64(&mut f, 64 + 32, 0x3000); // filesz > memsz
    assert!(matches!(refused(&f), ElfError::BadSegment { .. }));

    let mut f = tiny_exec();
    put64(&mut f, 64 + 40, 0x3000);
    put64(&mut f, 64 + 32, 0x2000); // past the end of the file
    assert!(matches!(refused(&f), ElfError::BadSegment { .. }));

    let mut f = tiny_exec();
    put64(&mut f, 64 + 16, 0x400010); // vaddr and offset disagree mod 4096
    assert!(matches!(refused(&f), ElfError::BadSegment { .. }));

    let mut f = tiny_exec();
    put64(&mut f, 64 + 16, linux_abi::TASK_SIZE_MAX - 0x1000); // runs past user space
    put64(&mut f, 24, linux_abi::TASK_SIZE_MAX - 0x1000 + 0x78);
    assert!(matches!(refused(&f), ElfError::BadSegment { .. }));

    let mut f = tiny_exec();
    put64(&mut f, 24, 0x900000);
    assert_eq!(refused(&f), ElfError::BadEntry(0x900000));

    let mut f = tiny_exec();
    put64(&mut f, 32, 0xfff0); // e_phoff past the end
    assert!(matches!(refused(&f), ElfError::BadProgramHeaders(_)));

    let mut f = tiny_exec();
    put16(&mut f, 54, 32);
    assert!(matches!(refused(&f), ElfError::BadProgramHeaders(_)));
}

#[test]
fn overlapping_segments_are_refused() {
    let mut f = tiny_exec();
    put16(&mut f, 56, 2);
    let ph2 = 64 + 56;
    f.copy_within(64..120, ph2);
    put64(&mut f, ph2 + 16, 0x401000); // inside the first one's memsz
    assert_eq!(refused(&f), ElfError::Overlap(0x401000));
}

#[test]
fn debians_static_busybox_parses() {
    let Ok(bytes) = std::fs::read("/bin/busybox") else {
        panic!("/bin/busybox missing: scripts/setup installs busybox-static");
    };
    let e = parse(&bytes).unwrap();
    assert_eq!(e.kind, Kind::Exec);
    assert!(e.segments.iter().any(|s| s.prot.exec));
    assert!(e.segments.iter().any(|s| s.prot.write && s.mem_size > s.file_size), "has .bss");
    assert!(!e.exec_stack);
}

#[test]
fn a_dynamic_binary_is_refused_with_a_message() {
    let bytes = std::fs::read("/bin/true").unwrap();
    let err = parse(&bytes).unwrap_err();
    assert_eq!(err, ElfError::Dynamic);
    assert!(std::format!("{err}").contains("dynamically linked"));
}

/// Cut and corrupted images must give an error, never a panic: the loader
/// runs in a component that must not go down because of a file's contents.
#[test]
fn mangled_images_never_panic() {
    let base = std::fs::read("/bin/busybox").unwrap();
    let head = &base[..8192.min(base.len())];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for len in (0..1024).chain([4096, 8192]) {
        let cut = &base[..len.min(base.len())];
        assert!(panic::catch_unwind(|| parse(cut)).is_ok(), "truncated to {len}");
    }
    for round in 0..20000 {
        let mut f = head.to_vec();
        for _ in 0..1 + next() % 8 {
            let at = (next() % 512) as usize;
            f[at] = next() as u8;
        }
        assert!(panic::catch_unwind(|| parse(&f)).is_ok(), "round {round}");
    }
}

/// The table is bounds-checked by the reader shared with the kernel's
/// component check; both refuse a table the file cuts short.
#[test]
fn a_truncated_program_header_table_is_refused() {
    let mut f = tiny_exec();
    put16(&mut f, 56, 2);
    f.truncate(64 + 2 * 56 - 1);
    let err = refused(&f);
    assert_eq!(err, ElfError::BadProgramHeaders("table lies outside the file"));
    assert_eq!(cellux_abi::elf::parse(&f).unwrap_err(), cellux_abi::elf::ElfError::BadProgramHeaders);
}
