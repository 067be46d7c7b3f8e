//! The kernel's hardware protections (kernel/README.md "Hardware
//! protections"), through its self-test op `hw_op::PROTECT_PROBE`: the
//! control bits are set, and accesses the kernel must never make fault
//! with the expected page-fault error code instead of going through. The
//! user-level side (UMIP, IOPL 0) is in `exc`.

use crate::{check, run, TestResult};
use cellux_rt::abi::err::Error;
use cellux_rt::abi::layout::boot_slot::HW;
use cellux_rt::abi::ops::*;
use cellux_rt::cap::Hw;
use core::sync::atomic::{AtomicU64, Ordering};

/// Page-fault error code bits: present, write, instruction fetch.
const PF_P: u64 = 1;
const PF_W: u64 = 2;
const PF_ID: u64 = 0x10;

pub fn all() {
    run("protect.cr0_wp_set", || bits(PROTECT_CR0, 1 << 16, "CR0.WP clear"));
    run("protect.cr4_umip_smep_smap_set", || bits(PROTECT_CR4, (1 << 11) | (1 << 20) | (1 << 21), "CR4.UMIP/SMEP/SMAP clear"));
    run("protect.efer_nxe_set", || bits(PROTECT_EFER, 1 << 11, "EFER.NXE clear"));
    run("protect.kernel_text_readable", || check(probe(PROTECT_READ_TEXT, 0) == Ok(0), "reading kernel text faulted"));
    run("protect.kernel_text_not_writable", || faults(PROTECT_WRITE_TEXT, 0, PF_P | PF_W));
    run("protect.kernel_rodata_not_writable", || faults(PROTECT_WRITE_RODATA, 0, PF_P | PF_W));
    run("protect.kernel_rodata_not_executable", || faults(PROTECT_EXEC_RODATA, 0, PF_P | PF_ID));
    run("protect.kernel_data_not_executable", || faults(PROTECT_EXEC_DATA, 0, PF_P | PF_ID));
    run("protect.direct_map_not_executable", || faults(PROTECT_EXEC_DIRECT, 0, PF_P | PF_ID));
    run("protect.smap_kernel_cannot_read_user", || faults(PROTECT_READ_USER, user_data(), user_present()));
    run("protect.smap_kernel_cannot_write_user", || faults(PROTECT_WRITE_USER, user_data(), user_present() | PF_W));
    run("protect.smep_kernel_cannot_run_user", || faults(PROTECT_EXEC_USER, user_ret(), user_present() | PF_ID));
    run("protect.entry_tables_read_only", || faults(PROTECT_WRITE_ENTRY_TABLES, 0, PF_P | PF_W));
    run("protect.entry_text_read_only", || faults(PROTECT_WRITE_ENTRY_TEXT, 0, PF_P | PF_W));
    run("protect.entry_stack_not_executable", || faults(PROTECT_EXEC_ENTRY_STACK, 0, PF_P | PF_ID));
    run("protect.probe_refuses_bad_argument", refuse);
}

/// The P bit a kernel access to user memory faults with: in a kernel
/// root of its own (the Ring 1 design, for roots the server runs in) the
/// kernel does not even map user memory, so not present instead of SMAP's
/// or SMEP's refusal; ours (a CPL3 component's) keeps the kernel.
fn user_present() -> u64 {
    if probe(PROTECT_KERNEL_ROOT, 0).unwrap_or(0) != 0 { 0 } else { PF_P }
}

fn probe(kind: u64, addr: u64) -> Result<u64, Error> {
    Hw(HW).protect_probe(kind, addr)
}

fn bits(kind: u64, want: u64, why: &'static str) -> TestResult {
    let v = probe(kind, 0).map_err(|_| "probe refused")?;
    check(v & want == want, why)
}

fn faults(kind: u64, addr: u64, err: u64) -> TestResult {
    let v = probe(kind, addr).map_err(|_| "probe refused")?;
    check(v != 0, "the kernel's access went through")?;
    check(v & PROTECT_FAULTED != 0 && (v >> 32) & 0xff == 14, "not a page fault")?;
    // Supervisor access (U/S clear), and exactly the expected rights bits.
    if v & (PF_P | PF_W | 4 | PF_ID) != err {
        cellux_rt::println!("protect: probe {} gave {:#x}, error code {:#x} expected", kind, v, err);
        return Err("wrong page-fault error code");
    }
    Ok(())
}

static USER_BYTE: AtomicU64 = AtomicU64::new(0x5a);

fn user_data() -> u64 {
    USER_BYTE.as_ptr() as u64
}

core::arch::global_asm!(".text", ".global ktest_user_ret", "ktest_user_ret:", "ret");
extern "C" {
    fn ktest_user_ret();
}

fn user_ret() -> u64 {
    ktest_user_ret as *const () as u64
}

fn refuse() -> TestResult {
    check(probe(99, 0) == Err(Error::Inval), "unknown kind accepted")?;
    check(probe(PROTECT_READ_USER, 0xffff_ffff_8010_0000) == Err(Error::Inval), "kernel address taken as a user one")?;
    check(USER_BYTE.load(Ordering::Relaxed) == 0x5a, "user memory changed")
}
