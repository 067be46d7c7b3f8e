// SPDX-License-Identifier: GPL-2.0
/* The idle task's halt instruction: park and give the CPU away. */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <asm/cpu.h>

void arch_cpu_idle(void)
{
	lkl_cpu_idle();
}
