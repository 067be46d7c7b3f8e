//! The cases: which program runs with which arguments, and the wait
//! status (or refusal) Linux would give.

use alloc::vec::Vec;
use cellux_abi::archive::Archive;
use cellux_abi::layout::BOOT_ARCHIVE_VA;
use cellux_rt::println;

use crate::table::{run, Run};

const SIGTRAP: u32 = 5;
const SIGILL: u32 = 4;
const SIGFPE: u32 = 8;
const SIGSEGV: u32 = 11;

const ENV: &[&[u8]] = &[b"PATH=/bin", b"CELLUX=1", b"HOME=/"];

fn archive() -> Option<Archive<'static>> {
    // SAFETY: the booter mapped the archive read-only here; the parser
    // checks the length and checksum before anything is used.
    let bytes = unsafe {
        let total = core::ptr::read_unaligned((BOOT_ARCHIVE_VA + 16) as *const u64).min(1 << 30);
        core::slice::from_raw_parts(BOOT_ARCHIVE_VA as *const u8, total as usize)
    };
    Archive::parse(bytes).ok()
}

fn image(name: &str) -> Option<&'static [u8]> {
    archive()?.find(name).map(|e| e.data)
}

fn case(name: &str, f: impl FnOnce() -> Result<(), &'static str>) {
    cellux_rt::report::case(name, f());
}

/// Runs `prog` with `argv` and checks its wait status.
fn status(prog: &str, argv: &[&[u8]], want: u32) -> Result<(), &'static str> {
    let img = image(prog).ok_or("program missing from the boot archive")?;
    let ended = run(&Run { image: img, argv, envp: ENV }, 20).map_err(|e| {
        println!("  spawn failed: {}", e);
        "spawn failed"
    })?;
    let f = &ended.refused;
    if f.n_refused > 0 {
        println!("  forwarded and answered ENOSYS: {:?}", &f.refused[..f.n_refused]);
    }
    if let (Some(s), Some(f)) = (ended.status, ended.fault) {
        println!("  killed by signal {}: vector {} at rip {:#x}, address {:#x}", s & 0x7f, f.vector, f.rip, f.addr);
    }
    match ended.status {
        None => Err("did not end in time"),
        Some(s) if s == want => Ok(()),
        Some(s) => {
            println!("  status {:#x} (exit {} / signal {}), wanted {:#x}; fault {:?}", s, s >> 8, s & 0x7f, want, ended.fault);
            Err("wrong wait status")
        }
    }
}

fn prog(mode: &'static [u8]) -> [&'static [u8]; 2] {
    [b"/bin/ptprog", mode]
}

fn refused(img: &[u8]) -> Result<(), &'static str> {
    match run(&Run { image: img, argv: &[b"bad"], envp: ENV }, 5) {
        Ok(_) => Err("a malformed image was started"),
        Err(e) if e.errno() == linux_abi::Errno::ENOEXEC => {
            println!("  refused: {}", e);
            Ok(())
        }
        Err(e) => {
            println!("  refused with the wrong error: {}", e);
            Err("refused, but not with ENOEXEC")
        }
    }
}

fn malformed() -> Result<(), &'static str> {
    let good = image("ptprog").ok_or("ptprog missing")?;
    refused(&good[..200])?;
    refused(b"")?;
    let mut bad_magic: Vec<u8> = good.to_vec();
    bad_magic[1] = b'X';
    refused(&bad_magic)?;
    let mut bad_phoff = good.to_vec();
    bad_phoff[32..40].copy_from_slice(&0xffff_fff0u64.to_le_bytes());
    refused(&bad_phoff)?;
    let mut wrong_arch = good.to_vec();
    wrong_arch[18] = 183; // EM_AARCH64
    refused(&wrong_arch)?;
    refused(image("ptdyn").ok_or("ptdyn missing")?)
}

/// Memory goes back: many processes in a row do not run out.
fn many() -> Result<(), &'static str> {
    for _ in 0..40 {
        status("ptprog", &prog(b"exit42"), 42 << 8)?;
    }
    Ok(())
}

pub fn all() -> (u64, u64) {
    case("proc.exit_status_42", || status("ptprog", &prog(b"exit42"), 42 << 8));
    case("proc.write_via_test_forward", || status("ptprog", &prog(b"hello"), 0));
    case("proc.brk_grow_shrink_use", || status("ptprog", &prog(b"brk"), 0));
    case("proc.brk_shrunk_memory_sigsegv", || status("ptprog", &prog(b"brkfault"), SIGSEGV));
    case("proc.mmap_anonymous_fixed_munmap", || status("ptprog", &prog(b"mmap"), 0));
    case("proc.munmap_then_touch_sigsegv", || status("ptprog", &prog(b"munmapfault"), SIGSEGV));
    case("proc.mprotect_readonly_write_sigsegv", || status("ptprog", &prog(b"mprotectfault"), SIGSEGV));
    case("proc.mremap_grow_move_shrink", || status("ptprog", &prog(b"mremap"), 0));
    case("proc.madvise_dontneed_zeroes", || status("ptprog", &prog(b"madvise"), 0));
    case("proc.null_dereference_sigsegv", || status("ptprog", &prog(b"null"), SIGSEGV));
    case("proc.ud2_sigill", || status("ptprog", &prog(b"ud2"), SIGILL));
    case("proc.divide_by_zero_sigfpe", || status("ptprog", &prog(b"div0"), SIGFPE));
    case("proc.int3_sigtrap", || status("ptprog", &prog(b"int3"), SIGTRAP));
    case("proc.privileged_instruction_sigsegv", || status("ptprog", &prog(b"gp"), SIGSEGV));
    case("proc.arch_prctl_fs_base", || status("ptprog", &prog(b"fs"), 0));
    case("proc.argv_envp_auxv", || status("ptprog", &[b"/bin/ptprog", b"auxv", b"hello world"], 0));
    case("proc.static_pie_argv_envp_auxv", || status("ptpie", &[b"/bin/ptprog", b"auxv", b"hello world"], 0));
    case("proc.unknown_syscall_enosys", || status("ptprog", &prog(b"enosys"), 0));
    case("proc.bad_pointer_efault", || status("ptprog", &prog(b"efault"), 0));
    case("proc.malformed_elf_enoexec", malformed);
    case("proc.glibc_static_program", || status("pthello", &[b"/bin/hello"], 7 << 8));
    case("proc.busybox_true", || status("busybox", &[b"true"], 0));
    case("proc.busybox_echo", || status("busybox", &[b"echo", b"echo from busybox on cellux"], 0));
    case("proc.busybox_false", || status("busybox", &[b"false"], 1 << 8));
    case("proc.forty_processes_in_a_row", many);
    cellux_rt::report::totals()
}
