//! A fault in the kernel itself: print everything useful and stop QEMU
//! with the failure code. Never a silent triple fault.

use crate::console as c;
use crate::arch::trap::Frame;

pub fn kernel_fault(f: &Frame) -> ! {
    c::str("\n*** cellux kernel fault: vector ");
    c::dec(f.vector);
    c::str(" error ");
    c::hex(f.error);
    c::str(" at rip ");
    c::hex(f.rip);
    c::str(" cr2 ");
    c::hex(crate::arch::cpu::read_cr2());
    c::str("\n");
    dump(f);
    crate::arch::exit::qemu_exit(crate::arch::exit::KERNEL_FAULT)
}

pub fn dump(f: &Frame) {
    let regs: [(&str, u64); 20] = [
        ("rax", f.rax), ("rbx", f.rbx), ("rcx", f.rcx), ("rdx", f.rdx), ("rsi", f.rsi),
        ("rdi", f.rdi), ("rbp", f.rbp), ("rsp", f.rsp), ("r8", f.r8), ("r9", f.r9),
        ("r10", f.r10), ("r11", f.r11), ("r12", f.r12), ("r13", f.r13), ("r14", f.r14),
        ("r15", f.r15), ("rip", f.rip), ("rflags", f.rflags), ("cs", f.cs), ("ss", f.ss),
    ];
    for (i, (n, v)) in regs.iter().enumerate() {
        c::str(n);
        c::str("=");
        c::hex(*v);
        c::str(if i % 4 == 3 { "\n" } else { " " });
    }
}
