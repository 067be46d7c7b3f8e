//! Turns the x86_64 uapi struct definitions (preprocessed by gcc, so every
//! `#ifdef` is resolved and every macro expanded) into `#[repr(C)]` Rust
//! structs. Only plain structs are supported: integer, pointer, array and
//! nested-struct fields. Unions and bitfields make a struct unsupported,
//! which is an error only if a caller asked for it.

use crate::cexpr::Macros;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

#[derive(Debug, Clone)]
pub enum Ty {
    Prim(&'static str),
    Struct(String),
    Array(Box<Ty>, usize),
}

#[derive(Debug)]
pub struct Struct {
    pub fields: Vec<(String, Ty)>,
    pub packed: bool,
    /// The C spelling used to take its size (`struct stat` or a typedef).
    pub c_name: String,
}

pub struct Defs {
    typedefs: HashMap<String, Vec<String>>,
    /// Struct bodies as token lists, parsed lazily (only what is asked for).
    bodies: HashMap<String, (Vec<String>, bool, String)>,
}

fn tokens(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(src[s..i].to_string());
        } else if c == b'"' || c == b'\'' {
            let s = i;
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(src[s..i.min(b.len())].to_string());
        } else {
            out.push((c as char).to_string());
            i += 1;
        }
    }
    out
}

