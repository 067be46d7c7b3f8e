// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks on host threads.
 *
 * A kernel thread has a host thread of its own, which waits on the task's
 * semaphore whenever the task is switched out. A host task (LKL_TF_HOST:
 * the task of a host thread calling in, or a process task the personality
 * created) has none: the host thread that enters the kernel as it runs it,
 * and when it leaves it parks the task with a longjmp out of schedule() so
 * that no host stack is left inside the kernel.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/signal.h>
#include <linux/sched/debug.h>
#include <linux/ptrace.h>
#include <asm/switch_to.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

struct task_struct *lkl_current_task = &init_task;

/* The task switched away from most recently, for schedule_tail(). */
static struct task_struct *last_prev;

struct task_struct *__switch_to(struct task_struct *prev,
				struct task_struct *next)
{
	struct thread_struct *pt = &prev->thread;
	struct lkl_jmp_buf *jb = NULL;
	bool dead = READ_ONCE(prev->__state) == TASK_DEAD;

	/*
	 * Everything about prev is read before next runs: once it does, a
	 * dead prev may be freed by next's finish_task_switch().
	 */
	if (pt->flags & LKL_TF_PARK) {
		pt->flags &= ~LKL_TF_PARK;
		jb = pt->jb;
	} else if (dead && (pt->flags & LKL_TF_EXIT)) {
		pt->flags &= ~LKL_TF_EXIT;
		if (pt->exit_code_out)
			*pt->exit_code_out = prev->exit_code;
		jb = pt->jb;
	}

	last_prev = prev;
	lkl_current_task = next;
	lkl_cpu_change_owner(next->thread.tid);
	if (jb || dead) {
		lkl_ops->sem_up(next->thread.sem);
		if (jb)
			lkl_ops->jmp_buf_longjmp(jb, 1);
		lkl_ops->thread_exit();
	}

	/* Wake next's thread and wait to be switched back to. */
	lkl_sem_up_down(next->thread.sem, pt->sem);
	return last_prev;
}

/* First run of a kernel thread on its own host thread. */
static void kernel_thread_start(void *arg)
{
	struct task_struct *p = arg;

	lkl_ops->sem_down(p->thread.sem);
	schedule_tail(last_prev);

	p->thread.fn(p->thread.fn_arg);

	/*
	 * Only a user-mode thread returns: kernel_init after "exec" of /init.
	 * From here on pid 1 is a host task, the parent of every process the
	 * host creates; its thread is no longer needed.
	 */
	lkl_init_became_user();
	lkl_ops->thread_exit();
}

/*
 * A new task's thread_struct starts empty, not as a copy of its parent's:
 * a fork refused between dup_task_struct and copy_thread (RLIMIT_NPROC,
 * credentials, namespaces...) frees the child through
 * arch_release_task_struct, which then freed the parent's semaphore,
 * unlinked the parent from lkl_host_tasks and dropped its exec image; the
 * next switch to the parent handed the CPU astray and the server panicked
 * (tests/conformance/nprocfork.c, scripts/stress's fork bomb).
 */
int arch_dup_task_struct(struct task_struct *dst, struct task_struct *src)
{
	*dst = *src;
	memset(&dst->thread, 0, sizeof(dst->thread));
	return 0;
}

int copy_thread(struct task_struct *p, const struct kernel_clone_args *args)
{
	struct thread_struct *t = &p->thread;

	memset(t, 0, sizeof(*t));
	t->sem = lkl_ops->sem_alloc(0);
	if (!t->sem)
		return -ENOMEM;

	if (!args->fn) {
		/* A process or thread task: run by whichever host thread
		 * adopts it. */
		t->flags = LKL_TF_HOST;
		list_add(&t->host_node, &lkl_host_tasks);
		return 0;
	}

	t->fn = args->fn;
	t->fn_arg = args->fn_arg;
	t->tid = lkl_ops->thread_create(kernel_thread_start, p);
	if (!t->tid) {
		lkl_ops->sem_free(t->sem);
		t->sem = NULL;
		return -ENOMEM;
	}
	return 0;
}

