// SPDX-License-Identifier: GPL-2.0
/*
 * Host threads as Linux tasks: syscall entry, and the task API of
 * lkl_host.h (lkl_task_*), all on Linux's own task code.
 *
 * A TLS key maps each host thread to its task. A thread calling in for the
 * first time becomes a new thread of pid 1 (the "init process", which after
 * boot is a parked host task used only as that parent). Process tasks come
 * from kernel_clone() run in the caller's task, as clone(2) would.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/resume_user_mode.h>
#include <linux/task_work.h>
#include <linux/pid.h>
#include <linux/reboot.h>
#include <linux/syscalls.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

typedef long (*lkl_syscall_fn)(long, long, long, long, long, long);
extern const lkl_syscall_fn lkl_syscall_table[];
extern const int lkl_syscall_count;

struct task_struct *lkl_init_process;
static struct lkl_tls_key *task_key;
static struct lkl_mutex *create_lock;
static struct lkl_sem *boot_sem;
static bool running;

int lkl_is_running(void)
{
	return running;
}

/* Runs in a task the host holds a reference to (TLS binding or handle). */
static struct task_struct *clone_current(unsigned long flags, int exit_signal,
					 int __user *pidfd)
{
	struct kernel_clone_args args = {
		.flags = flags & ~CSIGNAL,
		.exit_signal = exit_signal,
		.pidfd = pidfd,
	};
	struct task_struct *t;
	pid_t nr;

	nr = kernel_clone(&args);
	if (nr < 0)
		return ERR_PTR(nr);
	rcu_read_lock();
	t = find_task_by_vpid(nr);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	return t ? t : ERR_PTR(-ESRCH);
}

/* A host thread's first entry: a new thread of the init process. */
static int enter_new_thread_task(void)
{
	struct task_struct *t;
	int ret;

	/* Taken before the CPU: only one host thread at a time may act as
	 * pid 1, and blocking on a host lock while owning the CPU could
	 * deadlock. */
	lkl_ops->mutex_lock(create_lock);
	ret = lkl_cpu_get();
	if (ret) {
		lkl_ops->mutex_unlock(create_lock);
		return ret;
	}
	lkl_become(lkl_init_process);
	t = clone_current(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			  CLONE_THREAD | CLONE_SYSVSEM, 0, NULL);
	if (IS_ERR(t)) {
		lkl_cpu_put();
		lkl_ops->mutex_unlock(create_lock);
		return PTR_ERR(t);
	}
	t->thread.flags |= LKL_TF_AUTO;
	lkl_ops->tls_set(task_key, t);
	lkl_become(t);
	lkl_ops->mutex_unlock(create_lock);
	return 0;
}

/* For entries the host calls both from outside Linux and from inside it
 * (a host op reached from a syscall): inside, the task is current on the
 * CPU its thread owns already, and taking the CPU again would nest its
 * count (a nested owner that sleeps would hand the next task a CPU it can
 * never release). 1 when it was inside (nothing to give back), 0 when it
 * took the CPU (lkl_leave_nested gives it back), or a negative errno. */
int lkl_enter_nested(void)
{
	int ret;

	if (lkl_cpu_is_mine())
		return 1;
	ret = lkl_enter();
	return ret ? ret : 0;
}

void lkl_leave_nested(int entered)
{
	if (entered == 0)
		lkl_cpu_put();
}

/* Own the CPU as the calling host thread's (`self`) task, which `*task`
 * names on success. */
static __always_inline int enter_as(lkl_thread_t self, struct task_struct **task)
{
	struct task_struct *t;
	int ret;

	if (!running)
		return -ENODEV;
	t = lkl_ops->tls_get(task_key);
	if (!t) {
		ret = enter_new_thread_task();
		if (!ret)
			*task = current;
		return ret;
	}
	ret = lkl_cpu_get_as(self);
	if (ret)
		return ret;
	if (t->exit_state || (t->flags & PF_EXITING)) {
		/* Ended from elsewhere (a group exit, a fatal signal handled
		 * by another thread): nothing left to run as. */
		lkl_cpu_put_as(self);
		return -ESRCH;
	}
	lkl_become_as(t, self);
	*task = t;
	return 0;
}

int lkl_enter(void)
{
	struct task_struct *t;

	return enter_as(lkl_ops->thread_self(), &t);
}

