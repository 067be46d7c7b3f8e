/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PROCESSOR_H
#define _ASM_LKL_PROCESSOR_H

#include <linux/types.h>
#include <asm/ptrace.h>

struct lkl_sem;
struct lkl_jmp_buf;
struct lkl_exec_image;

/*
 * What a task needs to run on host threads. `tid` is the host thread that
 * runs the task: its own thread for kernel threads, and whichever host
 * thread entered the kernel as it for host tasks (LKL_TF_HOST). `sem` is
 * what that thread waits on while the task is switched out.
 */
struct thread_struct {
	struct lkl_sem *sem;
	unsigned long tid;
	unsigned long flags;
	/* Armed jump back to host code, see LKL_TF_PARK / LKL_TF_EXIT. */
	struct lkl_jmp_buf *jb;
	int *exit_code_out;
	int (*fn)(void *);
	void *fn_arg;
	/* Registers of the process as last reported by the personality;
	 * Linux's generic code only peeks at them (sigaltstack). */
	struct pt_regs regs;
	/* signal_kick was called for the pending signals and the host has
	 * not looked since (a word of its own: the host clears it without
	 * the CPU, so it must not share a read-modify-write with `flags`). */
	unsigned long kicked;
	/* In lkl_host_tasks while a host task exists (sigkick.c walks it). */
	struct list_head host_node;
	/* What an execve left for the host to build the image from, until
	 * the host takes it (binfmt.c). */
	struct lkl_exec_image *exec;
};

/* Every host task (LKL_TF_HOST from copy_thread), CPU owner only. */
extern struct list_head lkl_host_tasks;

/* A task without a host thread of its own: entered by host threads. */
#define LKL_TF_HOST	(1UL << 0)
/* Leave the scheduler by longjmp at the next switch away (parking). */
#define LKL_TF_PARK	(1UL << 1)
/* Leave by longjmp at the final switch away from this dead task. */
#define LKL_TF_EXIT	(1UL << 2)
/* Created for a host thread's first call: ends when that thread ends. */
#define LKL_TF_AUTO	(1UL << 3)

#define INIT_THREAD { }

#define task_pt_regs(tsk)	(&(tsk)->thread.regs)

/* No address-space limit Linux enforces: the host checks every copy. */
#define TASK_SIZE		(~0UL)
#define TASK_SIZE_MAX		TASK_SIZE
#define STACK_TOP		TASK_SIZE
#define STACK_TOP_MAX		TASK_SIZE
#define TASK_UNMAPPED_BASE	0

#define KSTK_EIP(tsk)		((tsk)->thread.regs.ip)
#define KSTK_ESP(tsk)		((tsk)->thread.regs.sp)

void lkl_cpu_relax(void);
/* Busy loops must let pending interrupts in, or they would spin forever. */
#define cpu_relax()		lkl_cpu_relax()

static inline void prepare_to_copy(struct task_struct *tsk) { }
unsigned long __get_wchan(struct task_struct *p);

#endif
