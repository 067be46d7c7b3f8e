//! GDT, TSS and IDT: one CPU, one kernel stack for every entry. The GDT
//! also holds a DPL-1 segment pair for the ring-1 measurement probe (`ring1`).

use core::arch::asm;
use core::ptr::addr_of_mut;

pub const KCODE: u16 = 0x08;
pub const KDATA: u16 = 0x10;
pub const UDATA: u16 = 0x18 | 3;
pub const UCODE: u16 = 0x20 | 3;
const TSS_SEL: u16 = 0x28;
/// Ring-1 code and stack segments (DPL 1), used only by the measurement
/// probe in `ring1`: no gate or call path leads to CPL1 except the
/// kernel's own `iretq` there.
pub const R1CODE: u16 = 0x38 | 1;
pub const R1DATA: u16 = 0x40 | 1;

#[repr(C, packed)]
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

static mut TSS: Tss = Tss { _r0: 0, rsp0: 0, rsp1: 0, rsp2: 0, _r1: 0, ist: [0; 7], _r2: 0, _r3: 0, iomap: 104 };
const GDT_LEN: usize = 9;
static mut GDT: [u64; GDT_LEN] = [
    0,
    0x00af_9a00_0000_ffff, // kernel code
    0x00cf_9200_0000_ffff, // kernel data
    0x00cf_f200_0000_ffff, // user data (sysret's SS = STAR base + 8)
    0x00af_fa00_0000_ffff, // user code 64 (sysret's CS = STAR base + 16)
    0,
    0, // TSS (two slots)
    0x00af_ba00_0000_ffff, // ring-1 code 64 (probe only)
    0x00cf_b200_0000_ffff, // ring-1 data: the stack segment iretq needs at CPL1 (probe only)
];

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    lo: u64,
    hi: u64,
}

static mut IDT: [Gate; 256] = [Gate { lo: 0, hi: 0 }; 256];

#[repr(C, packed)]
struct Pointer {
    limit: u16,
    base: u64,
}

extern "C" {
    static kstack_top: u8;
    static isr_table: [u64; 256];
}

pub fn init() {
    // SAFETY: runs once at boot before interrupts are enabled and before any
    // other code touches these tables; the descriptors built describe static
    // memory that lives forever.
    unsafe {
        let tss = addr_of_mut!(TSS);
        (*tss).rsp0 = &kstack_top as *const u8 as u64;
        let base = tss as u64;
        let limit = (core::mem::size_of::<Tss>() - 1) as u64;
        let gdt = &mut *addr_of_mut!(GDT);
        gdt[5] = limit | ((base & 0xff_ffff) << 16) | (0x89 << 40) | (((base >> 24) & 0xff) << 56);
        gdt[6] = base >> 32;
        let gp = Pointer { limit: (core::mem::size_of::<[u64; GDT_LEN]>() - 1) as u16, base: gdt.as_ptr() as u64 };
        asm!("lgdt [{}]", in(reg) &gp, options(nostack));
        asm!(
            "push {kc}", "lea {t}, [rip + 2f]", "push {t}", "retfq", "2:",
            "mov ds, {kd:e}", "mov es, {kd:e}", "mov ss, {kd:e}",
            kc = const KCODE as u64, kd = in(reg) KDATA as u64, t = out(reg) _,
        );
        asm!("ltr {0:x}", in(reg) TSS_SEL, options(nostack));

        let idt = &mut *addr_of_mut!(IDT);
        for (v, g) in idt.iter_mut().enumerate() {
            let h = isr_table[v];
            if h == 0 {
                continue;
            }
            // Interrupt gates (IF cleared on entry); only #BP and #OF may be
            // raised by user code with int3/into, so only those have DPL 3.
            let dpl: u64 = if v == 3 || v == 4 { 3 } else { 0 };
            g.lo = (h & 0xffff) | ((KCODE as u64) << 16) | ((0x8e | (dpl << 5)) << 40) | (((h >> 16) & 0xffff) << 48);
            g.hi = h >> 32;
        }
        let ip = Pointer { limit: (core::mem::size_of::<[Gate; 256]>() - 1) as u16, base: idt.as_ptr() as u64 };
        asm!("lidt [{}]", in(reg) &ip, options(nostack));
    }
}
