/* SPDX-License-Identifier: GPL-2.0 */
/* x86_64's kernel types: the layouts the syscall ABI shows. */
#include <uapi/asm/posix_types_64.h>
