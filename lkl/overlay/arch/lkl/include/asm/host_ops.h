/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_HOST_OPS_H
#define _ASM_LKL_HOST_OPS_H

/* The host contract, shared with the host implementations. */
#include <cellux/lkl_host.h>

extern const struct lkl_host_ops *lkl_ops;

#endif
