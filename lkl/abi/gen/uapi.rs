//! Constants and structs from Linux's x86_64 uapi headers, read through
//! gcc's preprocessor so that every `#ifdef` resolves as it does for an
//! x86_64 program. Raw (not installed) uapi headers need two things the
//! kernel's headers_install normally provides: the `asm/` headers x86 takes
//! from asm-generic, and empty compiler headers; `stubs()` makes both.

use crate::asm::asm_word;
use crate::cexpr::Macros;
use crate::cstruct::{self, Defs};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Headers whose macros become `consts`.
const FLAG_HEADERS: &[&str] = &[
    "linux/fcntl.h", "linux/stat.h", "linux/mount.h", "linux/sched.h", "asm/signal.h", "linux/wait.h",
    "linux/mman.h", "linux/fs.h", "linux/reboot.h", "linux/eventpoll.h", "linux/poll.h", "linux/utsname.h",
    "linux/resource.h", "linux/time.h", "linux/futex.h", "linux/eventfd.h", "asm/ioctls.h", "linux/inotify.h",
    "linux/limits.h", "linux/magic.h", "linux/uio.h", "asm/stat.h", "linux/time_types.h", "linux/falloc.h",
    "linux/signalfd.h", "linux/timerfd.h", "asm/statfs.h", "linux/termios.h", "linux/in.h", "linux/un.h",
    "linux/socket.h", "asm/sockios.h", "linux/sockios.h", "linux/if.h",
    "linux/route.h",
];

/// Structs callers pass to syscalls; what they embed comes along.
const STRUCTS: &[&str] = &[
    "stat", "statx", "new_utsname", "__kernel_timespec", "timespec", "timeval", "__kernel_old_timeval", "rusage",
    "pollfd", "epoll_event", "iovec", "itimerspec", "clone_args", "inotify_event", "signalfd_siginfo", "rlimit",
    "statfs", "winsize", "sockaddr_un", "timezone", "termios",
];

pub struct Uapi {
    flags: Vec<String>,
    include: Vec<PathBuf>,
}

impl Uapi {
    pub fn new(tree: &Path, out_dir: &Path) -> Result<Uapi, String> {
        let stub = out_dir.join("uapi-stubs");
        stubs(tree, &stub)?;
        let include = vec![tree.join("include/uapi"), tree.join("arch/x86/include/uapi"), stub];
        let flags = ["-nostdinc", "-D__EXPORTED_HEADERS__", "-D__user=", "-D__force=", "-D__iomem=", "-D__attribute_const__="]
            .iter()
            .map(|s| s.to_string())
            .collect();
        Ok(Uapi { flags, include })
    }

