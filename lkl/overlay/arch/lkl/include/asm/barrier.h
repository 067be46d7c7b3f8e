/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_BARRIER_H
#define _ASM_LKL_BARRIER_H

/*
 * One CPU for Linux, but device host sides run on other host CPUs and
 * share rings with it (virtio's virt_mb() is __smp_mb() is mb()): a full
 * fence, not just a compiler barrier. x86 keeps loads and stores in order
 * among themselves, so rmb/wmb stay compiler barriers.
 */
#define mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()	barrier()
#define wmb()	barrier()

#include <asm-generic/barrier.h>

#endif
