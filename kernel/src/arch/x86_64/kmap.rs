//! The kernel's own mappings, tightened once at boot. The boot code maps
//! 0-4 GiB with 2 MiB read-write, executable pages three times (identity,
//! direct map, kernel image at -2 GiB) because it must before paging can
//! be refined; `protect` then leaves:
//! - kernel image (-2 GiB alias), 2 MiB pages (the linker script puts
//!   each part on a 2 MiB boundary): text read-only and executable, rodata
//!   read-only and no-execute, data and bss read-write and no-execute;
//!   nothing else of the -2 GiB..0 range is mapped. Large pages because
//!   under QEMU every page the kernel touches is walked again after each
//!   address-space switch, and a 2 MiB page's walk is a level shorter
//!   (4 KiB pages made every crossing ~5% slower);
//! - direct map (`mem::DIRECT_BASE`, all of 0-4 GiB): read-write,
//!   no-execute, 2 MiB pages (the kernel writes user frames, page tables
//!   and kernel objects through it, but never runs code there);
//! - no identity map (the PML4 slot 0 that the boot jump used is cleared;
//!   page-table roots never copy it);
//! - the entry area (`entry`, PML4 slot 510): the entry code, the
//!   descriptor tables and the kernel stack mapped again, 4 KiB pages.
//!
//! With CR0.WP the read-only bits bind the kernel too.

use crate::kcell::KCell;
use crate::mem::{frame_ptr, phys_to_virt};
use cellux_abi::err::{Error, KResult};
use cellux_abi::ops as o;
use cellux_kerncore::pte::{ADDR, NX, P, PS, W};
use core::arch::global_asm;

/// Accessed and dirty (only this module presets them).
const A: u64 = 1 << 5;
const D: u64 = 1 << 6;
const KBASE: u64 = 0xffff_ffff_8000_0000;
#[repr(C, align(4096))]
struct Table([u64; 512]);

/// The image's 2 MiB pages: one page directory covers 1 GiB from physical
/// 0, far more than the image (about 13 MiB with its alignment, mostly
/// the retype table in bss).
static IMAGE_PD: KCell<Table> = KCell::new(Table([0; 512]));

extern "C" {
    static __kernel_start: u8;
    static __rodata_start: u8;
    static __data_start: u8;
    static __kernel_end: u8;
}

fn sym(s: &u8) -> u64 {
    s as *const u8 as u64
}

/// Physical address of a kernel-image static (linked at KBASE + physical).
pub fn phys<T>(v: &T) -> u64 {
    v as *const T as u64 - KBASE
}

fn table(pa: u64) -> &'static mut [u64; 512] {
    // SAFETY: pa is a boot page-table frame reached through the direct
    // map; the kernel is single-threaded and holds no other reference.
    unsafe { &mut *frame_ptr::<[u64; 512]>(pa) }
}

/// Replaces the boot mappings as the module comment says. Runs once, early
/// in `kmain`, before any page-table root is created (roots copy the
/// kernel half's PML4 entries, which point at the tables changed here).
pub fn protect() {
    // SAFETY: only the linker symbols' addresses are taken.
    let (text, rodata, data, end) =
        unsafe { (sym(&__kernel_start), sym(&__rodata_start), sym(&__data_start), sym(&__kernel_end)) };
    const LARGE: u64 = 1 << 21;
    if [rodata, data, end].iter().any(|a| a % LARGE != 0) || text - KBASE >= LARGE {
        panic!("kernel image parts not on 2 MiB boundaries (linker.ld)");
    }
    let pd = &mut IMAGE_PD.get().0;
    // The first large page also holds what lies below the image (the PVH
    // boot code, firmware areas): read-only there, like the text.
    for va in (KBASE..end).step_by(LARGE as usize) {
        let pa = va - KBASE;
        let rights = if va < rodata {
            0
        } else if va < data {
            NX
        } else {
            W | NX
        };
        // Accessed and dirty preset, as the boot tables' large pages had
        // them after first use: the walker then never writes the tables.
        pd[(pa / LARGE) as usize] = pa | P | PS | A | D | rights;
    }
    let pml4 = table(crate::pgtbl::kernel_pml4());
    // The image: PML4 slot 511 -> PDPT whose entries 510/511 mapped
    // physical 0-2 GiB at -2 GiB through the same PDs as the direct map.
    // Switched first: the NX bits below would otherwise hit the code
    // running now.
    let pdpt_hi = table(pml4[511] & ADDR);
    pdpt_hi[510] = phys(&IMAGE_PD.get().0) | P | W;
    pdpt_hi[511] = 0;
    pml4[0] = 0;
    super::entry::build(pml4);
    flush_tlb();
    // The direct map: PML4 slot 256 -> boot PDPT -> four 2 MiB-page PDs,
    // no longer shared with the image's mapping.
    let pdpt_lo = table(pml4[256] & ADDR);
    for e in pdpt_lo.iter().take(4) {
        for pde in table(e & ADDR).iter_mut() {
            if *pde & (P | PS) == P | PS {
                *pde |= NX;
            }
        }
    }
    flush_tlb();
}

fn flush_tlb() {
    let cr3 = super::cpu::read_cr3();
    // SAFETY: reloads the boot table itself (dropping stale entries); the
    // image mapping maps every page the kernel uses (its text, statics and
    // stack are all inside [__kernel_start, __kernel_end)) and the direct
    // map keeps its addresses.
    unsafe { super::cpu::write_cr3(cr3) };
}

