//! GDT, TSS and IDT: one CPU, one kernel stack for every entry. The GDT
//! also holds a DPL-1 segment pair for the region's owner (the server at
//! CPL1 with the Ring 1 design) and the ring-1 measurement probe (`ring1`).
//! All three sit in pages of their own that the CPU reads only through
//! the entry area's read-only alias (`entry`).

use super::entry::alias;
use crate::kcell::KCell;
use core::arch::asm;

pub const KCODE: u16 = 0x08;
pub const KDATA: u16 = 0x10;
pub const UDATA: u16 = 0x18 | 3;
pub const UCODE: u16 = 0x20 | 3;
const TSS_SEL: u16 = 0x28;
/// Ring-1 code and stack segments (DPL 1), for the region's owner
/// (`sched::before_return`) and the measurement probe in `ring1`: no gate
/// or call path leads to CPL1 except the kernel's own `iretq` there (and
/// the server's to itself); none leads from CPL1 to CPL0 but `syscall`,
/// interrupts and exceptions (ktest `hostile.*`).
pub const R1CODE: u16 = 0x38 | 1;
pub const R1DATA: u16 = 0x40 | 1;

#[repr(C, packed)]
#[derive(Clone, Copy)]
struct Tss {
    _r0: u32,
    rsp0: u64,
    rsp1: u64,
    rsp2: u64,
    _r1: u64,
    ist: [u64; 7],
    _r2: u64,
    _r3: u16,
    iomap: u16,
}

const GDT_LEN: usize = 9;
/// Accessed bit of a code or data descriptor: preset, so the CPU never
/// writes the GDT, which the entry area maps read-only.
const ACC: u64 = 1 << 40;

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    lo: u64,
    hi: u64,
}

/// The three tables in whole pages of their own (`.data.entry_tables`),
/// which the entry area maps read-only (`entry`).
#[repr(C, align(4096))]
struct Tables {
    idt: [Gate; 256],
    gdt: [u64; GDT_LEN],
    tss: Tss,
}

#[link_section = ".data.entry_tables"]
static TABLES: KCell<Tables> = KCell::new(Tables {
    idt: [Gate { lo: 0, hi: 0 }; 256],
    gdt: [
        0,
        0x00af_9a00_0000_ffff | ACC, // kernel code
        0x00cf_9200_0000_ffff | ACC, // kernel data
        0x00cf_f200_0000_ffff | ACC, // user data (sysret's SS = STAR base + 8)
        0x00af_fa00_0000_ffff | ACC, // user code 64 (sysret's CS = STAR base + 16)
        0,
        0, // TSS (two slots)
        0x00af_ba00_0000_ffff | ACC, // ring-1 code 64 (the region's owner, the probe)
        0x00cf_b200_0000_ffff | ACC, // ring-1 data: the stack segment iretq needs at CPL1
    ],
    tss: Tss { _r0: 0, rsp0: 0, rsp1: 0, rsp2: 0, _r1: 0, ist: [0; 7], _r2: 0, _r3: 0, iomap: 104 },
});

/// The double-fault stack (TSS IST 1), in the entry area beside the
/// kernel stack.
#[repr(C, align(16))]
struct DfStack([u8; 4096]);
#[link_section = ".bss.entry_stack"]
static DF_STACK: KCell<DfStack> = KCell::new(DfStack([0; 4096]));

#[repr(C, packed)]
struct Pointer {
    limit: u16,
    base: u64,
}

extern "C" {
    static kstack_top: u8;
    static isr_table: [u64; 256];
}

/// Loads the GDT, TSS and IDT. Runs once at boot, after `kmap::protect`
/// built the entry area, whose aliases of these tables the CPU is given.
pub fn init() {
    let t = TABLES.get();
    // SAFETY: only the linker symbols' addresses are read.
    let (stack_top, isrs) = unsafe { (&kstack_top as *const u8 as u64, &isr_table) };
    t.tss.rsp0 = alias(stack_top);
    // A double fault gets a stack of its own: one raised while pushing a
    // frame (a stack the CPU cannot write) would otherwise fault again and
    // reset the machine without a word.
    t.tss.ist[0] = alias(DF_STACK.get().0.as_ptr_range().end as u64);
    let base = alias(&t.tss as *const Tss as u64);
    let limit = (core::mem::size_of::<Tss>() - 1) as u64;
    t.gdt[5] = limit | ((base & 0xff_ffff) << 16) | (0x89 << 40) | (((base >> 24) & 0xff) << 56);
    t.gdt[6] = base >> 32;
    for (v, g) in t.idt.iter_mut().enumerate() {
        let h = isrs[v];
        if h == 0 {
            continue;
        }
        let h = alias(h);
        // Interrupt gates (IF cleared on entry); only #BP and #OF may be
        // raised by user code with int3/into, so only those have DPL 3.
        let dpl: u64 = if v == 3 || v == 4 { 3 } else { 0 };
        let ist: u64 = if v == 8 { 1 } else { 0 };
        g.lo = (h & 0xffff) | ((KCODE as u64) << 16) | (ist << 32) | ((0x8e | (dpl << 5)) << 40) | (((h >> 16) & 0xffff) << 48);
        g.hi = h >> 32;
    }
    let gdt_limit = (core::mem::size_of::<[u64; GDT_LEN]>() - 1) as u16;
    let writable = Pointer { limit: gdt_limit, base: t.gdt.as_ptr() as u64 };
    let gp = Pointer { limit: gdt_limit, base: alias(t.gdt.as_ptr() as u64) };
    let ip = Pointer { limit: (core::mem::size_of::<[Gate; 256]>() - 1) as u16, base: alias(t.idt.as_ptr() as u64) };
    // SAFETY: runs once at boot with interrupts off. The descriptors
    // describe static memory that lives forever. `ltr` marks the TSS
    // descriptor busy, a write the CPU makes through GDTR: it is done
    // while GDTR names the writable image copy; then GDTR and IDTR move to
    // the entry area's read-only aliases of the same pages (segment
    // loads then find the accessed bits set and write nothing).
    unsafe {
        asm!("lgdt [{}]", in(reg) &writable, options(nostack));
        asm!(
            "push {kc}", "lea {t}, [rip + 2f]", "push {t}", "retfq", "2:",
            "mov ds, {kd:e}", "mov es, {kd:e}", "mov ss, {kd:e}",
            kc = const KCODE as u64, kd = in(reg) KDATA as u64, t = out(reg) _,
        );
        asm!("ltr {0:x}", in(reg) TSS_SEL, options(nostack));
        asm!("lgdt [{}]", in(reg) &gp, options(nostack));
        asm!("lidt [{}]", in(reg) &ip, options(nostack));
    }
}
