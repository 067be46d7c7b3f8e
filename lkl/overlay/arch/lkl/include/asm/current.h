/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_CURRENT_H
#define _ASM_LKL_CURRENT_H

/*
 * One CPU, and only the host thread that owns it runs kernel code, so the
 * running task is a plain global that __switch_to updates.
 */
#ifndef __ASSEMBLY__
struct task_struct;
extern struct task_struct *lkl_current_task;

static __always_inline struct task_struct *get_current(void)
{
	return lkl_current_task;
}
#define current get_current()
#endif

#endif
