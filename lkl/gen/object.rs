//! Finds the port's relocatable `lkl.o` and links it: CELLUX_LKL_OBJ names
//! it, or the port's own build script (cached by hash, so seconds when
//! nothing changed) builds it and prints its path as its last stdout line.
//! The object is wrapped in a static archive so that crates depending on
//! `lkl` link it too (rustc-link-arg would reach only our own binaries).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the port keeps its build script, in order of preference.
const SCRIPTS: [&str; 3] = ["build.sh", "scripts/build.sh", "scripts/build"];

pub enum Found {
    Object(PathBuf),
    /// Why there is no object (the crate then builds with `unlinked` stubs).
    Missing(String),
}

pub fn find(crate_dir: &Path) -> Found {
    println!("cargo:rerun-if-env-changed=CELLUX_LKL_OBJ");
    println!("cargo:rerun-if-env-changed=CELLUX_CACHE");
    if let Ok(p) = std::env::var("CELLUX_LKL_OBJ") {
        let p = PathBuf::from(p);
        println!("cargo:rerun-if-changed={}", p.display());
        return if p.is_file() {
            Found::Object(p)
        } else {
            Found::Missing(format!("CELLUX_LKL_OBJ={} does not exist", p.display()))
        };
    }
    // The object depends on the port's inputs: rebuild when they change.
    // (Only paths that exist: cargo reruns every time for a missing one.)
    for dir in ["overlay", "config", "include", "scripts", "build.sh"] {
        let p = crate_dir.join(dir);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    let Some(script) = SCRIPTS.iter().map(|s| crate_dir.join(s)).find(|p| p.is_file()) else {
        return Found::Missing("the port's build script (lkl/build.sh) does not exist yet".into());
    };
    // The script's progress goes to its stderr, which cargo shows with -vv
    // or on failure; scripts/test runs the script itself first so a fresh
    // build's progress is visible there.
    let out = Command::new("bash").arg(&script).stdin(Stdio::null()).stderr(Stdio::inherit()).output();
    let out = match out {
        Ok(o) => o,
        Err(e) => return Found::Missing(format!("{}: {e}", script.display())),
    };
    if !out.status.success() {
        return Found::Missing(format!("{} failed with {}", script.display(), out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
        Some(path) if Path::new(path).is_file() => {
            println!("cargo:rerun-if-changed={path}");
            Found::Object(PathBuf::from(path))
        }
        other => Found::Missing(format!("{} printed no object path (last line: {other:?})", script.display())),
    }
}

/// Archives the object into OUT_DIR/liblkl_linux.a and tells cargo to link it.
pub fn link(obj: &Path, out_dir: &Path) -> Result<(), String> {
    let lib = out_dir.join("liblkl_linux.a");
    let _ = std::fs::remove_file(&lib);
    let st = Command::new(std::env::var("AR").unwrap_or_else(|_| "ar".into()))
        .arg("crs")
        .arg(&lib)
        .arg(obj)
        .status()
        .map_err(|e| format!("ar: {e}"))?;
    if !st.success() {
        return Err(format!("ar failed to archive {}", obj.display()));
    }
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static=lkl_linux");
    println!("cargo:rustc-cfg=lkl_linked");
    Ok(())
}
