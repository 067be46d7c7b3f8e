/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IRQ_H
#define _ASM_LKL_IRQ_H

/* Handed out to device host sides by lkl_get_free_irq; 0 is never used. */
#define NR_IRQS		64

#include <asm-generic/irq.h>

#endif
