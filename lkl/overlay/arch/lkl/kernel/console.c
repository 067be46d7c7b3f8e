// SPDX-License-Identifier: GPL-2.0
/*
 * The console: printk goes to the host's print operation (a log the host
 * may keep apart from program output), and /dev/console is ttyS0, a tty
 * whose bytes go to the host's console_write and whose input the host
 * pushes with lkl_console_input.
 *
 * Why a tty driver of our own rather than Linux's 8250: a library has no
 * port I/O of its own, so every UART register access would be a host call
 * (on cellux, a kernel call each), the 8250 driver would need the ISA
 * interrupt plumbing and probing this port lacks, and the hosted build has
 * no UART at all. Keeping the UART in the host leaves Linux exactly what
 * matters for a terminal: n_tty, termios, job control and signals from the
 * keyboard, all of which are the tty layer's and not the UART driver's.
 *
 * Input crosses from host threads (which are not Linux context) through a
 * ring, handed to the tty layer by an interrupt, which runs with Linux's
 * CPU held.
 */
#include <linux/kernel.h>
#include <linux/console.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <asm/host_ops.h>

static struct tty_driver *lkl_tty_driver;

static struct tty_driver *lkl_console_device(struct console *con, int *index)
{
	*index = 0;
	return lkl_tty_driver;
}

static void console_write(struct console *con, const char *str, unsigned len)
{
	if (lkl_ops->print)
		lkl_ops->print(str, len);
}

/*
 * Not CON_CONSDEV-style output to the tty: printk stays on print so that
 * kernel messages never interleave with what programs write to the tty.
 */
static struct console lkl_console = {
	.name	= "lkl",
	.write	= console_write,
	.device	= lkl_console_device,
	.flags	= CON_PRINTBUFFER | CON_ENABLED,
	.index	= -1,
};

static int __init lkl_console_init(void)
{
	register_console(&lkl_console);
	return 0;
}
console_initcall(lkl_console_init);

/* ---- ttyS0 ---- */

#define IN_SIZE 4096	/* a power of two: head and tail run freely */

static struct tty_port lkl_tty_port;
static u8 in_ring[IN_SIZE];
/* head: advanced by producers (host threads) under in_lock; tail: by the
 * interrupt handler only. */
static unsigned int in_head, in_tail;
static int in_lock;
static int in_irq;

static int lkl_tty_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(&lkl_tty_port, tty, filp);
}

static void lkl_tty_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(&lkl_tty_port, tty, filp);
}

static void lkl_tty_hangup(struct tty_struct *tty)
{
	tty_port_hangup(&lkl_tty_port);
}

static ssize_t lkl_tty_write(struct tty_struct *tty, const u8 *buf,
			     size_t count)
{
	/* The host writes synchronously: nothing is ever buffered here. */
	if (lkl_ops->console_write && count)
		lkl_ops->console_write((const char *)buf, count);
	return count;
}

static unsigned int lkl_tty_write_room(struct tty_struct *tty)
{
	return PAGE_SIZE;
}

static const struct tty_operations lkl_tty_ops = {
	.open		= lkl_tty_open,
	.close		= lkl_tty_close,
	.hangup		= lkl_tty_hangup,
	.write		= lkl_tty_write,
	.write_room	= lkl_tty_write_room,
};

/* No modem lines: carrier is always up (tty_port's default). */
static const struct tty_port_operations lkl_tty_port_ops;

static irqreturn_t lkl_tty_irq(int irq, void *dev)
{
	unsigned int head = __atomic_load_n(&in_head, __ATOMIC_ACQUIRE);
	unsigned int tail = in_tail;

	while (tail != head) {
		unsigned int off = tail & (IN_SIZE - 1);
		unsigned int n = min(head - tail, IN_SIZE - off);
		unsigned int done;

		done = tty_insert_flip_string(&lkl_tty_port, in_ring + off, n);
		tail += done;
		/* The flip buffers are full: the rest waits for more input. */
		if (done < n)
			break;
	}
	__atomic_store_n(&in_tail, tail, __ATOMIC_RELEASE);
	tty_flip_buffer_push(&lkl_tty_port);
	return IRQ_HANDLED;
}

int lkl_console_input(const char *buf, int len)
{
	unsigned int head, tail, n, i;
	int irq = __atomic_load_n(&in_irq, __ATOMIC_ACQUIRE);

	if (irq <= 0)
		return -ENODEV;
	if (len < 0 || (len && !buf))
		return -EINVAL;
	/* Host threads: Linux's spinlocks are nothing on this !SMP kernel. */
	while (__atomic_exchange_n(&in_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	head = in_head;
	tail = __atomic_load_n(&in_tail, __ATOMIC_ACQUIRE);
	n = min_t(unsigned int, len, IN_SIZE - (head - tail));
	for (i = 0; i < n; i++)
		in_ring[(head + i) & (IN_SIZE - 1)] = buf[i];
	__atomic_store_n(&in_head, head + n, __ATOMIC_RELEASE);
	__atomic_store_n(&in_lock, 0, __ATOMIC_RELEASE);
	if (n)
		lkl_trigger_irq(irq);
	return n;
}

static int __init lkl_tty_init(void)
{
	struct tty_driver *drv;
	int irq, ret;

	drv = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	tty_port_init(&lkl_tty_port);
	lkl_tty_port.ops = &lkl_tty_port_ops;

	drv->driver_name = "lkl-console";
	drv->name = "ttyS";
	drv->major = TTY_MAJOR;
	drv->minor_start = 64;
	drv->type = TTY_DRIVER_TYPE_SERIAL;
	drv->subtype = SERIAL_TYPE_NORMAL;
	drv->init_termios = tty_std_termios;
	/* A console has no modem control: never wait for or drop carrier. */
	drv->init_termios.c_cflag = B115200 | CS8 | CREAD | CLOCAL;
	drv->init_termios.c_ispeed = 115200;
	drv->init_termios.c_ospeed = 115200;
	tty_set_operations(drv, &lkl_tty_ops);
	tty_port_link_device(&lkl_tty_port, drv, 0);

	ret = tty_register_driver(drv);
	if (ret)
		goto fail;

	irq = lkl_get_free_irq("console");
	if (irq < 0) {
		ret = irq;
		goto fail_unregister;
	}
	ret = request_irq(irq, lkl_tty_irq, 0, "ttyS0", NULL);
	if (ret) {
		lkl_put_irq(irq, "console");
		goto fail_unregister;
	}
	lkl_tty_driver = drv;
	__atomic_store_n(&in_irq, irq, __ATOMIC_RELEASE);
	return 0;

fail_unregister:
	tty_unregister_driver(drv);
fail:
	tty_driver_kref_put(drv);
	tty_port_destroy(&lkl_tty_port);
	pr_err("lkl: no console tty: %d\n", ret);
	return ret;
}
/* Before kernel_init opens /dev/console (console_on_rootfs). */
device_initcall(lkl_tty_init);
