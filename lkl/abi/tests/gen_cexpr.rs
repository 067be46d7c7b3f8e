//! The build script's evaluator for uapi macro bodies (gen/cexpr.rs).

#[path = "../gen/cexpr.rs"]
#[allow(dead_code)]
mod cexpr;

use cexpr::Macros;
use std::collections::HashMap;

fn eval(defs: &[(&str, &str)], name: &str) -> Option<i128> {
    let bodies: HashMap<String, String> = defs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Macros { bodies: &bodies }.eval(name)
}

#[test]
fn numbers_in_every_base_with_suffixes() {
    assert_eq!(eval(&[("A", "00000100")], "A"), Some(64));
    assert_eq!(eval(&[("A", "0x1000UL")], "A"), Some(4096));
    assert_eq!(eval(&[("A", "-100")], "A"), Some(-100));
    assert_eq!(eval(&[("A", "0")], "A"), Some(0));
}

#[test]
fn names_operators_and_precedence() {
    let defs = [("B", "(1 << 3)"), ("C", "(B | 0x1)"), ("D", "(~C & 0xff)"), ("E", "2 + 3 * 4"), ("F", "(E - 4) / 2 % 4")];
    assert_eq!(eval(&defs, "C"), Some(9));
    assert_eq!(eval(&defs, "D"), Some(0xf6));
    assert_eq!(eval(&defs, "E"), Some(14));
    assert_eq!(eval(&defs, "F"), Some(1));
}

#[test]
fn casts_are_skipped_and_non_constants_rejected() {
    assert_eq!(eval(&[("P", "(__force __poll_t)0x00000004")], "P"), Some(4));
    assert_eq!(eval(&[("S", "((__sighandler_t)1)")], "S"), Some(1));
    assert_eq!(eval(&[("X", "_IOR('T', 0x30, unsigned int)")], "X"), None);
    assert_eq!(eval(&[("Y", "\"text\"")], "Y"), None);
    assert_eq!(eval(&[("L", "L")], "L"), None, "self-reference terminates");
}
