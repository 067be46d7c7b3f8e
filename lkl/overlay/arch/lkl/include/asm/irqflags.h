/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IRQFLAGS_H
#define _ASM_LKL_IRQFLAGS_H

/*
 * The interrupt flag is a word of the single CPU; re-enabling runs the
 * interrupts host threads raised meanwhile (kernel/irq.c).
 */
#define ARCH_IRQ_ENABLED	1UL
#define ARCH_IRQ_DISABLED	0UL

extern unsigned long lkl_irq_flags;

/* Inline: it is read on every release of the CPU (kernel/cpu.c). */
static inline unsigned long arch_local_save_flags(void)
{
	return lkl_irq_flags;
}

void arch_local_irq_restore(unsigned long flags);

#define arch_local_save_flags arch_local_save_flags
#define arch_local_irq_restore arch_local_irq_restore

#include <asm-generic/irqflags.h>

#endif
