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

struct mm_struct;
/* fork's copy of the VMAs the host keeps for a process (mm/vmas.c;
 * kernel/fork.c's no-MMU dup_mmap calls it, a patch). */
int lkl_dup_vmas(struct mm_struct *mm, struct mm_struct *oldmm);
/* The host's pages of an address space go back at its teardown
 * (mm/vmas.c; mm/nommu.c's exit_mmap calls it, a patch). */
void lkl_exit_mmap(struct mm_struct *mm);
/* arch/lkl/mm/vmas.c, for mlock.c */
int lkl_vmas_cover(struct mm_struct *mm, unsigned long start,
		    unsigned long end);
int lkl_vmas_set_lock(struct mm_struct *mm, unsigned long start,
		      unsigned long end, unsigned long lock);

#endif
