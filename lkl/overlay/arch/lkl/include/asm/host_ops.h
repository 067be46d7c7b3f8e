/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_HOST_OPS_H
#define _ASM_LKL_HOST_OPS_H

/* The host contract, shared with the host implementations. */
#include <cellux/lkl_host.h>

extern const struct lkl_host_ops *lkl_ops;

/* A hand-off between host threads: wake the one waiting on `up`, wait on
 * `down`; in one host call when the host has it. */
static inline void lkl_sem_up_down(struct lkl_sem *up, struct lkl_sem *down)
{
	if (lkl_ops->sem_up_down) {
		lkl_ops->sem_up_down(up, down);
		return;
	}
	lkl_ops->sem_up(up);
	lkl_ops->sem_down(down);
}

#endif
