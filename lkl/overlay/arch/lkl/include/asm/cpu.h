/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_CPU_H
#define _ASM_LKL_CPU_H

/*
 * The single CPU is a lock over host threads: only its owner runs kernel
 * code (kernel/cpu.c).
 */
int lkl_cpu_init(void);
int lkl_cpu_get(void);
void lkl_cpu_put(void);
/* The same for a caller that knows its host thread already (the syscall
 * path, which would otherwise ask the host three times: under TCG each
 * ask is an indirect call and a few translated blocks). */
int lkl_cpu_get_as(unsigned long self);
void lkl_cpu_put_as(unsigned long self);
int lkl_cpu_try_get_irq(void);
void lkl_cpu_change_owner(unsigned long tid);
void lkl_cpu_idle(void);
void lkl_cpu_idle_wake(void);
struct lkl_sem;
void lkl_cpu_idle_wake_then_wait(struct lkl_sem *sem);
void lkl_cpu_shutdown(void);
int lkl_cpu_is_shutdown(void);
/* Whether the calling host thread owns the CPU now: it is inside Linux
 * (a host op called from a syscall), where an entry must not nest. */
int lkl_cpu_is_mine(void);

/* kernel/irq.c */
extern unsigned long lkl_irq_flags;
void lkl_run_irqs(void);
extern unsigned long lkl_irq_pending;
/* Inline: read on every release of the CPU. */
static inline int lkl_irqs_pending(void)
{
	return *(volatile unsigned long *)&lkl_irq_pending != 0;
}

/* kernel/threads.c */
void lkl_threads_init(void);
int lkl_park_current(void);
/* Before the CPU is released: kick the host tasks out of Linux that got a
 * signal to handle (sigkick.c). */
void lkl_kick_signalled(void);
void lkl_become(struct task_struct *task);
void lkl_become_as(struct task_struct *task, unsigned long self);
void lkl_exit_current(int code, int group, int *exit_code);

/* kernel/tasks.c */
int lkl_tasks_init(void);
void lkl_wait_boot(void);
extern struct task_struct *lkl_init_process;
void lkl_init_became_user(void);
/* Own the CPU as the calling host thread's task (0 or -errno)... */
int lkl_enter(void);
/* ...and before releasing it, what a return to user mode runs. */
void lkl_exit_to_user(void);
/* lkl_enter, or nothing when the caller is inside Linux already (0: taken,
 * 1: was inside, or -errno), and its undoing. */
int lkl_enter_nested(void);
void lkl_leave_nested(int entered);

/* kernel/binfmt.c: an exec's image the host has not taken, dropped. */
void lkl_exec_release(struct task_struct *t);

/* mm/bootmem.c */
void lkl_bootmem_init(void);

#endif
