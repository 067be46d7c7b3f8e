//! Syscall numbers from arch/x86/entry/syscalls/syscall_64.tbl: the ABI our
//! library speaks. x32-only entries are left out.

use std::fmt::Write;
use std::path::Path;

pub fn emit(tree: &Path, out: &mut String) -> Result<(), String> {
    let tbl = tree.join("arch/x86/entry/syscalls/syscall_64.tbl");
    let text = std::fs::read_to_string(&tbl).map_err(|e| format!("{}: {e}", tbl.display()))?;
    let mut rows = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 3 || cols[1] == "x32" {
            continue;
        }
        let nr: i64 = cols[0].parse().map_err(|_| format!("bad syscall number in `{line}`"))?;
        rows.push((nr, cols[2].to_string()));
    }
    if rows.len() < 300 {
        return Err(format!("only {} syscalls in {}", rows.len(), tbl.display()));
    }
    out.push_str("/// x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).\npub mod nr {\n");
    for (nr, name) in &rows {
        let _ = writeln!(out, "    pub const {}: i64 = {nr};", name.to_uppercase());
    }
    let top = rows.iter().map(|r| r.0).max().unwrap_or(0);
    let _ = writeln!(out, "    /// One past the highest number x86_64 assigns: anything at or above it\n    /// is -ENOSYS (the x32 numbers from 512 are left out with x32).\n    pub const NR_SYSCALLS: i64 = {};", top + 1);
    out.push_str("    /// The name of syscall `nr` as syscall_64.tbl spells it; `None` for the\n    /// numbers x86_64 does not assign.\n    pub const fn name(nr: i64) -> Option<&'static str> {\n        match nr {\n");
    for (nr, name) in &rows {
        let _ = writeln!(out, "            {nr} => Some(\"{name}\"),");
    }
    out.push_str("            _ => None,\n        }\n    }\n}\n");
    Ok(())
}
