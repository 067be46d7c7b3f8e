// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch table, indexed by x86_64 syscall numbers.
 *
 * Entry points come from x86's syscall_64.tbl (see arch/lkl/syscalls). Each
 * gets a weak fallback to ENOSYS, so the generic ones this configuration
 * builds win at link time and the x86-only or configured-out ones answer
 * ENOSYS. This file must not see <linux/syscalls.h>: here every entry is
 * just an address.
 */
#include <linux/errno.h>
#include <linux/linkage.h>
#include <asm/unistd.h>

typedef long (*lkl_syscall_fn)(long, long, long, long, long, long);

long lkl_sys_ni(void);
long lkl_sys_ni(void)
{
	return -ENOSYS;
}

#define LKL_SYSCALL_ENTRY(sym) \
	long sym(void) __attribute__((weak, alias("lkl_sys_ni")));
#include <asm/syscall_entries_64.h>
long sys_ni_syscall(void);

#define __SYSCALL(nr, sym)		[nr] = (lkl_syscall_fn)sym,
#define __SYSCALL_NORETURN(nr, sym)	[nr] = (lkl_syscall_fn)lkl_sys_ni,

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const lkl_syscall_fn lkl_syscall_table[__NR_syscalls] = {
#include <asm/syscalls_64.h>
	/*
	 * What Linux must not serve: the calls the routing table
	 * (personality/src/route.rs) sends elsewhere, address spaces,
	 * register state, process creation (lkl_task_clone), signal
	 * return, and what no process is offered (the machine's life is
	 * lkl_sys_halt's; ptrace). A unit test there holds this list to
	 * that table. execve, execveat, exit, exit_group and
	 * set_tid_address are Linux's in part: execve ends in binfmt.c,
	 * which leaves the image for the host to build.
	 */
	[__NR_fork]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_vfork]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_clone]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_clone3]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_rt_sigreturn]	= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_arch_prctl]	= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_mmap]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_munmap]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_mremap]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_mprotect]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_brk]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_madvise]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_msync]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_reboot]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_ptrace]		= (lkl_syscall_fn)lkl_sys_ni,
};
#pragma GCC diagnostic pop

const int lkl_syscall_count = __NR_syscalls;
