//! A test process for the LKL server: a Linux-ABI component making raw
//! x86_64 `syscall`s as a static Linux program does. They trap to the
//! server (its exception handler), which runs them in the process's own
//! Linux task. It writes what it learnt to a file and exits with a status
//! whose bits name what failed (0: all good).
#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use linux_abi::consts::{AT_FDCWD, O_CREAT, O_TRUNC, O_WRONLY};
use linux_abi::{nr, Errno};

#[repr(C, align(16))]
struct Stack([u8; 16384]);
#[no_mangle]
static mut PX_STACK: Stack = Stack([0; 16384]);

global_asm!(
    r#"
    .section .text.entry, "ax"
    .global _start
_start:
    lea rsp, [rip + PX_STACK + 16384]
    call px_main
    ud2
    .text
"#
);

fn sys(n: i64, a: [u64; 6]) -> i64 {
    let r: i64;
    // SAFETY: a Linux-ABI syscall; per that ABI only rax, rcx and r11 change.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
             in("r10") a[3], in("r8") a[4], in("r9") a[5], lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    r
}


static mut UTS: [u8; 390] = [0; 390];
static PATH: &[u8] = b"/tmp/from-process\0";

#[no_mangle]
extern "C" fn px_main() -> ! {
    let mut bad = 0u64;
    let uts = &raw mut UTS;
    if sys(nr::UNAME, [uts as u64, 0, 0, 0, 0, 0]) != 0 {
        bad |= 1;
    }
    // SAFETY: Linux filled it through copy_to_user on our page table; no
    // other thread of ours exists.
    let sysname = unsafe { &(&*uts)[..6] };
    if sysname != b"Linux\0" {
        bad |= 2;
    }
    let pid = sys(nr::GETPID, [0; 6]);
    if pid <= 1 {
        bad |= 4;
    }
    let fd = sys(nr::OPENAT, [AT_FDCWD as u64, PATH.as_ptr() as u64, (O_WRONLY | O_CREAT | O_TRUNC) as u64, 0o644, 0, 0]);
    if fd < 0 {
        bad |= 8;
    } else {
        let mut line = *b"pid=0000000\n";
        let mut p = pid.max(0) as u64;
        for i in (4..11).rev() {
            line[i] = b'0' + (p % 10) as u8;
            p /= 10;
        }
        if sys(nr::WRITE, [fd as u64, line.as_ptr() as u64, line.len() as u64, 0, 0, 0]) != line.len() as i64 {
            bad |= 16;
        }
        // An address this process does not map is EFAULT, not a crash.
        if sys(nr::WRITE, [fd as u64, 0x7000_0000, 4, 0, 0, 0]) != Errno::EFAULT.as_return() {
            bad |= 32;
        }
        sys(nr::CLOSE, [fd as u64, 0, 0, 0, 0, 0]);
    }
    if sys(999, [0; 6]) != -38 {
        bad |= 64;
    }
    sys(nr::EXIT_GROUP, [bad, 0, 0, 0, 0, 0]);
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    sys(nr::EXIT_GROUP, [127, 0, 0, 0, 0, 0]);
    loop {
        core::hint::spin_loop();
    }
}
