//! Evaluates the integer constant expressions found in the bodies of the
//! uapi headers' object-like macros (`(O_RDONLY|O_CREAT)`, `(1 << 3)`,
//! `(__force __poll_t)0x01`), resolving names through the other macros.
//! Anything else (function-like macros, strings, floats) is `None`: such a
//! macro is simply not exported.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(i128),
    Ident(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 20] = [
    "<<", ">>", "&&", "||", "==", "!=", "<=", ">=", "(", ")", "~", "!", "-", "+", "|", "&", "^", "*", "/", "%",
];

pub fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            out.push(Tok::Num(parse_number(&s[start..i])?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_string()));
        } else {
            let p = PUNCTS.iter().find(|p| s[i..].starts_with(**p))?;
            out.push(Tok::Punct(p));
            i += p.len();
        }
    }
    Some(out)
}

fn parse_number(text: &str) -> Option<i128> {
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()
    } else {
        digits.parse().ok()
    }
}

/// Macro bodies by name, and the evaluation of one of them.
pub struct Macros<'a> {
    pub bodies: &'a HashMap<String, String>,
}

impl Macros<'_> {
    pub fn eval(&self, name: &str) -> Option<i128> {
        self.eval_depth(name, 0)
    }

    fn eval_depth(&self, name: &str, depth: u32) -> Option<i128> {
        if depth > 32 {
            return None;
        }
        let toks = tokenize(self.bodies.get(name)?)?;
        let toks: Vec<Tok> = toks.into_iter().filter(|t| *t != Tok::Ident("__force".into())).collect();
        if toks.is_empty() {
            return None;
        }
        let mut p = Parser { toks: &toks, pos: 0, macros: self, depth };
        let v = p.expr(0)?;
        (p.pos == toks.len()).then_some(v)
    }

    fn is_value(&self, name: &str) -> bool {
        self.bodies.contains_key(name)
    }
}

struct Parser<'a, 'm> {
    toks: &'a [Tok],
    pos: usize,
    macros: &'a Macros<'m>,
    depth: u32,
}

fn binary_prec(p: &str) -> Option<u8> {
    Some(match p {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn expr(&mut self, min_prec: u8) -> Option<i128> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Punct(p)) = self.peek() {
            let p = *p;
            let Some(prec) = binary_prec(p) else { break };
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(prec + 1)?;
            lhs = match p {
                "||" => ((lhs != 0) || (rhs != 0)) as i128,
                "&&" => ((lhs != 0) && (rhs != 0)) as i128,
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => (lhs == rhs) as i128,
                "!=" => (lhs != rhs) as i128,
                "<=" => (lhs <= rhs) as i128,
                ">=" => (lhs >= rhs) as i128,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok()?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok()?)?,
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                "%" => lhs.checked_rem(rhs)?,
                _ => return None,
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<i128> {
        let tok = self.peek()?.clone();
        self.pos += 1;
        match tok {
            Tok::Num(n) => Some(n),
            Tok::Ident(name) => {
                // Identifiers that are not macros are types in casts, which
                // only reach here when written without parentheses: reject.
                if !self.macros.is_value(&name) {
                    return None;
                }
                self.macros.eval_depth(&name, self.depth + 1)
            }
            Tok::Punct("~") => Some(!self.unary()?),
            Tok::Punct("!") => Some((self.unary()? == 0) as i128),
            Tok::Punct("-") => Some(-self.unary()?),
            Tok::Punct("+") => self.unary(),
            Tok::Punct("(") => {
                if self.is_cast() {
                    while self.peek() != Some(&Tok::Punct(")")) {
                        self.pos += 1;
                    }
                    self.pos += 1;
                    return self.unary();
                }
                let v = self.expr(0)?;
                (self.peek() == Some(&Tok::Punct(")"))).then(|| self.pos += 1)?;
                Some(v)
            }
            _ => None,
        }
    }

    /// `(` already consumed: true when what follows up to `)` is only names
    /// of types (identifiers that are not macros) and `*`.
    fn is_cast(&self) -> bool {
        let mut i = self.pos;
        let mut saw_type = false;
        while let Some(t) = self.toks.get(i) {
            match t {
                Tok::Punct(")") => return saw_type,
                Tok::Punct("*") => {}
                Tok::Ident(n) if !self.macros.is_value(n) => saw_type = true,
                _ => return false,
            }
            i += 1;
        }
        false
    }
}

impl Macros<'_> {
    /// Evaluates already-expanded text, such as an array bound `64 + 1`.
    pub fn eval_text(&self, text: &str) -> Option<i128> {
        let toks = tokenize(text)?;
        if toks.is_empty() {
            return None;
        }
        let mut p = Parser { toks: &toks, pos: 0, macros: self, depth: 0 };
        let v = p.expr(0)?;
        (p.pos == toks.len()).then_some(v)
    }
}
