/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_MMU_H
#define _ASM_LKL_MMU_H

/*
 * No MMU: as asm-generic/mmu.h, plus the host's name for the address
 * space an mm stands for (the process's memory is the host's, not
 * Linux's; arch/lkl/mm/remote.c). 0: none (kernel threads, the host's
 * own tasks).
 */
typedef struct {
	unsigned long end_brk;
	unsigned long host;
} mm_context_t;

#endif
