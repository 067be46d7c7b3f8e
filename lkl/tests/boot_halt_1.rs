//! Boot and halt in a process of its own (boot_halt_1.rs and _2.rs run the
//! same body, common::boot_uname_halt, so that Linux boots and halts twice in
//! a row in separate processes).

mod common;

#[test]
fn first_process_boots_unames_halts_and_refuses_syscalls_outside() {
    common::boot_uname_halt();
}