/// Index just past the group opened at `open` (`(`, `[` or `{`).
fn skip_group(t: &[String], open: usize) -> usize {
    let (o, c) = match t[open].as_str() {
        "(" => ("(", ")"),
        "[" => ("[", "]"),
        _ => ("{", "}"),
    };
    let mut depth = 0;
    let mut i = open;
    while i < t.len() {
        if t[i] == o {
            depth += 1;
        } else if t[i] == c {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    t.len()
}

/// Drops `__attribute__((...))` groups, noting whether one said `packed`.
fn strip_attributes(t: &[String]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut packed = false;
    let mut i = 0;
    while i < t.len() {
        if t[i] == "__attribute__" && t.get(i + 1).map(String::as_str) == Some("(") {
            let end = skip_group(t, i + 1);
            packed |= t[i..end].iter().any(|x| x == "packed" || x == "__packed__");
            i = end;
        } else {
            out.push(t[i].clone());
            i += 1;
        }
    }
    (out, packed)
}

impl Defs {
    pub fn parse(preprocessed: &str) -> Defs {
        let (mut t, _) = strip_attributes(&tokens(preprocessed));
        t.retain(|x| x != "__extension__");
        let mut defs = Defs { typedefs: HashMap::new(), bodies: HashMap::new() };
        let mut i = 0;
        while i < t.len() {
            let start = i;
            // One top-level item: up to `;` at depth 0, or a function body.
            let mut end = i;
            while end < t.len() && t[end] != ";" {
                if t[end] == "{" || t[end] == "(" || t[end] == "[" {
                    let close = skip_group(&t, end);
                    if t[end] == "{" && t.get(close).map(String::as_str) != Some(";") {
                        // `struct x {...} name;` or a function body.
                        let is_fn = start < end && t[end - 1] == ")";
                        if is_fn {
                            end = close - 1; // at the `}`, which ends it
                            break;
                        }
                    }
                    end = close;
                } else {
                    end += 1;
                }
            }
            defs.item(&t[start..end.min(t.len())]);
            i = end + 1;
        }
        defs
    }

    fn item(&mut self, t: &[String]) {
        if t.is_empty() {
            return;
        }
        if t[0] == "typedef" {
            let rest = &t[1..];
            if rest.len() >= 2 && rest[0] == "struct" {
                // typedef struct [tag] { ... } name;
                if let Some(open) = rest.iter().position(|x| x == "{") {
                    let close = skip_group(rest, open);
                    if let Some(name) = rest.get(close) {
                        self.bodies.insert(name.clone(), (rest[open + 1..close - 1].to_vec(), false, name.clone()));
                        if open == 2 {
                            self.typedefs.insert(name.clone(), vec!["struct".into(), rest[1].clone()]);
                            self.bodies.insert(rest[1].clone(), (rest[open + 1..close - 1].to_vec(), false, format!("struct {}", rest[1])));
                        }
                    }
                    return;
                }
            }
            if rest.iter().any(|x| x == "{" || x == "(") {
                return;
            }
            // typedef TYPE... name [dims];
            let name_at = rest.iter().rposition(|x| is_ident(x));
            if let Some(n) = name_at {
                let mut ty = rest[..n].to_vec();
                ty.extend(rest[n + 1..].iter().cloned());
                self.typedefs.insert(rest[n].clone(), ty);
            }
            return;
        }
        if t[0] == "struct" && t.len() > 2 && t[2] == "{" {
            let close = skip_group(t, 2);
            self.bodies.insert(t[1].clone(), (t[3..close - 1].to_vec(), false, format!("struct {}", t[1])));
        }
    }

    /// Marks packed structs: gcc's `-E` keeps `} __attribute__((packed));`.
    pub fn mark_packed(&mut self, preprocessed: &str) {
        let t = tokens(preprocessed);
        let mut i = 0;
        while i + 2 < t.len() {
            if t[i] == "struct" && t[i + 2] == "{" {
                let close = skip_group(&t, i + 2);
                let (attrs, packed) = strip_attributes(&t[close..(close + 12).min(t.len())]);
                let _ = attrs;
                if packed && t.get(close).map(String::as_str) == Some("__attribute__") {
                    if let Some(b) = self.bodies.get_mut(&t[i + 1]) {
                        b.1 = true;
                    }
                }
                i = close;
            } else {
                i += 1;
            }
        }
    }

    fn resolve(&self, words: &[String], m: &Macros, need: &mut Vec<String>) -> Result<Ty, String> {
        let words: Vec<&String> = words.iter().filter(|w| !matches!(w.as_str(), "const" | "volatile")).collect();
        // Trailing array dims belong to a typedef of an array.
        if let Some(open) = words.iter().position(|w| *w == "[") {
            let owned: Vec<String> = words.iter().map(|s| s.to_string()).collect();
            let (base, dims) = owned.split_at(open);
            let mut ty = self.resolve(base, m, need)?;
            for d in parse_dims(dims, m)?.into_iter().rev() {
                ty = Ty::Array(Box::new(ty), d);
            }
            return Ok(ty);
        }
        if words.iter().any(|w| *w == "*") {
            return Ok(Ty::Prim("u64"));
        }
        match words.as_slice() {
            [s, name] if s.as_str() == "struct" => {
                need.push((*name).clone());
                return Ok(Ty::Struct((*name).clone()));
            }
            [s, _] if s.as_str() == "union" => return Err("union field".into()),
            [one] if self.typedefs.contains_key(one.as_str()) => {
                if self.bodies.contains_key(one.as_str()) && !self.typedefs[one.as_str()].starts_with(&["struct".to_string()]) {
                    need.push((*one).clone());
                    return Ok(Ty::Struct((*one).clone()));
                }
                let target = self.typedefs[one.as_str()].clone();
                return self.resolve(&target, m, need);
            }
            [one] if self.bodies.contains_key(one.as_str()) => {
                need.push((*one).clone());
                return Ok(Ty::Struct((*one).clone()));
            }
            _ => {}
        }
        let unsigned = words.iter().any(|w| *w == "unsigned");
        let longs = words.iter().filter(|w| w.as_str() == "long").count();
        let has = |k: &str| words.iter().any(|w| *w == k);
        let prim = if has("char") {
            if unsigned { "u8" } else if has("signed") || has("__signed__") { "i8" } else { "u8" }
        } else if has("short") {
            if unsigned { "u16" } else { "i16" }
        } else if has("__int128") {
            if unsigned { "u128" } else { "i128" }
        } else if has("_Bool") {
            "u8"
        } else if longs > 0 {
            if unsigned { "u64" } else { "i64" }
        } else if has("int") || has("signed") || has("__signed__") || unsigned {
            if unsigned { "u32" } else { "i32" }
        } else {
            return Err(format!("unknown type `{}`", words.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")));
        };
        Ok(Ty::Prim(prim))
    }

    /// Parses struct `name` and, transitively, the structs it embeds.
    pub fn collect(&self, name: &str, m: &Macros, out: &mut BTreeMap<String, Struct>) -> Result<(), String> {
        if out.contains_key(name) {
            return Ok(());
        }
        let (body, packed, c_name) = self.bodies.get(name).ok_or_else(|| format!("struct {name} not found"))?;
        let mut fields = Vec::new();
        let mut need = Vec::new();
        for decl in body.split(|t| t == ";").filter(|d| !d.is_empty()) {
            if decl.iter().any(|t| t == "{" || t == ":") {
                return Err(format!("struct {name}: unions, nested or bit fields are not supported"));
            }
            let parts: Vec<&[String]> = decl.split(|t| t == ",").collect();
            let first = parts[0];
            let name_at = first.iter().rposition(|x| is_ident(x) && !matches!(x.as_str(), "int" | "long" | "char" | "short" | "unsigned")).ok_or("field without a name")?;
            let base: Vec<String> = first[..name_at].iter().filter(|x| *x != "*").cloned().collect();
            let is_ptr = first[..name_at].iter().any(|x| x == "*");
            for (k, part) in parts.iter().enumerate() {
                let (fname_at, stars) = if k == 0 {
                    (name_at, is_ptr)
                } else {
                    let at = part.iter().position(|x| is_ident(x)).ok_or("declarator without a name")?;
                    (at, part[..at].iter().any(|x| x == "*"))
                };
                let fname = &part[fname_at];
                let mut ty = if stars { Ty::Prim("u64") } else { self.resolve(&base, m, &mut need)? };
                for d in parse_dims(&part[fname_at + 1..], m)?.into_iter().rev() {
                    ty = Ty::Array(Box::new(ty), d);
                }
                fields.push((fname.clone(), ty));
            }
        }
        out.insert(name.to_string(), Struct { fields, packed: *packed, c_name: c_name.clone() });
        for n in need {
            self.collect(&n, m, out)?;
        }
        Ok(())
    }
}

fn is_ident(s: &str) -> bool {
    s.as_bytes().first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
}

fn parse_dims(t: &[String], m: &Macros) -> Result<Vec<usize>, String> {
    let mut dims = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if t[i] != "[" {
            return Err(format!("unexpected `{}` after a field name", t[i]));
        }
        let close = skip_group(t, i);
        let inner = t[i + 1..close - 1].join(" ");
        let n = if inner.trim().is_empty() {
            0 // flexible array member
        } else {
            m.eval_text(&inner).ok_or_else(|| format!("array bound `{inner}`"))? as usize
        };
        dims.push(n);
        i = close;
    }
    Ok(dims)
}

fn rust_ty(t: &Ty) -> String {
    match t {
        Ty::Prim(p) => p.to_string(),
        Ty::Struct(s) => s.clone(),
        Ty::Array(e, n) => format!("[{}; {}]", rust_ty(e), n),
    }
}

const KEYWORDS: [&str; 12] = ["type", "match", "fn", "mod", "ref", "move", "loop", "use", "impl", "in", "where", "struct"];

pub fn emit(structs: &BTreeMap<String, Struct>, out: &mut String) {
    for (name, s) in structs {
        let repr = if s.packed { "C, packed" } else { "C" };
        let _ = writeln!(out, "/// `{}` from the x86_64 uapi headers.", s.c_name);
        let _ = writeln!(out, "#[repr({repr})]\n#[derive(Clone, Copy, Debug)]\npub struct {name} {{");
        for (f, t) in &s.fields {
            let f = if KEYWORDS.contains(&f.as_str()) { format!("r#{f}") } else { f.clone() };
            let _ = writeln!(out, "    pub {f}: {},", rust_ty(t));
        }
        let _ = writeln!(out, "}}");
        let _ = writeln!(out, "impl {name} {{\n    /// All fields zero, as the kernel expects for inputs it fills.\n    pub const fn zeroed() -> Self {{\n        // SAFETY: every field is an integer or an array or struct of integers, for which all-zero bytes are valid.\n        unsafe {{ core::mem::zeroed() }}\n    }}\n}}");
    }
}