    fn gcc(&self, mode: &[&str], headers: &[&str], extra: &str) -> Result<String, String> {
        let src: String = headers.iter().map(|h| format!("#include <{h}>\n")).collect::<String>() + extra;
        let tmp = std::env::temp_dir().join(format!("cellux-uapi-{}-{}.c", std::process::id(), mode.join("")));
        std::fs::write(&tmp, src).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()));
        cmd.args(mode).args(&self.flags);
        for i in &self.include {
            cmd.arg("-I").arg(i);
        }
        let out = cmd.arg(&tmp).output().map_err(|e| format!("gcc: {e}"))?;
        let _ = std::fs::remove_file(&tmp);
        if !out.status.success() {
            return Err(format!("gcc {mode:?} on uapi headers failed:\n{}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn macros(&self, headers: &[&str]) -> Result<HashMap<String, String>, String> {
        let dm = self.gcc(&["-E", "-dM"], headers, "")?;
        let mut bodies = HashMap::new();
        for line in dm.lines() {
            let Some(rest) = line.strip_prefix("#define ") else { continue };
            let (name, body) = rest.split_once(' ').unwrap_or((rest, ""));
            if name.contains('(') {
                continue; // function-like
            }
            bodies.insert(name.to_string(), body.to_string());
        }
        Ok(bodies)
    }

    /// `pub const NAME: i64` for every upper-case integer macro of the
    /// flag headers, and the errno values (as `Errno` constants).
    pub fn emit_consts(&self, out: &mut String) -> Result<(), String> {
        let bodies = self.macros(FLAG_HEADERS)?;
        let m = Macros { bodies: &bodies };
        let mut names: Vec<&String> = bodies.keys().filter(|n| is_public(n)).collect();
        names.sort();
        out.push_str("/// Flags and constants from the x86_64 uapi headers.\npub mod consts {\n");
        let mut count = 0;
        let mut hard = Vec::new();
        for n in names {
            if let Some(v) = m.eval(n).and_then(|v| i64::try_from(v).ok()) {
                let _ = writeln!(out, "    pub const {n}: i64 = {v};");
                count += 1;
            } else if !bodies[n].trim().is_empty() {
                hard.push(n.clone());
            }
        }
        // What our evaluator cannot do (_IOR(...), sizeof) gcc can.
        for (n, v) in self.eval_with_gcc(&hard)? {
            let _ = writeln!(out, "    pub const {n}: i64 = {v};");
        }
        out.push_str("}\n");
        for must in ["O_RDWR", "AT_FDCWD", "S_IFREG", "MS_RDONLY", "CLONE_NEWNS", "SIGCHLD", "WNOHANG"] {
            if !out.contains(&format!("pub const {must}: i64")) {
                return Err(format!("uapi constant {must} was not generated ({count} were)"));
            }
        }

        let errno = self.macros(&["asm/errno.h"])?;
        let m = Macros { bodies: &errno };
        let mut rows: Vec<(String, i64)> = errno
            .keys()
            .filter(|n| n.starts_with('E') && is_public(n))
            .filter_map(|n| Some((n.clone(), i64::try_from(m.eval(n)?).ok()?)))
            .collect();
        rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        out.push_str("/// Linux's errno values (include/uapi/asm-generic/errno*.h).\nimpl crate::Errno {\n");
        for (n, v) in &rows {
            let _ = writeln!(out, "    pub const {n}: crate::Errno = crate::Errno({v});");
        }
        out.push_str("    /// The symbolic name (the first one, where several share a value).\n    pub fn name(self) -> Option<&'static str> {\n        match self.0 {\n");
        let mut seen = std::collections::HashSet::new();
        for (n, v) in &rows {
            if seen.insert(*v) {
                let _ = writeln!(out, "            {v} => Some(\"{n}\"),");
            }
        }
        out.push_str("            _ => None,\n        }\n    }\n}\n");
        if rows.len() < 100 {
            return Err(format!("only {} errno values generated", rows.len()));
        }
        Ok(())
    }

    /// Values of `names` as gcc computes them; names that are not integer
    /// constant expressions make gcc complain about their line, and are
    /// dropped until what remains compiles.
    fn eval_with_gcc(&self, names: &[String]) -> Result<Vec<(String, i64)>, String> {
        let mut live: Vec<Option<&String>> = names.iter().map(Some).collect();
        let marker = "/*cellux-probe*/";
        for _ in 0..4 {
            let mut probe = String::from(marker);
            probe.push('\n');
            for (i, n) in live.iter().enumerate() {
                match n {
                    Some(n) => { let _ = writeln!(probe, "long long cellux_k_{i} = (long long)({n});"); }
                    None => probe.push('\n'),
                }
            }
            match self.gcc(&["-S", "-o", "-", "-w", "-fmax-errors=0"], FLAG_HEADERS, &probe) {
                Ok(asm) => {
                    return Ok(live
                        .iter()
                        .enumerate()
                        .filter_map(|(i, n)| Some(((*n)?.clone(), asm_word(&asm, &format!("cellux_k_{i}:"))? as i64)))
                        .collect());
                }
                Err(msg) => {
                    // Lines of the probe are numbered after the includes.
                    let first = FLAG_HEADERS.len() + 2;
                    let mut dropped = 0;
                    for l in msg.lines().filter(|l| l.contains("cellux-uapi-")) {
                        let line = l.split(':').nth(1).and_then(|x| x.parse::<usize>().ok());
                        if let Some(i) = line.and_then(|x| x.checked_sub(first)) {
                            if let Some(slot) = live.get_mut(i) {
                                dropped += slot.take().is_some() as usize;
                            }
                        }
                    }
                    if dropped == 0 {
                        return Err(msg);
                    }
                }
            }
        }
        Err("gcc kept rejecting the constant probe".into())
    }

    /// The structs in STRUCTS, with compile-time checks that their Rust
    /// size equals what gcc computes for the C definition.
    pub fn emit_structs(&self, out: &mut String) -> Result<(), String> {
        let pp = self.gcc(&["-E", "-P"], FLAG_HEADERS, "")?;
        let bodies = self.macros(FLAG_HEADERS)?;
        let m = Macros { bodies: &bodies };
        let mut defs = Defs::parse(&pp);
        defs.mark_packed(&pp);
        let mut structs = BTreeMap::new();
        for s in STRUCTS {
            defs.collect(s, &m, &mut structs).map_err(|e| format!("uapi struct {s}: {e}"))?;
        }
        out.push_str("/// Structs from the x86_64 uapi headers.\n#[allow(non_camel_case_types)]\npub mod structs {\n");
        let mut body = String::new();
        cstruct::emit(&structs, &mut body);
        out.push_str(&body);

        // Let gcc tell the C sizes: `.size`-free way is a data word per struct.
        let mut probe = String::new();
        for (name, s) in &structs {
            let _ = writeln!(probe, "unsigned long cellux_size_{name} = sizeof({});", s.c_name);
        }
        let asm = self.gcc(&["-S", "-o", "-"], FLAG_HEADERS, &probe)?;
        for name in structs.keys() {
            let size = asm_word(&asm, &format!("cellux_size_{name}:")).ok_or_else(|| format!("no size for {name}"))?;
            let _ = writeln!(out, "const _: () = assert!(core::mem::size_of::<{name}>() == {size});");
        }
        out.push_str("}\n");
        Ok(())
    }
}

fn is_public(n: &str) -> bool {
    n.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && n.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// The asm-generic fallbacks x86 uses, empty compiler headers, and the
/// one C library header a uapi header we read wants.
fn stubs(tree: &Path, stub: &Path) -> Result<(), String> {
    let asm = stub.join("asm");
    let linux = stub.join("linux");
    std::fs::create_dir_all(&asm).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&linux).map_err(|e| e.to_string())?;
    let generic = tree.join("include/uapi/asm-generic");
    let x86 = tree.join("arch/x86/include/uapi/asm");
    for entry in std::fs::read_dir(&generic).map_err(|e| format!("{}: {e}", generic.display()))? {
        let name = entry.map_err(|e| e.to_string())?.file_name();
        if !x86.join(&name).exists() {
            let text = format!("#include <asm-generic/{}>\n", name.to_string_lossy());
            std::fs::write(asm.join(&name), text).map_err(|e| e.to_string())?;
        }
    }
    for empty in ["compiler.h", "compiler_types.h"] {
        std::fs::write(linux.join(empty), b"").map_err(|e| e.to_string())?;
    }
    // linux/if.h takes `struct sockaddr` from the C library's header, as a
    // program's would; this is its x86_64 layout (include/linux/socket.h).
    let sys = stub.join("sys");
    std::fs::create_dir_all(&sys).map_err(|e| e.to_string())?;
    let sockaddr = "struct sockaddr { unsigned short sa_family; char sa_data[14]; };\n";
    std::fs::write(sys.join("socket.h"), sockaddr).map_err(|e| e.to_string())?;
    Ok(())
}
