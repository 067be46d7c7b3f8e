use super::*;
use std::vec;
use std::vec::Vec;

const TOP: u64 = 0x7fff_ffff_e000;

fn startup<'a>(argv: &'a [&'a [u8]], envp: &'a [&'a [u8]]) -> Startup<'a> {
    Startup {
        argv,
        envp,
        execfn: b"/bin/busybox",
        random: [0xa5; 16],
        phdr: 0x400040,
        phent: 56,
        phnum: 10,
        entry: 0x401000,
        base: 0,
        hwcap: 0x178bfbff,
        hwcap2: 2,
        uid: 0,
        euid: 0,
        gid: 0,
        egid: 0,
        secure: false,
        clock_ticks: 100,
        min_sigstack: 2048,
    }
}

/// Reads the stack back the way a libc start-up routine does.
struct Reader<'a> {
    buf: &'a [u8],
}

impl Reader<'_> {
    fn word(&self, addr: u64) -> u64 {
        let off = (addr - (TOP - self.buf.len() as u64)) as usize;
        u64::from_le_bytes(self.buf[off..off + 8].try_into().unwrap())
    }
    fn cstr(&self, addr: u64) -> Vec<u8> {
        let off = (addr - (TOP - self.buf.len() as u64)) as usize;
        let end = self.buf[off..].iter().position(|&b| b == 0).unwrap();
        self.buf[off..off + end].to_vec()
    }
}

fn parse(buf: &[u8], sp: u64) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<(u64, u64)>) {
    let r = Reader { buf };
    let argc = r.word(sp);
    let mut p = sp + 8;
    let mut argv = Vec::new();
    for _ in 0..argc {
        argv.push(r.cstr(r.word(p)));
        p += 8;
    }
    assert_eq!(r.word(p), 0, "argv is NULL-terminated");
    p += 8;
    let mut envp = Vec::new();
    while r.word(p) != 0 {
        envp.push(r.cstr(r.word(p)));
        p += 8;
    }
    p += 8;
    let mut auxv = Vec::new();
    loop {
        let (k, v) = (r.word(p), r.word(p + 8));
        p += 16;
        if k == at::NULL {
            break;
        }
        auxv.push((k, v));
    }
    (argv, envp, auxv)
}

#[test]
fn round_trips_argv_envp_and_auxv() {
    let argv: [&[u8]; 3] = [b"sh", b"-c", b"echo hi"];
    let envp: [&[u8]; 2] = [b"PATH=/bin", b"HOME=/root"];
    let s = startup(&argv, &envp);
    let mut buf = vec![0u8; 8192];
    let built = build(&s, TOP, &mut buf).unwrap();
    assert_eq!(built.sp % 16, 0, "rsp at entry is 16-byte aligned");
    assert_eq!(built.len as u64, TOP - built.sp);
    let (a, e, aux) = parse(&buf, built.sp);
    assert_eq!(a, argv.iter().map(|x| x.to_vec()).collect::<Vec<_>>());
    assert_eq!(e, envp.iter().map(|x| x.to_vec()).collect::<Vec<_>>());
    let get = |k| aux.iter().find(|(key, _)| *key == k).map(|(_, v)| *v).unwrap();
    assert_eq!(get(at::PHDR), 0x400040);
    assert_eq!(get(at::PHNUM), 10);
    assert_eq!(get(at::PHENT), 56);
    assert_eq!(get(at::ENTRY), 0x401000);
    assert_eq!(get(at::PAGESZ), 4096);
    assert_eq!(get(at::CLKTCK), 100);
    assert_eq!(get(at::SECURE), 0);
    let r = Reader { buf: &buf };
    assert_eq!(r.cstr(get(at::EXECFN)), b"/bin/busybox");
    assert_eq!(r.cstr(get(at::PLATFORM)), b"x86_64");
    let rnd = get(at::RANDOM);
    assert_eq!(rnd % 16, 0);
    let off = (rnd - (TOP - buf.len() as u64)) as usize;
    assert_eq!(&buf[off..off + 16], &[0xa5; 16]);
}

