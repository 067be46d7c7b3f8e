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
	 * What belongs to the process side, which the personality does
	 * itself: address spaces, register state, process creation and
	 * ending (lkl_task_clone/lkl_task_exit), signal return, and the
	 * machine's life (lkl_sys_halt). execve and execveat are Linux's:
	 * they end in binfmt.c, which leaves the image for the host to
	 * build.
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
	[__NR_reboot]		= (lkl_syscall_fn)lkl_sys_ni,
	[__NR_ptrace]		= (lkl_syscall_fn)lkl_sys_ni,
};
#pragma GCC diagnostic pop

const int lkl_syscall_count = __NR_syscalls;
