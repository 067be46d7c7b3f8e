use super::*;

/// The syscall names the arch port's table maps to its ENOSYS entry.
fn refused_by_the_arch_port() -> std::vec::Vec<std::string::String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../lkl/overlay/arch/lkl/kernel/syscall_table.c");
    let text = std::fs::read_to_string(path).expect("the arch port's syscall table");
    let mut names: std::vec::Vec<std::string::String> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("[__NR_")?;
            let (name, tail) = rest.split_once(']')?;
            tail.contains("lkl_sys_ni").then(|| name.to_uppercase())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn the_arch_port_refuses_exactly_what_linux_must_not_serve() {
    let mut expected: std::vec::Vec<std::string::String> = (0..nr::NR_SYSCALLS)
        .filter_map(|n| Some((nr::name(n)?, route(n))))
        .filter(|(_, r)| !r.linux_serves())
        .map(|(name, _)| name.to_uppercase())
        .collect();
    expected.sort();
    assert_eq!(refused_by_the_arch_port(), expected);
}

#[test]
fn the_number_is_eax_and_wild_numbers_are_refused() {
    assert_eq!(route(nr::MMAP), Route::Memory(Mm::Mmap));
    assert_eq!(route(39), Route::Linux);
    assert_eq!(route(1 << 32 | 39), Route::Refused, "route takes the number, not rax");
    assert_eq!(route(nr::EXIT_GROUP), Route::Lifecycle(Lifecycle::Exit { group: true }));
    assert_eq!(route(nr::RT_SIGRETURN), Route::SignalReturn);
    assert_eq!(route(336), Route::Refused, "unassigned");
    assert_eq!(route(nr::NR_SYSCALLS), Route::Refused);
    assert_eq!(route(-1), Route::Refused);
    assert_eq!(route(i64::MAX), Route::Refused);
    assert_eq!(route(512), Route::Refused);
}

#[test]
fn lifecycle_calls_linux_runs_a_part_of_are_not_refused_there() {
    assert!(route(nr::EXECVE).linux_serves());
    assert!(route(nr::SET_TID_ADDRESS).linux_serves());
    assert!(!route(nr::CLONE).linux_serves());
    assert!(!route(nr::MADVISE).linux_serves());
}