#[test]
fn every_auxv_key_linux_promises_is_present() {
    let argv: [&[u8]; 1] = [b"x"];
    let s = startup(&argv, &[]);
    let mut buf = vec![0u8; 4096];
    let built = build(&s, TOP, &mut buf).unwrap();
    let (_, _, aux) = parse(&buf, built.sp);
    for k in [
        at::PHDR, at::PHENT, at::PHNUM, at::PAGESZ, at::ENTRY, at::RANDOM, at::HWCAP,
        at::CLKTCK, at::UID, at::EUID, at::GID, at::EGID, at::SECURE, at::EXECFN, at::PLATFORM,
    ] {
        assert!(aux.iter().any(|(key, _)| *key == k), "AT_{k} missing");
    }
}

#[test]
fn strings_sit_between_the_vectors_and_the_top() {
    let argv: [&[u8]; 2] = [b"a", b"b"];
    let s = startup(&argv, &[b"X=1"]);
    let mut buf = vec![0u8; 4096];
    let built = build(&s, TOP, &mut buf).unwrap();
    let r = Reader { buf: &buf };
    let argv0 = r.word(built.sp + 8);
    let argv1 = r.word(built.sp + 16);
    assert!(argv0 < argv1, "argv[0]'s string is below argv[1]'s, as on Linux");
    assert!(argv0 > built.sp && argv1 < TOP);
    assert_eq!(r.word(TOP - 8), 0, "the top 8 bytes are the end marker");
}

#[test]
fn alignment_holds_for_every_string_length() {
    for n in 0..40usize {
        let arg = vec![b'x'; n];
        let argv: [&[u8]; 1] = [&arg];
        let s = startup(&argv, &[]);
        let mut buf = vec![0u8; 4096];
        let built = build(&s, TOP, &mut buf).unwrap();
        assert_eq!(built.sp % 16, 0, "length {n}");
        let (a, _, _) = parse(&buf, built.sp);
        assert_eq!(a[0], arg);
    }
}

#[test]
fn too_big_is_e2big_not_a_panic() {
    let big = vec![b'y'; 5000];
    let argv: [&[u8]; 1] = [&big];
    let s = startup(&argv, &[]);
    let mut buf = vec![0u8; 4096];
    let err = build(&s, TOP, &mut buf).unwrap_err();
    assert_eq!(err, StackError::TooBig);
    assert_eq!(err.errno(), linux_abi::Errno::E2BIG);
}

#[test]
fn embedded_nul_is_refused() {
    let argv: [&[u8]; 1] = [b"a\0b"];
    let s = startup(&argv, &[]);
    let mut buf = vec![0u8; 4096];
    assert_eq!(build(&s, TOP, &mut buf).unwrap_err(), StackError::EmbeddedNul);
}

#[test]
fn string_bounds_are_what_proc_cmdline_and_environ_read() {
    let argv: [&[u8]; 2] = [b"ls", b"-l"];
    let envp: [&[u8]; 2] = [b"A=1", b"HOME=/root"];
    let s = startup(&argv, &envp);
    let mut buf = vec![0u8; 4096];
    let built = build(&s, TOP, &mut buf).unwrap();
    let [arg_start, arg_end, env_start, env_end] = built.strings;
    let base = TOP - buf.len() as u64;
    let bytes = |a: u64, b: u64| buf[(a - base) as usize..(b - base) as usize].to_vec();
    assert_eq!(bytes(arg_start, arg_end), b"ls\0-l\0");
    assert_eq!(arg_end, env_start);
    assert_eq!(bytes(env_start, env_end), b"A=1\0HOME=/root\0");
    // argv[0] is where cmdline starts.
    assert_eq!(Reader { buf: &buf }.word(built.sp + 8), arg_start);
}