/* What the way back to user mode does on a real architecture. */
void lkl_exit_to_user(void)
{
	if (test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		clear_thread_flag(TIF_NOTIFY_SIGNAL);
		smp_mb__after_atomic();
		if (current->task_works)
			task_work_run();
	}
	if (test_thread_flag(TIF_NOTIFY_RESUME))
		resume_user_mode_work(task_pt_regs(current));
}

/* Re-arm before looking: a signal sent after the look kicks again. */
static __always_inline int look_at_signals(struct task_struct *t)
{
	WRITE_ONCE(t->thread.kicked, 0);
	smp_mb();
	return test_tsk_thread_flag(t, TIF_SIGPENDING);
}

static __always_inline long syscall_as(long no, long *params, struct task_struct **task)
{
	lkl_thread_t self;
	long ret;

	/* Before anything else: after halt the host ops may be gone. */
	if (!running)
		return -ENODEV;
	if (no < 0 || no >= lkl_syscall_count)
		return -ENOSYS;
	self = lkl_ops->thread_self();
	ret = enter_as(self, task);
	if (ret)
		return ret;
	ret = lkl_syscall_table[no](params[0], params[1], params[2],
				    params[3], params[4], params[5]);
	lkl_exit_to_user();
	lkl_cpu_put_as(self);
	return ret;
}

long lkl_syscall(long no, long *params)
{
	struct task_struct *t;

	return syscall_as(no, params, &t);
}

/* The task stays the thread's (its TLS binding holds it) after the CPU is
 * let go, and only the thread itself could end it; the look comes after
 * the release, whose interrupts may have sent the task a signal. A call
 * that never entered (an unknown number, a task ended from elsewhere)
 * looks the task up as lkl_task_signal_pending does. */
long lkl_syscall_from_user(long no, long *params, int *signal_pending)
{
	struct task_struct *t = NULL;
	long ret = syscall_as(no, params, &t);

	*signal_pending = t ? look_at_signals(t) : lkl_task_signal_pending(0);
	return ret;
}

/*
 * A host thread ended while bound: the task it got on first use ends with
 * it; an adopted task is only unbound (the host ends it explicitly).
 */
static void task_key_destructor(void *data)
{
	struct task_struct *t = data;

	if (lkl_cpu_get())
		return;
	if (!(t->thread.flags & LKL_TF_AUTO) || t->exit_state ||
	    (t->flags & PF_EXITING)) {
		put_task_struct(t);
		lkl_cpu_put();
		return;
	}
	lkl_become(t);
	put_task_struct(t);
	lkl_exit_current(0, 0, NULL);
}

lkl_task_t lkl_task_current(void)
{
	struct task_struct *t;

	if (lkl_enter())
		return 0;
	t = current;
	lkl_cpu_put();
	return (lkl_task_t)t;
}

int lkl_task_adopt(lkl_task_t task)
{
	struct task_struct *t = (struct task_struct *)task, *old;

	if (!running)
		return -ENODEV;
	if (!t)
		return -EINVAL;
	if (lkl_cpu_get())
		return -ENODEV;
	get_task_struct(t);
	old = lkl_ops->tls_get(task_key);
	lkl_ops->tls_set(task_key, t);
	if (old)
		put_task_struct(old);
	lkl_cpu_put();
	return 0;
}

long lkl_task_clone(unsigned long clone_flags, int exit_signal,
		    unsigned long pidfd, lkl_task_t *task, int *tid)
{
	struct task_struct *parent, *child;
	long ret;

	/* No host thread waits for a vfork child, there are no user
	 * registers for TLS, and the tid stores are the personality's
	 * (the child's memory is the host's). The pidfd is Linux's: made
	 * in the caller's fd table and stored at `pidfd` in the caller's
	 * memory, which Linux reaches as it reaches any user address. */
	clone_flags &= ~(CLONE_VFORK | CLONE_SETTLS |
			 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
			 CLONE_PARENT_SETTID);
	ret = lkl_enter();
	if (ret)
		return ret;
	parent = current;
	child = clone_current(clone_flags, exit_signal,
			      (int __user *)pidfd);
	if (IS_ERR(child)) {
		ret = PTR_ERR(child);
	} else {
		/* Run the child's first switch-in now and park it, so the
		 * scheduler never meets a host task no thread waits for. */
		lkl_become(child);
		lkl_become(parent);
		*tid = task_pid_vnr(child);
		*task = (lkl_task_t)child;
	}
	lkl_cpu_put();
	return ret;
}

