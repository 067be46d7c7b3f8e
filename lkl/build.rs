//! Generates the Linux bindings (syscall numbers, uapi constants, errno
//! values, structs) from Debian's linux-source-6.12, and links the port's
//! `lkl.o` when it can be found or built. See gen/*.rs.

#[path = "gen/cexpr.rs"]
mod cexpr;
#[path = "gen/cstruct.rs"]
mod cstruct;
#[path = "gen/header.rs"]
mod header;
#[path = "gen/object.rs"]
mod object;
#[path = "gen/source.rs"]
mod source;
#[path = "gen/syscalls.rs"]
mod syscalls;
#[path = "gen/uapi.rs"]
mod uapi;

use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("lkl build: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=gen");
    println!("cargo::rustc-check-cfg=cfg(lkl_linked)");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);

    let tree = source::linux_tree(&out_dir)?;
    let version = source::version(&tree)?;
    let mut gen = format!("/// The Linux version the bindings were generated from.\npub const LINUX_VERSION: &str = \"{version}\";\n");
    syscalls::emit(&tree, &mut gen)?;
    let u = uapi::Uapi::new(&tree, &out_dir)?;
    u.emit_consts(&mut gen)?;
    u.emit_structs(&mut gen)?;
    header::emit(&crate_dir.join("include/cellux/lkl_host.h"), &mut gen)?;
    std::fs::write(out_dir.join("linux_gen.rs"), gen).map_err(|e| e.to_string())?;

    match object::find(&crate_dir) {
        object::Found::Object(obj) => object::link(&obj, &out_dir)?,
        object::Found::Missing(why) => {
            println!("cargo:warning=lkl: building without Linux ({why}); every call reports ENODEV");
        }
    }
    Ok(())
}
