/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_STRING_H
#define _ASM_LKL_STRING_H

#include <linux/types.h>

/*
 * memset, memcpy and memmove by eight-byte words (arch/lkl/lib/string.c):
 * lib/string.c's portable ones go a byte at a time, which QEMU's TCG runs
 * as one pass of translated code per byte, and clear_page and copy_page
 * are these. The rest are lib/string.c's.
 */
#define __HAVE_ARCH_MEMSET
void *memset(void *s, int c, size_t n);
#define __HAVE_ARCH_MEMCPY
void *memcpy(void *dest, const void *src, size_t n);
#define __HAVE_ARCH_MEMMOVE
void *memmove(void *dest, const void *src, size_t n);

#endif
