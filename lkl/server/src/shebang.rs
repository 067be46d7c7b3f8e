//! `#!` scripts at execve: the server loads images itself (a process is a
//! component, not a Linux mm), so Linux's binfmt_script never sees them;
//! this reads the first line the way it does and says what to run instead.

use alloc::vec::Vec;
use cellux_personality::errno::Errno;

/// Linux's BINPRM_BUF_SIZE: only this much of the file is looked at.
const BUF: usize = 256;
const ENOEXEC: Errno = Errno(8);

/// The interpreter and its one optional argument named by a file that
/// starts with `#!`; None when it does not (not a script).
pub fn parse(image: &[u8]) -> Option<Result<(Vec<u8>, Option<Vec<u8>>), Errno>> {
    if !image.starts_with(b"#!") {
        return None;
    }
    let head = &image[2..image.len().min(BUF)];
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(end) => &head[..end],
        None => {
            // No newline in the buffer: fine only if the interpreter's
            // name ends inside it (the rest of a long argument is cut).
            let start = head.iter().position(|b| !blank(b)).unwrap_or(head.len());
            if !head[start..].iter().any(blank) {
                return Some(Err(ENOEXEC));
            }
            head
        }
    };
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !blank(b)).map_or(start, |i| i + 1);
    let line = &line[start..end.max(start)];
    if line.is_empty() {
        return Some(Err(ENOEXEC));
    }
    let name_end = line.iter().position(blank).unwrap_or(line.len());
    let rest = &line[name_end..];
    let arg = rest.iter().position(|b| !blank(b)).map(|i| rest[i..].to_vec());
    Some(Ok((line[..name_end].to_vec(), arg)))
}
