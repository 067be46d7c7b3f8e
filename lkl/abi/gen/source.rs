//! Finds the Linux source the bindings are generated from: an unpacked tree
//! named by CELLUX_LINUX_SRC, or the few directories we need extracted once
//! from Debian's linux-source-6.12 tarball into OUT_DIR.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the generators read; extracting only this keeps it to seconds.
const WANTED: [&str; 4] = [
    "Makefile",
    "arch/x86/entry/syscalls/syscall_64.tbl",
    "include/uapi",
    "arch/x86/include/uapi",
];

pub fn linux_tree(out_dir: &Path) -> Result<PathBuf, String> {
    println!("cargo:rerun-if-env-changed=CELLUX_LINUX_SRC");
    if let Ok(dir) = std::env::var("CELLUX_LINUX_SRC") {
        let dir = PathBuf::from(dir);
        return if dir.join(WANTED[1]).exists() {
            Ok(dir)
        } else {
            Err(format!("CELLUX_LINUX_SRC={} has no {}", dir.display(), WANTED[1]))
        };
    }
    let tarball = find_tarball()?;
    println!("cargo:rerun-if-changed={}", tarball.display());
    let dest = out_dir.join("linux-src");
    let stamp = dest.join(".extracted");
    let top = "linux-source-6.12";
    if !stamp.exists() {
        std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        let mut cmd = Command::new("tar");
        cmd.arg("-xJf").arg(&tarball).arg("-C").arg(&dest);
        for w in WANTED {
            cmd.arg(format!("{top}/{w}"));
        }
        let st = cmd.status().map_err(|e| format!("tar: {e}"))?;
        if !st.success() {
            return Err(format!("extracting {} failed", tarball.display()));
        }
        std::fs::write(&stamp, b"").map_err(|e| e.to_string())?;
    }
    Ok(dest.join(top))
}

fn find_tarball() -> Result<PathBuf, String> {
    let p = PathBuf::from("/usr/src/linux-source-6.12.tar.xz");
    if p.exists() {
        return Ok(p);
    }
    Err("Linux source not found: install Debian's linux-source-6.12 (scripts/setup does) \
         or point CELLUX_LINUX_SRC at an unpacked tree"
        .into())
}

/// "6.12.117" from the top Makefile.
pub fn version(tree: &Path) -> Result<String, String> {
    let mk = std::fs::read_to_string(tree.join("Makefile")).map_err(|e| e.to_string())?;
    let get = |k: &str| {
        mk.lines()
            .find_map(|l| l.strip_prefix(k).and_then(|r| r.trim_start().strip_prefix('=')).map(|v| v.trim().to_string()))
            .ok_or_else(|| format!("{k} missing from Makefile"))
    };
    Ok(format!("{}.{}.{}{}", get("VERSION")?, get("PATCHLEVEL")?, get("SUBLEVEL")?, get("EXTRAVERSION").unwrap_or_default()))
}
