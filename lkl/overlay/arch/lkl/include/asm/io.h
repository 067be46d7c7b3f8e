/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IO_H
#define _ASM_LKL_IO_H

#include <linux/types.h>
#include <asm/host_ops.h>

/*
 * Device registers are not memory: every access goes to the host, which
 * emulates the device's register window (virtio-mmio's host side).
 */
#define LKL_IOMEM_READ(name, type)					\
static inline type name(const volatile void __iomem *addr)		\
{									\
	type v = 0;							\
	lkl_ops->iomem_access((const volatile void __force *)addr, &v,	\
			      sizeof(v), 0);				\
	return v;							\
}
#define LKL_IOMEM_WRITE(name, type)					\
static inline void name(type v, volatile void __iomem *addr)		\
{									\
	lkl_ops->iomem_access((const volatile void __force *)addr, &v,	\
			      sizeof(v), 1);				\
}

LKL_IOMEM_READ(__raw_readb, u8)
LKL_IOMEM_READ(__raw_readw, u16)
LKL_IOMEM_READ(__raw_readl, u32)
LKL_IOMEM_READ(__raw_readq, u64)
LKL_IOMEM_WRITE(__raw_writeb, u8)
LKL_IOMEM_WRITE(__raw_writew, u16)
LKL_IOMEM_WRITE(__raw_writel, u32)
LKL_IOMEM_WRITE(__raw_writeq, u64)

#define __raw_readb __raw_readb
#define __raw_readw __raw_readw
#define __raw_readl __raw_readl
#define __raw_readq __raw_readq
#define __raw_writeb __raw_writeb
#define __raw_writew __raw_writew
#define __raw_writel __raw_writel
#define __raw_writeq __raw_writeq

static inline void __iomem *ioremap(phys_addr_t addr, size_t size)
{
	return (void __iomem *)lkl_ops->ioremap(addr, size);
}
#define ioremap ioremap

static inline void iounmap(volatile void __iomem *addr) { }
#define iounmap iounmap

#include <asm-generic/io.h>

#endif