void lkl_task_put(lkl_task_t task)
{
	if (!task || lkl_cpu_get())
		return;
	put_task_struct((struct task_struct *)task);
	lkl_cpu_put();
}

lkl_task_t lkl_task_detach(void)
{
	struct task_struct *t;

	if (!running || lkl_cpu_get())
		return 0;
	t = lkl_ops->tls_get(task_key);
	lkl_ops->tls_set(task_key, NULL);
	lkl_cpu_put();
	return (lkl_task_t)t;
}

void lkl_task_exit(int status, int group)
{
	struct task_struct *t;

	if (lkl_enter())
		return;
	t = current;
	lkl_ops->tls_set(task_key, NULL);
	/* The running task holds its own reference until it is reaped. */
	put_task_struct(t);
	lkl_exit_current(status, group, NULL);
}

int lkl_task_signal_pending(lkl_task_t task)
{
	struct task_struct *t = (struct task_struct *)task;

	if (!running)
		return 0;
	if (!t)
		t = lkl_ops->tls_get(task_key);
	if (!t)
		return 0;
	return look_at_signals(t);
}

static void deliver_signal(void)
{
	/* fn_arg is unused by host tasks; get_signal() may block (stop). */
	struct lkl_signal_delivery *out = current->thread.fn_arg;
	struct ksignal ksig;

	if (!get_signal(&ksig))
		return;
	out->signo = ksig.sig;
	out->action = LKL_SIGACT_HANDLER;
	out->handler = (unsigned long)ksig.ka.sa.sa_handler;
	out->flags = ksig.ka.sa.sa_flags;
	out->restorer = (unsigned long)ksig.ka.sa.sa_restorer;
	out->mask = ksig.ka.sa.sa_mask.sig[0];
	out->old_mask = sigmask_to_save()->sig[0];
	out->ss_sp = current->sas_ss_sp;
	out->ss_size = current->sas_ss_size;
	out->ss_flags = current->sas_ss_flags;
	BUILD_BUG_ON(sizeof(ksig.info) > sizeof(out->siginfo));
	memcpy(out->siginfo, &ksig.info, sizeof(ksig.info));
	/* Blocks sa_mask (and the signal) the way a frame setup would. */
	signal_setup_done(0, &ksig, 0);
}

int lkl_task_next_signal(struct lkl_signal_delivery *out)
{
	struct task_struct *t;
	struct lkl_jmp_buf jb;
	int code = -1;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = lkl_enter();
	if (ret)
		return ret;
	t = current;
	t->thread.fn_arg = out;
	/* A fatal signal ends the group inside get_signal(): arm the way
	 * out of the task's final switch. */
	t->thread.jb = &jb;
	t->thread.exit_code_out = &code;
	t->thread.flags |= LKL_TF_EXIT;
	lkl_ops->jmp_buf_set(&jb, deliver_signal);
	if (code < 0) {
		t->thread.flags &= ~LKL_TF_EXIT;
		t->thread.exit_code_out = NULL;
		lkl_exit_to_user();
		lkl_cpu_put();
		return 0;
	}
	/* The task died: `t` is still ours through the TLS reference. */
	out->action = LKL_SIGACT_EXIT;
	out->signo = code;
	lkl_ops->tls_set(task_key, NULL);
	if (!lkl_cpu_get()) {
		put_task_struct(t);
		lkl_cpu_put();
	}
	return 0;
}

/* Called on pid 1's own host thread once kernel_init has "exec"ed /init. */
void lkl_init_became_user(void)
{
	lkl_init_process = current;
	current->thread.flags |= LKL_TF_HOST;
	running = true;
	lkl_ops->sem_up(boot_sem);
	if (!lkl_park_current())
		panic("lkl: init could not park");
}

int lkl_tasks_init(void)
{
	boot_sem = lkl_ops->sem_alloc(0);
	create_lock = lkl_ops->mutex_alloc(0);
	task_key = lkl_ops->tls_alloc(task_key_destructor);
	if (!boot_sem || !create_lock || !task_key)
		return -ENOMEM;
	return 0;
}

void lkl_wait_boot(void)
{
	lkl_ops->sem_down(boot_sem);
}

long lkl_sys_halt(void)
{
	long ret;

	ret = lkl_enter();
	if (ret)
		return ret;
	ksys_sync();
	running = false;
	kernel_halt();
	/* Keep the CPU forever: kernel threads stay blocked on their
	 * semaphores; interrupts and late callers find it shut down. */
	lkl_cpu_shutdown();
	return 0;
}