// `kprobe_access(kind, addr, byte)`: one access at CPL0 that may fault
// (kind 0 read, 1 store `byte`, which the caller read from there before,
// 2 call). Returns 0 if it went through;
// on a fault `trap_rust` resumes at `kprobe_landing` via `fixup`, which
// restores the stack as it was at entry and returns the fault code in rax.
global_asm!(
    r#"
    .text
    .global kprobe_access
kprobe_access:
    mov [rip + kprobe_rsp], rsp
    cmp rdi, 1
    je 1f
    cmp rdi, 2
    je 2f
    mov al, [rsi]
    xor eax, eax
    ret
1:  mov [rsi], dl
    xor eax, eax
    ret
2:  call rsi
    xor eax, eax
    ret
    .global kprobe_landing
kprobe_landing:
    mov rsp, [rip + kprobe_rsp]
    ret
    .global kprobe_ret_text
kprobe_ret_text:
    ret
    .section .bss
    .p2align 3
kprobe_rsp:
    .quad 0
    .section .rodata
    .global kprobe_ret_rodata
kprobe_ret_rodata:
    ret
    .section .data
    .global kprobe_ret_data
kprobe_ret_data:
    ret
    .text
"#
);

extern "C" {
    fn kprobe_access(kind: u64, addr: u64, byte: u8) -> u64;
    fn kprobe_landing();
    fn kprobe_ret_text();
    static kprobe_ret_rodata: u8;
    static kprobe_ret_data: u8;
}

/// Set while `kprobe_access` runs: a CPL0 exception then is the probe's.
static PROBING: KCell<bool> = KCell::new(false);

/// `hw_op::PROTECT_PROBE`.
pub fn probe(kind: u64, addr: u64) -> KResult<u64> {
    let text = kprobe_access as *const () as u64;
    // SAFETY: only the symbols' addresses are taken.
    let (rodata, data) = unsafe { (sym(&kprobe_ret_rodata), sym(&kprobe_ret_data)) };
    let (how, at) = match kind {
        o::PROTECT_CR0 => return Ok(super::cpu::read_cr0()),
        o::PROTECT_CR4 => return Ok(super::cpu::read_cr4()),
        o::PROTECT_EFER => return Ok(super::cpu::rdmsr(super::cpu::MSR_EFER)),
        o::PROTECT_KERNEL_ROOT => {
            let k = super::entry::kernel_root();
            return Ok(if super::cpu::read_cr3() == k { k } else { 0 });
        }
        o::PROTECT_READ_TEXT => (0, text),
        o::PROTECT_WRITE_TEXT => (1, text),
        o::PROTECT_WRITE_RODATA => (1, rodata),
        o::PROTECT_EXEC_RODATA => (2, rodata),
        o::PROTECT_EXEC_DATA => (2, data),
        o::PROTECT_EXEC_DIRECT => (2, phys_to_virt(kprobe_ret_text as *const () as u64 - KBASE)),
        o::PROTECT_WRITE_ENTRY_TABLES => (1, super::entry::part_start(1)),
        o::PROTECT_WRITE_ENTRY_TEXT => (1, super::entry::part_start(0)),
        o::PROTECT_EXEC_ENTRY_STACK => (2, super::entry::stack_probe_alias()),
        // User addresses only: the kernel half is what the other kinds test.
        o::PROTECT_READ_USER | o::PROTECT_WRITE_USER | o::PROTECT_EXEC_USER
            if addr < cellux_abi::layout::USER_END =>
        {
            (kind - o::PROTECT_READ_USER, addr)
        }
        _ => return Err(Error::Inval),
    };
    // What a write stores: the byte already there, read through the
    // direct map for a user address (SMAP forbids the plain read).
    let mut byte = [0u8; 1];
    if how == 1 {
        if at < cellux_abi::layout::USER_END {
            crate::uaccess::read_user(at, &mut byte)?;
        } else {
            // SAFETY: `at` is one of the kernel's own text/rodata bytes
            // or the entry area's, which are all mapped readable.
            byte[0] = unsafe { core::ptr::read_volatile(at as *const u8) };
        }
    }
    *PROBING.get() = true;
    // SAFETY: every access either faults (and `fixup` resumes at the
    // landing with the stack restored) or is harmless: reads have no
    // effect, a write stores the byte already there (read through
    // a mapping that allows it), and each call target is
    // a lone `ret` (the text, rodata and data stubs; the text one through
    // the direct map; the one `entry::build` left at the entry stack's
    // deepest byte). A user target is the caller's own code, which
    // SMEP keeps the CPU from running; should it run, it is what the
    // caller chose to run, and the caller's test fails.
    let r = unsafe { kprobe_access(how, at, byte[0]) };
    *PROBING.get() = false;
    Ok(r)
}

/// Called by `trap_rust` for an exception at CPL0: if it is the probe's,
/// resumes at the landing with the fault code and returns true.
pub fn fixup(f: &mut super::trap::Frame) -> bool {
    if !core::mem::replace(PROBING.get(), false) {
        return false;
    }
    f.rip = kprobe_landing as *const () as u64;
    f.rax = o::PROTECT_FAULTED | f.vector << 32 | f.error;
    true
}
