// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts. Device host sides and the timer raise them from their own
 * host threads with lkl_trigger_irq: a bit in a pending mask, run at once
 * if the CPU is free and interrupts are on, otherwise by the owner when it
 * re-enables interrupts or leaves the CPU.
 */
#include <linux/kernel.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/hardirq.h>
#include <linux/sched.h>
#include <asm/irq_regs.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

unsigned long lkl_irq_flags = ARCH_IRQ_DISABLED;
/* One word (asm/irq.h's NR_IRQS), read inline by lkl_irqs_pending. */
unsigned long lkl_irq_pending;
static_assert(NR_IRQS <= BITS_PER_LONG);
static unsigned long allocated[BITS_TO_LONGS(NR_IRQS)];
static struct pt_regs irq_regs;

void arch_local_irq_restore(unsigned long flags)
{
	if (flags == ARCH_IRQ_ENABLED && lkl_irq_flags == ARCH_IRQ_DISABLED &&
	    !in_interrupt()) {
		lkl_irq_flags = flags;
		if (lkl_irqs_pending())
			lkl_run_irqs();
		return;
	}
	lkl_irq_flags = flags;
}

/* Owner only, interrupts enabled: the handlers run with them disabled. */
void lkl_run_irqs(void)
{
	struct pt_regs *old;
	int irq;

	if (in_interrupt())
		return;
	lkl_irq_flags = ARCH_IRQ_DISABLED;
	old = set_irq_regs(&irq_regs);
	for (irq = 1; irq < NR_IRQS; irq++) {
		if (!test_and_clear_bit(irq, &lkl_irq_pending))
			continue;
		irq_enter();
		generic_handle_irq(irq);
		irq_exit();
	}
	set_irq_regs(old);
	lkl_irq_flags = ARCH_IRQ_ENABLED;
}

void lkl_cpu_relax(void)
{
	if (!irqs_disabled() && lkl_irqs_pending())
		lkl_run_irqs();
	barrier();
}

int lkl_trigger_irq(int irq)
{
	if (irq <= 0 || irq >= NR_IRQS)
		return -EINVAL;
	set_bit(irq, &lkl_irq_pending);
	if (lkl_cpu_try_get_irq())
		lkl_cpu_put();
	return 0;
}

int lkl_get_free_irq(const char *user)
{
	int irq;

	for (irq = 1; irq < NR_IRQS; irq++)
		if (!test_and_set_bit(irq, allocated))
			return irq;
	return -EBUSY;
}

void lkl_put_irq(int irq, const char *user)
{
	if (irq > 0 && irq < NR_IRQS)
		clear_bit(irq, allocated);
}

void __init init_IRQ(void)
{
	int irq;

	for (irq = 1; irq < NR_IRQS; irq++)
		irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
}
