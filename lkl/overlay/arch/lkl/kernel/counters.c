// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cellux/counters: the host's event counters, for measuring where
 * the time of an operation goes (on cellux the microkernel's kernel calls,
 * Linux syscall traps, page faults, CR3 writes, thread switches...).
 * A program reads the file before and after an operation and subtracts.
 *
 * The lines, `name value` each, come from the host's kernel_counters op
 * verbatim: only the host knows what it counts, and the names are listed
 * once, beside the counters themselves (cellux_abi::counters). It is a
 * procfs file in the style of /proc/vmstat, not sysfs: a snapshot of many
 * values read at once, where sysfs wants one value per attribute (and a
 * reader would then take a dozen snapshots at different moments). Without
 * the op there is no file; a host without counters (the hosted one) makes
 * reads fail with its error (ENOSYS).
 */
#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/host_ops.h>

/* Room for every line: a dozen or so of under 64 bytes each. */
#define COUNTERS_TEXT_MAX PAGE_SIZE

static int counters_show(struct seq_file *m, void *v)
{
	char *buf = kmalloc(COUNTERS_TEXT_MAX, GFP_KERNEL);
	long n;

	if (!buf)
		return -ENOMEM;
	n = lkl_ops->kernel_counters(buf, COUNTERS_TEXT_MAX);
	/* Signed: PAGE_SIZE is unsigned, and an errno must stay negative. */
	if (n > (long)COUNTERS_TEXT_MAX)
		n = -EIO;
	if (n > 0)
		seq_write(m, buf, n);
	kfree(buf);
	return n < 0 ? n : 0;
}

static int __init lkl_counters_init(void)
{
	struct proc_dir_entry *dir;

	if (!lkl_ops->kernel_counters)
		return 0;
	dir = proc_mkdir("cellux", NULL);
	if (!dir || !proc_create_single("counters", 0444, dir, counters_show))
		return -ENOMEM;
	return 0;
}
fs_initcall(lkl_counters_init);
