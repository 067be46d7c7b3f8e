//! x86_64 under QEMU's microvm: the PVH entry and boot page tables
//! (`boot`, `pvh`) and the kernel's tightened mappings (`kmap`), privileged-instruction wrappers (`cpu`), GDT/TSS/IDT
//! (`desc`), every kernel entry and the return to user mode (`trap`, with
//! its assembly) and the entry area that maps them again (`entry`), FPU/SSE state (`fpu`), the local APIC timer and the
//! I/O APIC (`lapic`, `ioapic`), the UART (`serial`) and QEMU's
//! power-off port (`exit`), and the ring-1 measurement probe (`ring1`). Most of the kernel's `asm!` lives here.

pub mod boot;
pub mod cpu;
pub mod desc;
pub mod entry;
pub mod exit;
pub mod fpu;
pub mod ioapic;
pub mod kmap;
pub mod lapic;
pub mod pvh;
pub mod ring1;
pub mod serial;
pub mod trap;
