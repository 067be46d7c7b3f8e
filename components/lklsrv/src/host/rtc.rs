//! The wall clock: Linux's time starts at the epoch (our `time` host op is
//! the TSC, a monotonic count), so at boot the server reads the PC's CMOS
//! real-time clock (QEMU's, which follows the host's UTC) and sets
//! CLOCK_REALTIME from it, as Linux's own rtc_hctosys would.

use cellux_rt::abi::layout::boot_slot;
use cellux_rt::cap::Hw;
use cellux_rt::println;
use lkl::consts::*;
use lkl::{nr, Errno};

const INDEX: u64 = 0x70;
const DATA: u64 = 0x71;
const STATUS_A: u64 = 0x0a;
const STATUS_B: u64 = 0x0b;
/// Status A: an update is under way; the time registers are unstable.
const UIP: u64 = 0x80;
/// Status B: binary (not BCD) values; 24-hour (not 12-hour) clock.
const BINARY: u64 = 0x04;
const H24: u64 = 0x02;

fn cmos(reg: u64) -> u64 {
    let _ = Hw(boot_slot::HW).io_out(INDEX, 1, reg);
    Hw(boot_slot::HW).io_in(DATA, 1).unwrap_or(0)
}

/// Seconds, minutes, hours, day, month, year, as the chip holds them.
fn raw() -> [u64; 6] {
    let mut spins = 0;
    while cmos(STATUS_A) & UIP != 0 && spins < 1_000_000 {
        spins += 1;
    }
    [0x00, 0x02, 0x04, 0x07, 0x08, 0x09].map(cmos)
}

fn from_bcd(v: u64) -> u64 {
    (v >> 4) * 10 + (v & 0x0f)
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The RTC's time in seconds since the epoch, or None when it reads as
/// nonsense (no chip answers with 0xff everywhere).
pub fn read_seconds() -> Option<i64> {
    // Two equal reads in a row: no update slipped in between.
    let mut t = raw();
    for _ in 0..8 {
        let again = raw();
        if again == t {
            break;
        }
        t = again;
    }
    let b = cmos(STATUS_B);
    let pm = t[2] & 0x80 != 0;
    t[2] &= 0x7f;
    if b & BINARY == 0 {
        t = t.map(from_bcd);
    }
    if b & H24 == 0 {
        t[2] %= 12;
        if pm {
            t[2] += 12;
        }
    }
    let [s, mi, h, d, mo, y] = t.map(|v| v as i64);
    if s > 59 || mi > 59 || h > 23 || !(1..=31).contains(&d) || !(1..=12).contains(&mo) || y > 99 {
        return None;
    }
    let year = if y < 70 { 2000 + y } else { 1900 + y };
    Some(days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + s)
}

/// Sets Linux's CLOCK_REALTIME from the RTC; a missing or unreadable RTC
/// leaves the epoch, said in the log.
pub fn set_system_time() {
    let Some(secs) = read_seconds() else {
        println!("lklsrv: no readable RTC; the wall clock starts at the epoch");
        return;
    };
    let ts = [secs, 0i64];
    match lkl::syscall(nr::CLOCK_SETTIME, &[CLOCK_REALTIME as i64, ts.as_ptr() as i64]) {
        Ok(_) => println!("lklsrv: wall clock set from the RTC: {} s since the epoch", secs),
        Err(Errno(e)) => println!("lklsrv: clock_settime from the RTC failed ({})", e),
    }
}
