// SPDX-License-Identifier: GPL-2.0
/*
 * Signals for tasks whose host thread is out of Linux.
 *
 * A process's task is only "in Linux" while its thread serves one of the
 * process's calls; the rest of the time its thread runs the process in
 * user mode, where no return-to-user path ever looks at TIF_SIGPENDING.
 * Linux makes signals pending only while some host thread owns the CPU
 * (another process's kill, the tty's ^C from the console interrupt, an
 * itimer in the timer interrupt, a child's exit), and every such stretch
 * ends by releasing the CPU (lkl_cpu_put, or the idle task's halt). So
 * just before each release, every host task that now has a signal to
 * handle and has not been kicked yet is handed to the host's signal_kick,
 * which makes its thread come back and take it. The host re-arms a task
 * when it looks at its signals (lkl_task_signal_pending), so a signal that
 * arrives after that look kicks again and none is left unseen.
 *
 * The walk, with the CPU owned, is over the host tasks only (a list of
 * their own, not every task: under QEMU's TCG each task_struct touched is
 * a page to look up again after every address-space switch, and walking
 * the kernel threads too doubled the cost of a syscall).
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/rcupdate.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

LIST_HEAD(lkl_host_tasks);

/*
 * Whether `t`'s host thread is out of Linux: the task is parked (what
 * lkl_become and lkl_cpu_put leave a host task in), or it is `current`
 * without its thread owning the CPU (the last task to release the CPU
 * stays current until another enters; interrupts then run on its
 * behalf). Tasks sleeping or runnable inside a call are left alone:
 * their thread looks at their signals on its way out.
 */
static bool out_of_linux(struct task_struct *t, lkl_thread_t self)
{
	if (!(t->thread.flags & LKL_TF_HOST) || !t->thread.tid ||
	    t->exit_state || (t->flags & PF_EXITING))
		return false;
	if (lkl_ops->thread_equal(t->thread.tid, self))
		return false;
	return t == current || READ_ONCE(t->__state) == TASK_UNINTERRUPTIBLE;
}

void lkl_kick_signalled(void)
{
	struct thread_struct *th;
	struct task_struct *t;
	lkl_thread_t self = 0;

	if (!lkl_ops->signal_kick)
		return;
	list_for_each_entry(th, &lkl_host_tasks, host_node) {
		t = container_of(th, struct task_struct, thread);
		if (!test_tsk_thread_flag(t, TIF_SIGPENDING) ||
		    READ_ONCE(t->thread.kicked))
			continue;
		if (!self)
			self = lkl_ops->thread_self();
		if (!out_of_linux(t, self))
			continue;
		WRITE_ONCE(t->thread.kicked, 1);
		lkl_ops->signal_kick(t->thread.tid);
	}
}
