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
	/* Orders sleepers against releases and shutdown; never taken on the
	 * uncontended get and put. */
	struct lkl_mutex *lock;
	struct lkl_sem *sleepers_sem;
	struct lkl_sem *idle_sem;
	/* Taken from nobody (0) only by claim(); changed otherwise only by
	 * the owner, handing the CPU on. */
	lkl_thread_t owner;
	/* The owner's nesting depth; the owner's alone. */
	unsigned int count;
	/* Host threads waiting in lkl_cpu_get: changed under lock. */
	unsigned int sleepers;
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

static lkl_thread_t owner(void)
{
	return __atomic_load_n(&cpu.owner, __ATOMIC_SEQ_CST);
}

/* Takes the CPU if nobody owns it. */
static bool claim(lkl_thread_t self)
{
	lkl_thread_t nobody = 0;

	return __atomic_compare_exchange_n(&cpu.owner, &nobody, self, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/*
 * The owner frees the CPU. Returns the semaphore to up for a sleeper
 * (NULL: none), which the caller ups (the idle task in the same host call
 * as its own wait). A sleeper counts itself before its last claim
 * (lkl_cpu_get) and this clears the owner before it reads the count, both
 * sequentially consistent: either the sleeper's claim finds the CPU free
 * or this finds the sleeper. So the uncontended release takes no lock.
 */
static struct lkl_sem *release(void)
{
	struct lkl_sem *sleeper = NULL;

	cpu.count = 0;
	__atomic_store_n(&cpu.owner, 0, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&cpu.sleepers, __ATOMIC_SEQ_CST))
		return NULL;
	lkl_ops->mutex_lock(cpu.lock);
	if (cpu.sleepers) {
		__atomic_sub_fetch(&cpu.sleepers, 1, __ATOMIC_SEQ_CST);
		sleeper = cpu.sleepers_sem;
	}
	lkl_ops->mutex_unlock(cpu.lock);
	return sleeper;
}

/* Under cpu.lock, on shutdown: every sleeper must see it, one by one. */
static void pass_shutdown_on_locked(void)
{
	if (cpu.sleepers) {
		__atomic_sub_fetch(&cpu.sleepers, 1, __ATOMIC_SEQ_CST);
		lkl_ops->sem_up(cpu.sleepers_sem);
	}
}

int lkl_cpu_get(void)
{
	return lkl_cpu_get_as(lkl_ops->thread_self());
}

int lkl_cpu_get_as(lkl_thread_t self)
{
	if (!cpu.lock)
		return -ENODEV;	/* before lkl_start_kernel */
	if (owner() == self) {
		cpu.count++;
		return 0;
	}
	if (!READ_ONCE(cpu.shutdown) && claim(self)) {
		cpu.count = 1;
		return 0;
	}

	lkl_ops->mutex_lock(cpu.lock);
	for (;;) {
		if (cpu.shutdown) {
			pass_shutdown_on_locked();
			lkl_ops->mutex_unlock(cpu.lock);
			return -ENODEV;
		}
		__atomic_add_fetch(&cpu.sleepers, 1, __ATOMIC_SEQ_CST);
		if (claim(self)) {
			__atomic_sub_fetch(&cpu.sleepers, 1, __ATOMIC_SEQ_CST);
			break;
		}
		lkl_ops->mutex_unlock(cpu.lock);
		lkl_ops->sem_down(cpu.sleepers_sem);
		lkl_ops->mutex_lock(cpu.lock);
	}
	cpu.count = 1;
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
	if (!cpu.lock || READ_ONCE(cpu.shutdown))
		return 0;	/* before boot: stays pending for init_IRQ's users */
	if (!claim(lkl_ops->thread_self()))
		return 0;
	cpu.count = 1;
	return 1;
}

void lkl_cpu_change_owner(unsigned long tid)
{
	__atomic_store_n(&cpu.owner, tid, __ATOMIC_SEQ_CST);
}

/* By the owner: the CPU goes to the idle task's thread. */
static void idle_wake_locked(void)
{
	cpu.count = 1;
	lkl_cpu_change_owner(init_task.thread.tid);
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
	return cpu.lock && owner() == lkl_ops->thread_self();
}

void lkl_cpu_put(void)
{
	lkl_cpu_put_as(lkl_ops->thread_self());
}

void lkl_cpu_put_as(lkl_thread_t self)
{
	struct lkl_sem *sleeper;

	if (owner() != self)
		panic("lkl: CPU released by a thread that does not own it");
	if (cpu.count > 1) {
		cpu.count--;
		return;
	}

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
		sleeper = release();
		if (sleeper)
			lkl_ops->sem_up(sleeper);
		/* An interrupt raised while we held the CPU found it taken
		 * and left its bit for the owner: take the CPU back to run
		 * it, unless its raiser (or anyone) got it first. The raiser
		 * sets the bit before its claim, as this frees the CPU
		 * before it looks. */
		if (!irqs_disabled() && lkl_irqs_pending() && claim(self)) {
			cpu.count = 1;
			continue;
		}
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
	lkl_thread_t self = init_task.thread.tid;
	struct lkl_sem *sleeper;

	lkl_kick_signalled();
	if (lkl_irqs_pending() || need_resched() || READ_ONCE(cpu.shutdown)) {
		raw_local_irq_enable();
		raw_local_irq_disable();
		return;
	}
	/* Not raw_local_irq_enable: that would run interrupts as the CPU is
	 * let go of. */
	lkl_irq_flags = ARCH_IRQ_ENABLED;
	sleeper = release();
	if (lkl_irqs_pending() && claim(self)) {
		/* Raised as we let go (see lkl_cpu_put): run it first. */
		cpu.count = 1;
			lkl_irq_flags = ARCH_IRQ_DISABLED;
		if (sleeper)
			lkl_ops->sem_up(sleeper);
		raw_local_irq_enable();
		raw_local_irq_disable();
		return;
	}

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
	WRITE_ONCE(cpu.shutdown, true);
	pass_shutdown_on_locked();
	lkl_ops->mutex_unlock(cpu.lock);
}

int lkl_cpu_is_shutdown(void)
{
	return cpu.shutdown;
}
