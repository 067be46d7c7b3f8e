//! The test-only trigger of a fault in the server or the kernel
//! (`scripts/run --crash KIND:SECONDS`, tests/suites/56-containment): the
//! boot archive entry `crash`, "KIND SECONDS", makes a server thread wait
//! SECONDS once the first process has started and then bring about KIND.
//! Only whoever makes the boot archive can ask for it: no Linux process
//! reaches the entry or this thread. What the tests look for is what
//! follows: the booter's report of a component fault (or the kernel's of
//! its own) and the power-off with that fault's status.

use crate::host::thread;
use cellux_rt::abi::layout::boot_slot;
use cellux_rt::cap::Hw;
use cellux_rt::println;
use core::ffi::c_void;
use lkl::sys as lsys;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A page fault in the server's own code.
    ServerFault = 1,
    /// A Rust panic in the server.
    ServerPanic = 2,
    /// Linux's own panic().
    LinuxPanic = 3,
    /// The kernel faults (its own crash test).
    KernelFault = 4,
}

const KINDS: [(&str, Kind); 4] = [
    ("server-fault", Kind::ServerFault),
    ("server-panic", Kind::ServerPanic),
    ("linux-panic", Kind::LinuxPanic),
    ("kernel-fault", Kind::KernelFault),
];

/// The entry's kind and seconds; Err says why it is not understood.
fn parse(entry: &[u8]) -> Result<(Kind, u64), &'static str> {
    let text = core::str::from_utf8(entry).map_err(|_| "not text")?;
    let mut words = text.split_whitespace();
    let kind = words.next().ok_or("empty")?;
    let kind = KINDS.iter().find(|(n, _)| *n == kind).map(|(_, k)| *k).ok_or("unknown kind")?;
    let secs = words.next().ok_or("no seconds")?.parse::<u64>().map_err(|_| "bad seconds")?;
    Ok((kind, secs.min(1 << 20)))
}

/// Arms the trigger when the boot archive asks for one.
pub fn arm() {
    let Some(entry) = crate::boot::archive::find("crash") else { return };
    match parse(entry) {
        Ok((kind, secs)) => {
            let arg = (secs << 8) | kind as u64;
            if let Err(e) = thread::spawn(trigger, arg as usize as *mut c_void) {
                println!("lkl server: crash test not armed: {:?}", e);
            }
        }
        Err(why) => println!("lkl server: archive entry crash: {}", why),
    }
}

unsafe extern "C" fn trigger(arg: *mut c_void) {
    let arg = arg as usize as u64;
    let secs = arg >> 8;
    let Some(&(name, kind)) = KINDS.iter().find(|(_, k)| *k as u64 == arg & 0xff) else { return };
    let _ = lsys::nanosleep(secs * 1_000_000_000);
    println!("lkl server: crash test: {} now", name);
    match kind {
        Kind::ServerFault => {
            let v: u64;
            // SAFETY: deliberately faults: the server maps nothing in its
            // first page; the booter's handler powers the machine off.
            unsafe { core::arch::asm!("mov {}, qword ptr [{}]", out(reg) v, in(reg) 8u64, options(nostack, readonly)) };
            println!("lkl server: crash test: the read of address 8 gave {:#x}", v);
        }
        Kind::ServerPanic => panic!("crash test: a panic in the server"),
        Kind::LinuxPanic => lkl::panic_test(),
        Kind::KernelFault => {
            let e = Hw(boot_slot::HW).crash_test();
            println!("lkl server: crash test: the kernel refused to fault: {:?}", e);
        }
    }
}