void arch_release_task_struct(struct task_struct *tsk)
{
	lkl_exec_release(tsk);
	if (tsk->thread.host_node.next)
		list_del(&tsk->thread.host_node);
	if (tsk->thread.sem)
		lkl_ops->sem_free(tsk->thread.sem);
	tsk->thread.sem = NULL;
}

void flush_thread(void)
{
}

unsigned long __get_wchan(struct task_struct *p)
{
	return 0;
}

static void park_schedule(void)
{
	schedule();
}

/*
 * Switch away from the current host task without blocking this host
 * thread: the task stays parked (TASK_UNINTERRUPTIBLE, so only an explicit
 * wake-up by lkl_become brings it back), the CPU goes to whatever runs next,
 * and we return to host code. Returns 1 if the switch happened; 0 if the
 * scheduler kept us (we still own the CPU).
 */
int lkl_park_current(void)
{
	struct lkl_jmp_buf jb;
	struct thread_struct *t = &current->thread;

	set_current_state(TASK_UNINTERRUPTIBLE);
	t->jb = &jb;
	t->flags |= LKL_TF_PARK;
	lkl_ops->jmp_buf_set(&jb, park_schedule);
	if (t->flags & LKL_TF_PARK) {
		t->flags &= ~LKL_TF_PARK;
		__set_current_state(TASK_RUNNING);
		return 0;
	}
	return 1;
}

/*
 * Make `task` current on the calling host thread, which owns the CPU at top
 * level. The task switched away from is the parked idle task or a host task
 * whose own thread is back in host code.
 */
void lkl_become(struct task_struct *task)
{
	lkl_become_as(task, lkl_ops->thread_self());
}

void lkl_become_as(struct task_struct *task, unsigned long self)
{
	/*
	 * Record the caller as the task's thread even when the task is
	 * already current: it may have been left current by another host
	 * thread (a task moved with lkl_task_detach/adopt, as a vfork
	 * child's exec does, enters on its new thread before anything else
	 * ran). __switch_to hands the CPU to thread.tid when it switches
	 * back to the task after it blocks; a stale tid gives it to the old
	 * thread (or to none, once it ended), and the new one then releases
	 * a CPU it does not own.
	 */
	task->thread.tid = self;
	if (current == task)
		return;
	wake_up_process(task);
	if (is_idle_task(current)) {
		/* Idle slept in lkl_cpu_idle; its thread runs schedule(), which
		 * switches to the task: wake it and wait for that at once. */
		lkl_cpu_idle_wake_then_wait(task->thread.sem);
	} else if (!lkl_park_current()) {
		panic("lkl: cannot switch to task %d", task_pid_nr(task));
	} else {
		lkl_ops->sem_down(task->thread.sem);
	}
	schedule_tail(last_prev);
}

static int exit_code_arg;
static int exit_group_arg;

static void do_exit_current(void)
{
	if (exit_group_arg)
		do_group_exit(exit_code_arg);
	do_exit(exit_code_arg);
}

/*
 * End the current host task; its final switch longjmps back here, and the
 * calling host thread returns to host code without the CPU.
 */
void lkl_exit_current(int code, int group, int *exit_code)
{
	struct lkl_jmp_buf jb;
	struct thread_struct *t = &current->thread;

	t->jb = &jb;
	t->exit_code_out = exit_code;
	t->flags |= LKL_TF_EXIT;
	exit_code_arg = code;
	exit_group_arg = group;
	lkl_ops->jmp_buf_set(&jb, do_exit_current);
}

void lkl_threads_init(void)
{
	init_task.thread.sem = lkl_ops->sem_alloc(0);
	init_task.thread.tid = lkl_ops->thread_self();
}

void show_regs(struct pt_regs *regs)
{
	show_regs_print_info(KERN_INFO);
}
