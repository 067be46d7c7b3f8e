/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_STRING_H
#define _ASM_LKL_STRING_H
/* lib/string.c's portable versions; the compiler inlines the small ones. */
#endif
