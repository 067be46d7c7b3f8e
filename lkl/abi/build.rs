//! Generates the x86_64 Linux ABI (syscall numbers, uapi constants, errno
//! values, uapi structs) from Debian's linux-source-6.12. Only the source
//! tree is read, never Linux's built object, so the host-tested pure crates
//! (personality, loader) can depend on this one. See gen/*.rs.

#[path = "gen/asm.rs"]
mod asm;
#[path = "gen/cexpr.rs"]
mod cexpr;
#[path = "gen/cstruct.rs"]
mod cstruct;
#[path = "gen/source.rs"]
mod source;
#[path = "gen/syscalls.rs"]
mod syscalls;
#[path = "gen/uapi.rs"]
mod uapi;

use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("linux-abi build: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=gen");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);

    let tree = source::linux_tree(&out_dir)?;
    let version = source::version(&tree)?;
    let mut gen = format!("/// The Linux version the bindings were generated from.\npub const LINUX_VERSION: &str = \"{version}\";\n");
    syscalls::emit(&tree, &mut gen)?;
    let u = uapi::Uapi::new(&tree, &out_dir)?;
    u.emit_consts(&mut gen)?;
    u.emit_structs(&mut gen)?;
    std::fs::write(out_dir.join("linux_gen.rs"), gen).map_err(|e| e.to_string())
}
