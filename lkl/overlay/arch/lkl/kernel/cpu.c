// SPDX-License-Identifier: GPL-2.0
/*
 * The single CPU as a lock over host threads.
 *
 * Whoever owns it runs kernel code; everybody else (host threads entering
 * syscalls, device threads raising interrupts) waits or leaves a note.
 * Ownership moves three ways:
 *  - lkl_cpu_get/lkl_cpu_put around an entry from host code;
 *  - __switch_to hands it to the host thread of the task switched to;
 *  - the idle task parks in lkl_cpu_idle with the CPU free, and is handed
 *    it back when the scheduler must run again.
 * While the CPU is free, `current` is either the parked idle task or a host
 * task whose thread went back to host code: both can be switched away from
 * by any host thread without disturbing a kernel stack.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

static struct {
	struct lkl_mutex *lock;
	struct lkl_sem *sleepers_sem;
	struct lkl_sem *idle_sem;
	lkl_thread_t owner;
	unsigned int count;
	unsigned int sleepers;
	bool idle_parked;
	bool shutdown;
} cpu;

int lkl_cpu_init(void)
{
	cpu.lock = lkl_ops->mutex_alloc(0);
	cpu.sleepers_sem = lkl_ops->sem_alloc(0);
	cpu.idle_sem = lkl_ops->sem_alloc(0);
	if (!cpu.lock || !cpu.sleepers_sem || !cpu.idle_sem)
		return -ENOMEM;
	return 0;
}

static bool owned_by_self(lkl_thread_t self)
{
	return cpu.owner && lkl_ops->thread_equal(cpu.owner, self);
}

/* Call with cpu.lock held. Returns the semaphore to up for a sleeper
 * (NULL: none), which the caller ups once it has dropped the lock (the
 * idle task in the same host call as its own wait). */
static struct lkl_sem *release_locked(void)
{
	cpu.owner = 0;
	cpu.count = 0;
	if (cpu.sleepers) {
		cpu.sleepers--;
		return cpu.sleepers_sem;
	}
	return NULL;
}

int lkl_cpu_get(void)
{
	lkl_thread_t self;

	if (!cpu.lock)
		return -ENODEV;	/* before lkl_start_kernel */
	self = lkl_ops->thread_self();

	lkl_ops->mutex_lock(cpu.lock);
	while (!cpu.shutdown && cpu.owner && !owned_by_self(self)) {
		cpu.sleepers++;
		lkl_ops->mutex_unlock(cpu.lock);
		lkl_ops->sem_down(cpu.sleepers_sem);
		lkl_ops->mutex_lock(cpu.lock);
	}
	if (cpu.shutdown) {
		/* Pass the wake-up on: every sleeper must see the shutdown. */
		if (cpu.sleepers) {
			cpu.sleepers--;
			lkl_ops->sem_up(cpu.sleepers_sem);
		}
		lkl_ops->mutex_unlock(cpu.lock);
		return -ENODEV;
	}
	cpu.owner = self;
	cpu.count++;
	lkl_ops->mutex_unlock(cpu.lock);
	return 0;
}

/*
 * For lkl_trigger_irq: take the CPU only if nobody holds it. A busy CPU
 * (or a nested entry) finds the pending bit when it next enables
 * interrupts or leaves.
 */
int lkl_cpu_try_get_irq(void)
{
	int got = 0;

	if (!cpu.lock)
		return 0;	/* before boot: stays pending for init_IRQ's users */
	lkl_ops->mutex_lock(cpu.lock);
	if (!cpu.shutdown && !cpu.owner) {
		cpu.owner = lkl_ops->thread_self();
		cpu.count = 1;
		got = 1;
	}
	lkl_ops->mutex_unlock(cpu.lock);
	return got;
}

void lkl_cpu_change_owner(unsigned long tid)
{
	lkl_ops->mutex_lock(cpu.lock);
	cpu.owner = tid;
	lkl_ops->mutex_unlock(cpu.lock);
}

