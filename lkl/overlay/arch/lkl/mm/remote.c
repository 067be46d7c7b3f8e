// SPDX-License-Identifier: GPL-2.0
/*
 * Other processes' memory. Without an MMU Linux reaches a process's memory
 * through its own addresses (mm/nommu.c finds the VMA and copies), but a
 * cellux process's memory is the host's: Linux has neither its pages nor
 * its VMAs. So access_remote_vm (/proc/PID/cmdline, environ, mem, after
 * Linux's own permission checks: mm_access, ptrace_may_access) asks the
 * host to copy, naming the address space by what the host told us for
 * this mm (lkl_task_set_mm), and the argument and environment bounds that
 * cmdline and environ read are the ones the host's loader laid out.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

int lkl_access_remote_vm(struct mm_struct *mm, unsigned long addr,
			 void *buf, int len, unsigned int gup_flags)
{
	unsigned long host = READ_ONCE(mm->context.host);

	if (len <= 0 || addr + len < addr || !host || !lkl_ops->process_access)
		return 0;
	return lkl_ops->process_access(host, addr, buf, len,
				       !!(gup_flags & FOLL_WRITE));
}

long lkl_task_set_mm(lkl_task_t task, unsigned long host,
		     const unsigned long *layout)
{
	struct task_struct *t = (struct task_struct *)task;
	struct mm_struct *mm;
	long ret;

	if (!t || !host)
		return -EINVAL;
	if (layout && !(layout[0] <= layout[1] && layout[1] <= layout[2] &&
			layout[2] <= layout[3]))
		return -EINVAL;
	ret = lkl_enter();
	if (ret)
		return ret;
	mm = get_task_mm(t);
	ret = -EINVAL;
	if (mm) {
		WRITE_ONCE(mm->context.host, host);
		if (layout) {
			spin_lock(&mm->arg_lock);
			mm->arg_start = layout[0];
			mm->arg_end = layout[1];
			mm->env_start = layout[2];
			mm->env_end = layout[3];
			spin_unlock(&mm->arg_lock);
		}
		mmput(mm);
		ret = 0;
	}
	lkl_cpu_put();
	return ret;
}
