/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* x86_64's layout: the library speaks the x86_64 syscall ABI. */
#include "../../../../x86/include/uapi/asm/byteorder.h"