static void idle_wake_locked(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	cpu.owner = init_task.thread.tid;
	cpu.count = 1;
	cpu.idle_parked = false;
	lkl_ops->mutex_unlock(cpu.lock);
}

void lkl_cpu_idle_wake(void)
{
	idle_wake_locked();
	lkl_ops->sem_up(cpu.idle_sem);
}

/* lkl_cpu_idle_wake, then wait on `sem` (the calling host task's, which
 * the idle thread's schedule() ups when it switches to the task), as one
 * hand-off. */
void lkl_cpu_idle_wake_then_wait(struct lkl_sem *sem)
{
	idle_wake_locked();
	lkl_sem_up_down(cpu.idle_sem, sem);
}

int lkl_cpu_is_mine(void)
{
	int mine;

	if (!cpu.lock)
		return 0;
	lkl_ops->mutex_lock(cpu.lock);
	mine = owned_by_self(lkl_ops->thread_self());
	lkl_ops->mutex_unlock(cpu.lock);
	return mine;
}

void lkl_cpu_put(void)
{
	struct lkl_sem *sleeper;

	lkl_ops->mutex_lock(cpu.lock);
	if (!owned_by_self(lkl_ops->thread_self()))
		panic("lkl: CPU released by a thread that does not own it");
	if (cpu.count > 1) {
		cpu.count--;
		lkl_ops->mutex_unlock(cpu.lock);
		return;
	}
	lkl_ops->mutex_unlock(cpu.lock);

	for (;;) {
		if (irqs_disabled() == false && lkl_irqs_pending()) {
			lkl_run_irqs();
			continue;
		}
		if (is_idle_task(current)) {
			/* Someone woke a task while idle slept: let idle
			 * run the scheduler on its own thread. */
			if (need_resched()) {
				lkl_cpu_idle_wake();
				return;
			}
		} else if ((current->thread.flags & LKL_TF_HOST) &&
			   nr_running() > 1) {
			/* Kernel work became runnable while this host
			 * task ran; leave it parked and let it run. */
			if (lkl_park_current())
				return;
		}
		lkl_kick_signalled();
		lkl_ops->mutex_lock(cpu.lock);
		if (!irqs_disabled() && lkl_irqs_pending()) {
			lkl_ops->mutex_unlock(cpu.lock);
			continue;
		}
		sleeper = release_locked();
		lkl_ops->mutex_unlock(cpu.lock);
		if (sleeper)
			lkl_ops->sem_up(sleeper);
		return;
	}
}

/*
 * The idle task's halt: give the CPU away with interrupts logically
 * enabled, sleep until someone needs the scheduler, and return owning the
 * CPU with interrupts disabled, as do_idle expects.
 */
void lkl_cpu_idle(void)
{
	struct lkl_sem *sleeper;

	lkl_kick_signalled();
	lkl_ops->mutex_lock(cpu.lock);
	if (lkl_irqs_pending() || need_resched() || cpu.shutdown) {
		lkl_ops->mutex_unlock(cpu.lock);
		raw_local_irq_enable();
		raw_local_irq_disable();
		return;
	}
	cpu.idle_parked = true;
	/* Not raw_local_irq_enable: that would run interrupts under cpu.lock. */
	lkl_irq_flags = ARCH_IRQ_ENABLED;
	sleeper = release_locked();
	lkl_ops->mutex_unlock(cpu.lock);

	if (sleeper)
		lkl_sem_up_down(sleeper, cpu.idle_sem);
	else
		lkl_ops->sem_down(cpu.idle_sem);
	/* lkl_cpu_idle_wake made us the owner. */
	lkl_irq_flags = ARCH_IRQ_DISABLED;
}

void lkl_cpu_shutdown(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	cpu.shutdown = true;
	if (cpu.sleepers) {
		cpu.sleepers--;
		lkl_ops->sem_up(cpu.sleepers_sem);
	}
	lkl_ops->mutex_unlock(cpu.lock);
}

int lkl_cpu_is_shutdown(void)
{
	return cpu.shutdown;
}
