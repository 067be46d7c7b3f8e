//! Reads the values gcc computed out of its assembly output: the build
//! scripts learn a C constant or `sizeof` by compiling `long x = EXPR;` and
//! reading x's data word. Shared with lkl's build.rs (its header mirror).

/// The value of the `.quad`/`.long` after `label` in gcc's assembly.
pub fn asm_word(asm: &str, label: &str) -> Option<u64> {
    let mut lines = asm.lines().skip_while(|l| l.trim() != label);
    lines.next()?;
    let l = lines.next()?.trim();
    let mut w = l.split_whitespace();
    match w.next()? {
        ".zero" => Some(0),
        _ => {
            let v = w.next()?;
            v.parse::<u64>().ok().or_else(|| v.parse::<i64>().ok().map(|x| x as u64))
        }
    }
}
