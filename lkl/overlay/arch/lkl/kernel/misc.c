// SPDX-License-Identifier: GPL-2.0
/*
 * What generic code asks of every architecture and has no meaning here:
 * ptrace has no registers to reach (the personality owns them), stacks are
 * host stacks (gdb walks them), and /proc/cpuinfo has nothing to say.
 */
#include <linux/kernel.h>
#include <linux/ptrace.h>
#include <linux/sched/debug.h>
#include <linux/seq_file.h>
#include <linux/printk.h>

long arch_ptrace(struct task_struct *child, long request, unsigned long addr,
		 unsigned long data)
{
	return ptrace_request(child, request, addr, data);
}

void ptrace_disable(struct task_struct *child)
{
}

void user_disable_single_step(struct task_struct *child)
{
}

void show_stack(struct task_struct *task, unsigned long *sp,
		const char *loglvl)
{
	printk("%s(stack of host thread not walked; use gdb)\n", loglvl);
}

static void *c_start(struct seq_file *m, loff_t *pos)
{
	return *pos < 1 ? (void *)1 : NULL;
}

static void *c_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return NULL;
}

static void c_stop(struct seq_file *m, void *v)
{
}

static int c_show(struct seq_file *m, void *v)
{
	seq_puts(m, "processor\t: 0\nvendor_id\t: cellux-lkl\n\n");
	return 0;
}

const struct seq_operations cpuinfo_op = {
	.start	= c_start,
	.next	= c_next,
	.stop	= c_stop,
	.show	= c_show,
};

void lkl_panic_test(void);
void lkl_panic_test(void)
{
	panic("cellux crash test: Linux's panic, as the boot archive asked");
}
