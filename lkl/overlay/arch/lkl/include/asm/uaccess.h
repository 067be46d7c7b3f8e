/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_UACCESS_H
#define _ASM_LKL_UACCESS_H

#include <asm/host_ops.h>

/*
 * User memory belongs to the host (hosted: the process; on the microkernel:
 * another component), so every access is a host copy that reports the
 * bytes it could not copy: a bad pointer becomes -EFAULT.
 */
static inline __must_check unsigned long
raw_copy_from_user(void *to, const void __user *from, unsigned long n)
{
	return lkl_ops->copy_from_user(to, (const void __force *)from, n);
}

static inline __must_check unsigned long
raw_copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return lkl_ops->copy_to_user((void __force *)to, from, n);
}
#define INLINE_COPY_FROM_USER
#define INLINE_COPY_TO_USER

static inline __must_check unsigned long
__clear_user(void __user *to, unsigned long n)
{
	static const char zeros[256];
	unsigned long done = 0;

	while (done < n) {
		unsigned long chunk = min_t(unsigned long, n - done, sizeof(zeros));
		unsigned long left = raw_copy_to_user(to + done, zeros, chunk);

		if (left)
			return n - done - chunk + left;
		done += chunk;
	}
	return 0;
}
#define __clear_user __clear_user

#define __get_kernel_nofault(dst, src, type, err_label)			\
do {									\
	*((type *)dst) = get_unaligned((type *)(src));			\
	if (0)								\
		goto err_label;						\
} while (0)

#define __put_kernel_nofault(dst, src, type, err_label)			\
do {									\
	put_unaligned(*((type *)src), (type *)(dst));			\
	if (0)								\
		goto err_label;						\
} while (0)

#include <asm-generic/access_ok.h>
#include <linux/unaligned.h>
#include <asm-generic/uaccess.h>

#endif
