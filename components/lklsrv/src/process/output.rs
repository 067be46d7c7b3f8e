//! How a one-shot run's output leaves the machine while the serial port
//! also carries kernel and Linux messages: each chunk the process writes is
//! one print (atomic on the kernel's console) wrapped as a terminal APC
//! string, `ESC _ cellux:KIND:PAYLOAD ESC \`, which scripts/run takes apart
//! (scripts/run-demux.py). Kinds: `o` stdout and `e` stderr bytes (hex),
//! `s` lines of the syscall trace (hex; scripts/run --strace), `x` the
//! command's status as a shell reports it (decimal), `t` the process
//! talks to the console tty directly (raw bytes follow).

const OPEN: &[u8] = b"\x1b_cellux:";
const CLOSE: &[u8] = b"\x1b\\";
/// Data bytes per frame: hex doubles them, and a print takes 1024.
pub const CHUNK: usize = 480;

fn emit(kind: u8, payload: &[u8]) {
    let mut b = [0u8; 1024];
    let mut n = 0;
    for part in [OPEN, &[kind, b':'][..], payload, CLOSE] {
        let k = part.len().min(b.len() - n);
        b[n..n + k].copy_from_slice(&part[..k]);
        n += k;
    }
    cellux_rt::print::bytes(&b[..n]);
}

fn hex_frames(kind: u8, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for chunk in bytes.chunks(CHUNK) {
        let mut h = [0u8; CHUNK * 2];
        for (i, &c) in chunk.iter().enumerate() {
            h[2 * i] = HEX[(c >> 4) as usize];
            h[2 * i + 1] = HEX[(c & 15) as usize];
        }
        emit(kind, &h[..chunk.len() * 2]);
    }
}

/// Bytes the process wrote to fd 1 (`err`: fd 2).
pub fn data(err: bool, bytes: &[u8]) {
    hex_frames(if err { b'e' } else { b'o' }, bytes);
}

/// One line of the syscall trace (its newline added here).
pub fn trace(line: &str) {
    let mut b = alloc::vec::Vec::with_capacity(line.len() + 1);
    b.extend_from_slice(line.as_bytes());
    b.push(b'\n');
    hex_frames(b's', &b);
}

/// A message of ours for the user's standard error.
pub fn message(m: &str) {
    data(true, m.as_bytes());
}

/// The command's status as a shell reports it (0..=255).
pub fn status(code: u8) {
    let mut d = [0u8; 3];
    let mut n = 0;
    let mut v = code;
    loop {
        d[2 - n] = b'0' + v % 10;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    emit(b'x', &d[3 - n..]);
}

/// The process's fds 0-2 are the console tty itself.
pub fn tty_mode() {
    emit(b't', b"");
}
