//! The entry area: what the CPU needs to enter and leave the kernel,
//! mapped again at `ENTRY_BASE` (PML4 slot 510, in the kernel half every
//! root shares) with the least rights each part needs:
//! - the entry code (`.text.entry`: syscall and interrupt entries, the
//!   return to user mode; `trap`): read-only, executable;
//! - GDT, TSS and IDT (`.data.entry_tables`; `desc`): read-only, never
//!   executable. The CPU writes none of them once loaded: the descriptors'
//!   accessed bits are preset and the TSS was marked busy through its
//!   writable image mapping before the GDT moved here;
//! - the per-CPU words the entry code reads (`.data.entry_tables` too:
//!   the kernel's root and the user root to return to, `set_roots`),
//!   read-only: the kernel writes them through the image;
//! - the kernel stack and the entry code's scratch word
//!   (`.bss.entry_stack`): writable, never executable.
//!
//! The alias of an image address is at the same distance from
//! `ENTRY_BASE` as the image address is from the image's base, so
//! rip-relative references in the entry code reach the entry area's own
//! stack and scratch word. LSTAR, the IDT's gates, TSS.RSP0, GDTR and IDTR
//! all name aliases. With the Ring 1 design off every root also maps the
//! whole image; with it on (`region::AT_CPL1`) a user root keeps only
//! this area of the kernel and the entry code switches roots
//! (docs/ring1.md, kernel/README.md "The entry area").

use crate::kcell::KCell;
use cellux_kerncore::pte::{NX, P, W};

/// The entry area's base: PML4 slot 510.
pub const ENTRY_BASE: u64 = 0xffff_ff00_0000_0000;
/// Where the image is linked (linker.ld's KBASE).
const KBASE: u64 = 0xffff_ffff_8000_0000;
/// Accessed and dirty, preset so the walker never writes these tables.
const AD: u64 = (1 << 5) | (1 << 6);
/// Last-level tables: each maps 2 MiB of the image, so the entry area's
/// parts must lie in its first `PTS * 2` MiB (checked at boot).
const PTS: usize = 8;

#[repr(C, align(4096))]
struct Table([u64; 512]);

static PDPT: KCell<Table> = KCell::new(Table([0; 512]));
static PD: KCell<Table> = KCell::new(Table([0; 512]));
static PT: KCell<[Table; PTS]> = KCell::new([const { Table([0; 512]) }; PTS]);

extern "C" {
    static entry_text_start: u8;
    static entry_text_end: u8;
    static entry_tables_start: u8;
    static entry_tables_end: u8;
    static entry_stack_start: u8;
    static entry_stack_end: u8;
}

/// The entry area's alias of an image address.
pub const fn alias(image_va: u64) -> u64 {
    image_va - KBASE + ENTRY_BASE
}

fn phys<T>(v: &T) -> u64 {
    v as *const T as u64 - KBASE
}

/// The parts, as image address ranges, with their rights.
fn parts() -> [(u64, u64, u64); 3] {
    fn a(s: &u8) -> u64 {
        s as *const u8 as u64
    }
    // SAFETY: only the linker symbols' addresses are taken.
    unsafe {
        [
            (a(&entry_text_start), a(&entry_text_end), 0),
            (a(&entry_tables_start), a(&entry_tables_end), NX),
            (a(&entry_stack_start), a(&entry_stack_end), W | NX),
        ]
    }
}

/// The first alias address of part `i` (0 text, 1 tables, 2 stack).
pub fn part_start(i: usize) -> u64 {
    alias(parts()[i].0)
}

/// Builds the area in the boot table's slot 510. Runs once in
/// `kmap::protect`, before any root copies the kernel half.
pub fn build(pml4: &mut [u64; 512]) {
    let pt = &mut PT.get();
    for (start, end, rights) in parts() {
        if start % 4096 != 0 || end % 4096 != 0 || end - KBASE > (PTS as u64) << 21 {
            panic!("entry area parts not page-aligned or beyond its tables (linker.ld)");
        }
        for va in (start..end).step_by(4096) {
            let pa = va - KBASE;
            pt[(pa >> 21) as usize].0[((pa >> 12) & 511) as usize] = pa | P | AD | rights;
        }
    }
    let pd = &mut PD.get().0;
    for (i, t) in pt.iter().enumerate() {
        if t.0.iter().any(|&e| e & P != 0) {
            pd[i] = phys(&t.0) | P | W;
        }
    }
    PDPT.get().0[0] = phys(&PD.get().0) | P | W;
    pml4[((ENTRY_BASE >> 39) & 511) as usize] = phys(&PDPT.get().0) | P | W;
    // A lone `ret` at the stack's deepest byte (never reached but by an
    // overflow) for `kmap::probe`'s check that the stack cannot run code.
    // SAFETY: the byte is the kernel stack's own, far below any frame in
    // use this early, written through the image's writable mapping.
    unsafe { core::ptr::write_volatile(stack_probe() as *mut u8, 0xc3) };
}

extern "C" {
    static kstack_bottom: u8;
}

/// The image address of the stack's deepest byte.
fn stack_probe() -> u64 {
    // SAFETY: only the symbol's address is taken.
    unsafe { &kstack_bottom as *const u8 as u64 }
}

/// The alias of that byte: executing it must fault.
pub fn stack_probe_alias() -> u64 {
    alias(stack_probe())
}

extern "C" {
    static mut entry_kernel_root: u64;
    static mut entry_user_root: u64;
    static mut entry_user_maps_kernel: u64;
    static mut entry_fast_entry: u64;
    static mut entry_fast_exc: u64;
    static mut entry_fast_stack: u64;
    static mut entry_fast_tid: u64;
    static mut entry_fast_token: u64;
}

/// The root every entry from user level loads (0: the kernel is in every
/// root and entries switch nothing). Set once at boot.
pub fn set_kernel_root(pa: u64) {
    // SAFETY: the word's image address is writable kernel data; the entry
    // code reads it through the read-only alias; single CPU.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_kernel_root), pa) }
}

/// The root entries from user level load (0: none).
pub fn kernel_root() -> u64 {
    // SAFETY: as in set_kernel_root; a read.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(entry_kernel_root)) }
}

/// The root the next return to user level loads (with a kernel root set).
#[inline(always)]
pub fn set_user_root(pa: u64, maps_kernel: bool) {
    // SAFETY: as in set_kernel_root.
    unsafe {
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_user_root), pa);
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_user_maps_kernel), maps_kernel as u64);
    }
}

/// The root the next return to user level loads.
#[inline(always)]
pub fn user_root() -> u64 {
    // SAFETY: as in set_kernel_root; a read.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(entry_user_root)) }
}

/// What the next `syscall` or exception from user level needs for the
/// fast path (`fastpath`): the server's entries for each (0: that one
/// enters the kernel), the thread's server stack (0: no fast path), id
/// and token.
#[inline(always)]
pub fn set_fast(entry: u64, exc: u64, stack: u64, tid: u64, token: u64) {
    // SAFETY: as in set_kernel_root.
    unsafe {
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_fast_entry), entry);
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_fast_exc), exc);
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_fast_stack), stack);
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_fast_tid), tid);
        core::ptr::write_volatile(core::ptr::addr_of_mut!(entry_fast_token), token);
    }
}
