//! Keeps src/ffi.rs in step with lkl/include/cellux/lkl_host.h: for each
//! struct of the header, every field's offset and the struct's size as gcc
//! lays them out become compile-time assertions on the Rust mirror, so a
//! refined header that the mirror does not follow fails the build.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

const STRUCTS: [&str; 3] = ["lkl_host_ops", "lkl_jmp_buf", "lkl_signal_delivery"];

/// Field names of `struct name { ... };` in the header text.
fn fields(header: &str, name: &str) -> Option<Vec<String>> {
    let start = header.find(&format!("struct {name} {{"))?;
    let body = &header[start..];
    let body = &body[body.find('{')? + 1..body.find("};")?];
    let mut out = Vec::new();
    // Drop comments first: they may contain `;` or `(*`.
    let mut text = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    text.push_str(rest);
    for decl in text.split(';') {
        let decl = decl.trim();
        if decl.is_empty() {
            continue;
        }
        let name = if let Some(i) = decl.find("(*") {
            decl[i + 2..].split(')').next()?.trim().to_string()
        } else {
            let d = decl.split('[').next()?;
            d.split(|c: char| !(c.is_alphanumeric() || c == '_')).rfind(|w| !w.is_empty())?.to_string()
        };
        out.push(name);
    }
    Some(out)
}

pub fn emit(header: &Path, out: &mut String) -> Result<(), String> {
    println!("cargo:rerun-if-changed={}", header.display());
    let text = std::fs::read_to_string(header).map_err(|e| format!("{}: {e}", header.display()))?;
    let mut probe = format!("#include <stddef.h>\n#include \"{}\"\n", header.display());
    let mut checks = Vec::new();
    for s in STRUCTS {
        let f = fields(&text, s).ok_or_else(|| format!("struct {s} not found in {}", header.display()))?;
        let _ = writeln!(probe, "unsigned long cellux_size_{s} = sizeof(struct {s});");
        checks.push((s, None, format!("cellux_size_{s}")));
        for field in f {
            let _ = writeln!(probe, "unsigned long cellux_off_{s}_{field} = offsetof(struct {s}, {field});");
            checks.push((s, Some(field.clone()), format!("cellux_off_{s}_{field}")));
        }
    }
    let tmp = std::env::temp_dir().join(format!("cellux-header-{}.c", std::process::id()));
    std::fs::write(&tmp, probe).map_err(|e| e.to_string())?;
    let res = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into())).args(["-S", "-o", "-"]).arg(&tmp).output();
    let _ = std::fs::remove_file(&tmp);
    let res = res.map_err(|e| format!("gcc: {e}"))?;
    if !res.status.success() {
        return Err(format!("gcc on {}: {}", header.display(), String::from_utf8_lossy(&res.stderr)));
    }
    let asm = String::from_utf8_lossy(&res.stdout);
    out.push_str("// The FFI mirror against lkl_host.h as gcc lays it out.\n");
    for (s, field, label) in checks {
        let v = crate::asm::asm_word(&asm, &format!("{label}:")).ok_or_else(|| format!("no {label} in gcc output"))?;
        match field {
            None => {
                let _ = writeln!(out, "const _: () = assert!(core::mem::size_of::<crate::ffi::{s}>() == {v}, \"ffi::{s} size differs from lkl_host.h\");");
            }
            Some(f) => {
                let _ = writeln!(out, "const _: () = assert!(core::mem::offset_of!(crate::ffi::{s}, {f}) == {v}, \"ffi::{s}.{f} differs from lkl_host.h\");");
            }
        }
    }
    Ok(())
}
