/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_MMU_CONTEXT_H
#define _ASM_LKL_MMU_CONTEXT_H
/* No MMU: address spaces belong to the personality. */
#include <asm-generic/nommu_context.h>
#endif
