//! A Linux-ABI test component: raw `syscall` instructions, as a static
//! Linux program makes them. It is entered through a gate by ktest (its
//! handler), runs its checks, and ends with exit(status), which the
//! handler turns into the end of the invocation. Status bits name what
//! failed (0 = all good). It links no runtime: its `syscall`s never reach
//! the kernel's capability decoder.
#![no_std]
#![no_main]

use cellux_abi as _;
use core::arch::{asm, global_asm};

#[repr(C, align(16))]
struct Stack([u8; 16384]);
#[no_mangle]
static mut LX_STACK: Stack = Stack([0; 16384]);
const BENCH_N: usize = 20_000;
struct Samples(core::cell::UnsafeCell<[u64; BENCH_N]>);
// SAFETY: only the one thread running lx_main writes it.
unsafe impl Sync for Samples {}
static SAMPLES: Samples = Samples(core::cell::UnsafeCell::new([0; BENCH_N]));

#[no_mangle]
static mut LX_TLS: [u64; 4] = [0x7715_0000_1111_2222, 0, 0, 0];

global_asm!(
    r#"
    .section .text.entry, "ax"
    .global _start
_start:
    lea rsp, [rip + LX_STACK + 16384]
    call lx_main
    ud2
    .text
"#
);

fn syscall6(nr: u64, a: [u64; 6]) -> u64 {
    let r: u64;
    // SAFETY: a Linux-ABI syscall: the handler sees and may change the
    // registers; per the Linux ABI only rax, rcx and r11 change.
    unsafe {
        asm!("syscall", inlateout("rax") nr => r, in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
             in("r10") a[3], in("r8") a[4], in("r9") a[5], lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    r
}

fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: reads the time-stamp counter only.
    unsafe { asm!("lfence", "rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    ((hi as u64) << 32) | lo as u64
}

/// Callee-saved registers and an SSE register survive a trapped syscall.
fn preserved() -> bool {
    let (rbx, rbp, r12, r13, r14, r15, x): (u64, u64, u64, u64, u64, u64, u64);
    // SAFETY: sets registers to markers, traps, reads them back; every
    // register it touches is restored or declared.
    unsafe {
        asm!(
            "push rbx", "push rbp",
            "mov rbx, 0x1111", "mov rbp, 0x2222", "mov r12, 0x3333", "mov r13, 0x4444",
            "mov r14, 0x5555", "mov r15, 0x6666",
            "mov rax, 0x1234567887654321", "movq xmm6, rax",
            "mov eax, 39", "syscall",
            "movq rax, xmm6", "mov {x}, rax",
            "mov {b}, rbx", "mov {p}, rbp",
            "pop rbp", "pop rbx",
            x = out(reg) x, b = out(reg) rbx, p = out(reg) rbp,
            out("r12") r12, out("r13") r13, out("r14") r14, out("r15") r15,
            out("rax") _, out("rcx") _, out("r11") _, out("xmm6") _,
        );
    }
    (rbx, rbp, r12, r13, r14, r15, x) == (0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x1234567887654321)
}

#[no_mangle]
extern "C" fn lx_main(mode: u64, n: u64) -> ! {
    let mut status = 0u64;
    if mode == 4 {
        // Traps once (the handler marks us interrupted meanwhile), then
        // spins like mode 3.
        syscall6(503, [0; 6]);
    }
    if mode == 3 || mode == 4 {
        // Busy in user mode, never trapping: only an interrupt reaches
        // the handler. r12 is a marker the handler checks in the
        // interrupted register file.
        // SAFETY: an endless loop touching only r12.
        unsafe { asm!("mov r12, 0x5157", "2:", "pause", "jmp 2b", options(noreturn, nomem, nostack)) }
    }
    if mode == 2 {
        // Benchmark: time each trapped syscall; exit with the buffer's
        // address, which the handler reads through our page table.
        // SAFETY: see `Samples`.
        let buf = unsafe { &mut *SAMPLES.0.get() };
        for s in buf.iter_mut().take((n as usize).min(BENCH_N)) {
            let t0 = rdtsc();
            syscall6(39, [0; 6]);
            *s = rdtsc() - t0;
        }
        syscall6(60, [buf.as_ptr() as u64, 0, 0, 0, 0, 0]);
    }
    // getpid: the handler answers 1234.
    if syscall6(39, [0; 6]) != 1234 {
        status |= 1;
    }
    // Arguments reach the handler: 500 returns the sum of all six.
    if syscall6(500, [1, 2, 3, 4, 5, 6]) != 21 {
        status |= 2;
    }
    if !preserved() {
        status |= 4;
    }
    // The handler rewrites r12 through the register file (op 501).
    let r12: u64;
    // SAFETY: traps with r12 set; reads back what the handler wrote.
    unsafe {
        asm!("mov r12, 1", "syscall", "mov {o}, r12", o = out(reg) r12,
             inlateout("rax") 501u64 => _, out("rcx") _, out("r11") _, out("r12") _);
    }
    if r12 != 0xabcd {
        status |= 8;
    }
    // arch_prctl(ARCH_SET_FS): the handler sets our FS base in the
    // register file; %fs:0 then reads our TLS block.
    let tls = &raw const LX_TLS as u64;
    syscall6(158, [0x1002, tls, 0, 0, 0, 0]);
    let v: u64;
    // SAFETY: FS now points at LX_TLS (if the handler did its job; if
    // not, the fault ends the invocation and ktest reports it).
    unsafe { asm!("mov {}, fs:[0]", out(reg) v) };
    if v != 0x7715_0000_1111_2222 {
        status |= 16;
    }
    // The handler reads our SSE state (op 502 checks xmm1 holds the
    // marker) and rewrites xmm1 through the trapped FPU image.
    let (ok, x1): (u64, u64);
    // SAFETY: sets xmm1, traps, reads rax and xmm1 back; all declared.
    unsafe {
        asm!("mov rax, 0x0badc0de0badc0de", "movq xmm1, rax", "mov eax, 502", "syscall", "movq {x}, xmm1",
             x = out(reg) x1, out("rax") ok, out("rcx") _, out("r11") _, out("xmm1") _);
    }
    if ok != 1 || x1 != 0x5eed_5eed_5eed_5eed {
        status |= 32;
    }
    syscall6(60, [status, 0, 0, 0, 0, 0]);
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    syscall6(60, [255, 0, 0, 0, 0, 0]);
    loop {
        core::hint::spin_loop();
    }
}
