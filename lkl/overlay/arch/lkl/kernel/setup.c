// SPDX-License-Identifier: GPL-2.0
/*
 * Boot: lkl_init and lkl_start_kernel.
 *
 * start_kernel() runs on a host thread of its own, which becomes the idle
 * task. kernel_init "execs" /init through a private binary format that
 * only installs a fresh mm, so pid 1 ends up a process without code of its
 * own: the parent of the tasks host threads get (see tasks.c).
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/start_kernel.h>
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/reboot.h>
#include <linux/syscalls.h>
#include <linux/panic_notifier.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/setup.h>

const struct lkl_host_ops *lkl_ops;
unsigned long lkl_phys_offset;

int lkl_init(const struct lkl_host_ops *ops)
{
	if (!ops || !ops->panic || !ops->sem_alloc || !ops->sem_free ||
	    !ops->sem_up || !ops->sem_down || !ops->mutex_alloc ||
	    !ops->mutex_free || !ops->mutex_lock || !ops->mutex_unlock ||
	    !ops->thread_create || !ops->thread_exit || !ops->thread_self ||
	    !ops->thread_equal || !ops->tls_alloc || !ops->tls_set ||
	    !ops->tls_get || !ops->mem_alloc || !ops->mem_free ||
	    !ops->page_alloc || !ops->time || !ops->timer_alloc ||
	    !ops->timer_set_oneshot || !ops->timer_free ||
	    !ops->jmp_buf_set || !ops->jmp_buf_longjmp ||
	    !ops->copy_from_user || !ops->copy_to_user)
		return -EINVAL;
	lkl_ops = ops;
	lkl_phys_offset = ops->phys_offset;
	return 0;
}

void lkl_cleanup(void)
{
}

/* __ref: init code and data stay in the host image; nothing frees them. */
static void __ref boot_thread(void *arg)
{
	lkl_threads_init();
	lkl_cpu_get();
	start_kernel();
}

int __ref lkl_start_kernel(const char *cmdline)
{
	static bool started;
	int ret;

	if (!lkl_ops)
		return -EINVAL;
	if (started)
		return -EBUSY;
	started = true;

	strscpy(boot_command_line, cmdline ? cmdline : "", COMMAND_LINE_SIZE);
	if (lkl_ops->virtio_devices) {
		strlcat(boot_command_line, " ", COMMAND_LINE_SIZE);
		strlcat(boot_command_line, lkl_ops->virtio_devices,
			COMMAND_LINE_SIZE);
	}

	ret = lkl_cpu_init();
	if (!ret)
		ret = lkl_tasks_init();
	if (ret)
		return ret;
	if (!lkl_ops->thread_create(boot_thread, NULL))
		return -ENOMEM;
	lkl_wait_boot();
	return 0;
}

void __init setup_arch(char **cmdline_p)
{
	*cmdline_p = boot_command_line;
	parse_early_param();
	lkl_bootmem_init();
}

static int lkl_panic_notify(struct notifier_block *nb, unsigned long ev,
			    void *buf)
{
	lkl_ops->panic();
	return NOTIFY_DONE;
}

static struct notifier_block lkl_panic_nb = {
	.notifier_call = lkl_panic_notify,
	.priority = INT_MIN,
};

static int __init lkl_panic_init(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &lkl_panic_nb);
	return 0;
}
early_initcall(lkl_panic_init);

/* ---- /init: an "executable" that only gives pid 1 its own mm ---- */

static const char lkl_init_magic[] = "\x7f" "cellux-lkl-init\n";

static int lkl_load_init(struct linux_binprm *bprm)
{
	static bool done;
	int ret;

	/* kernel_init's exec only: a process exec'ing /init (say, through
	 * /proc/self/exe of a process pid 1 made) gets ENOEXEC, as for any
	 * file no format knows, rather than an image nobody builds. */
	if (done || memcmp(bprm->buf, lkl_init_magic, sizeof(lkl_init_magic) - 1))
		return -ENOEXEC;
	ret = begin_new_exec(bprm);
	if (ret)
		return ret;
	done = true;
	setup_new_exec(bprm);
	return 0;
}

static struct linux_binfmt lkl_init_format = {
	.module = THIS_MODULE,
	.load_binary = lkl_load_init,
};

static int __init lkl_make_init(void)
{
	struct file *f;
	loff_t pos = 0;

	register_binfmt(&lkl_init_format);
	f = filp_open("/init", O_CREAT | O_WRONLY | O_TRUNC, 0700);
	if (IS_ERR(f))
		return PTR_ERR(f);
	kernel_write(f, lkl_init_magic, sizeof(lkl_init_magic) - 1, &pos);
	fput(f);
	/* pid 1 is no kernel thread: fput deferred to task work, and an exec
	 * of a file still open for writing would fail with ETXTBSY. */
	task_work_run();
	return 0;
}
late_initcall(lkl_make_init);

void machine_halt(void)
{
}

void machine_power_off(void)
{
}

void machine_restart(char *cmd)
{
}

void (*pm_power_off)(void);
