use super::*;
use linux_abi::nr;
use crate::route::{self, Lifecycle, Mm};
use std::vec::Vec;

/// One readable region of process memory at `base`.
struct Region {
    base: u64,
    bytes: Vec<u8>,
}

impl Memory for Region {
    fn map(&mut self, _: u64, _: u64, _: u32) -> Result<(), Errno> {
        unreachable!()
    }
    fn unmap(&mut self, _: u64, _: u64) {}
    fn protect(&mut self, _: u64, _: u64, _: u32) -> Result<(), Errno> {
        unreachable!()
    }
    fn zero(&mut self, _: u64, _: u64) -> Result<(), Errno> {
        unreachable!()
    }
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let off = addr.checked_sub(self.base).ok_or(Errno::EFAULT)? as usize;
        let src = self.bytes.get(off..off + buf.len()).ok_or(Errno::EFAULT)?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write(&mut self, _: u64, _: &[u8]) -> Result<(), Errno> {
        unreachable!()
    }
}

const B: u64 = 0x10000;

fn mem_with(at: usize, data: &[u8]) -> Region {
    let mut bytes = std::vec![0u8; 8192];
    bytes[at..at + data.len()].copy_from_slice(data);
    Region { base: B, bytes }
}

fn line(nr: i64, args: [u64; 6], ret: Option<i64>, mem: &mut Region) -> std::string::String {
    Call::enter(42, nr, args, mem).finish(ret, route::route(nr), mem)
}

#[test]
fn write_shows_its_bytes_escaped() {
    let mut m = mem_with(0, b"hi\n\x1b");
    assert_eq!(line(nr::WRITE, [1, B, 3, 0, 0, 0], Some(3), &mut m), "42 write(1, \"hi\\n\", 3) = 3 <linux>");
    assert_eq!(line(nr::WRITE, [2, B, 4, 0, 0, 0], Some(4), &mut m), "42 write(2, \"hi\\n\\33\", 4) = 4 <linux>");
}

#[test]
fn long_buffers_are_cut_at_32_bytes() {
    let mut m = mem_with(0, &[b'a'; 100]);
    let l = line(nr::WRITE, [1, B, 100, 0, 0, 0], Some(100), &mut m);
    assert_eq!(l, std::format!("42 write(1, \"{}\"..., 100) = 100 <linux>", "a".repeat(32)));
}

#[test]
fn errors_are_named_and_bad_pointers_shown_as_addresses() {
    let mut m = mem_with(0, b"");
    assert_eq!(line(nr::WRITE, [1, 0x10, 3, 0, 0, 0], Some(-14), &mut m), "42 write(1, 0x10, 3) = -1 EFAULT <linux>");
}

#[test]
fn read_shows_what_the_call_wrote_and_the_args_after_it() {
    let mut m = mem_with(0, b"");
    let c = Call::enter(7, 0, [3, B, 10, 0, 0, 0], &mut m);
    m.bytes[..5].copy_from_slice(b"abcde");
    assert_eq!(c.finish(Some(5), Route::Linux, &mut m), "7 read(3, \"abcde\", 10) = 5 <linux>");
}

#[test]
fn execve_reads_path_and_argv_before_the_call() {
    let mut m = mem_with(0, b"/bin/ls\0ls\0-l\0");
    let argv: Vec<u8> = [B + 8, B + 11, 0].iter().flat_map(|p| p.to_le_bytes()).collect();
    m.bytes[64..64 + argv.len()].copy_from_slice(&argv);
    let env: Vec<u8> = [B, B, 0].iter().flat_map(|p| p.to_le_bytes()).collect();
    m.bytes[128..128 + env.len()].copy_from_slice(&env);
    let c = Call::enter(9, nr::EXECVE, [B, B + 64, B + 128, 0, 0, 0], &mut m);
    m.bytes.fill(0xff);
    assert_eq!(
        c.finish(Some(0), route::route(nr::EXECVE), &mut m),
        "9 execve(\"/bin/ls\", [\"ls\", \"-l\"], 0x10080 /* 2 vars */) = 0 <process>"
    );
}

#[test]
fn flags_by_name_and_memory_results_in_hex() {
    let mut m = mem_with(0, b"");
    let prot = 3;
    let flags = 0x22;
    assert_eq!(
        line(nr::MMAP, [0, 8192, prot, flags, u64::MAX, 0], Some(0x7f00_0000_0000), &mut m),
        "42 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000 <mm>"
    );
    assert_eq!(route::route(nr::MMAP), Route::Memory(Mm::Mmap));
}

#[test]
fn open_shows_its_mode_only_when_it_creates() {
    let mut m = mem_with(0, b"/f\0");
    assert_eq!(
        line(nr::OPENAT, [-100i64 as u64, B, 0, 0o22550640, 0, 0], Some(-2), &mut m),
        "42 openat(AT_FDCWD, \"/f\", O_RDONLY) = -1 ENOENT <linux>"
    );
    assert_eq!(
        line(nr::OPENAT, [-100i64 as u64, B, 0o1101, 0o644, 0, 0], Some(3), &mut m),
        "42 openat(AT_FDCWD, \"/f\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3 <linux>"
    );
    assert_eq!(
        line(nr::OPENAT, [-100i64 as u64, B, 0o2204000, 0, 0, 0], Some(3), &mut m),
        "42 openat(AT_FDCWD, \"/f\", O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC) = 3 <linux>"
    );
    assert_eq!(line(nr::READ, [0, B, 1, 0, 0, 0], Some(-512), &mut m), "42 read(0, 0x10000, 1) = ? ERESTARTSYS <linux>");
    assert_eq!(line(nr::MPROTECT, [B, 4096, 1, 0, 0, 0], Some(0), &mut m), "42 mprotect(0x10000, 4096, PROT_READ) = 0 <mm>");
}

#[test]
fn exits_do_not_return_and_unknown_calls_show_registers() {
    let mut m = mem_with(0, b"");
    assert_eq!(line(nr::EXIT_GROUP, [3, 0, 0, 0, 0, 0], None, &mut m), "42 exit_group(3) = ? <process>");
    assert_eq!(route::route(nr::EXIT_GROUP), Route::Lifecycle(Lifecycle::Exit { group: true }));
    assert_eq!(line(999, [1, 2, 3, 4, 5, 6], Some(-38), &mut m), "42 syscall_0x3e7(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS <enosys>");
}

#[test]
fn signals_and_ends_as_strace_shows_them() {
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&17i32.to_le_bytes());
    info[8..12].copy_from_slice(&1i32.to_le_bytes());
    info[16..20].copy_from_slice(&43i32.to_le_bytes());
    assert_eq!(signal_line(5, 17, &info), "5 --- SIGCHLD {si_signo=SIGCHLD, si_code=1, si_pid=43, si_uid=0, si_status=0} ---");
    assert_eq!(exit_line(5, 3 << 8), "5 +++ exited with 3 +++");
    assert_eq!(exit_line(5, 9), "5 +++ killed by SIGKILL +++");
    assert_eq!(exit_line(5, 11 | 0x80), "5 +++ killed by SIGSEGV (core dumped) +++");
}
