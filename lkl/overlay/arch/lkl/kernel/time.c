// SPDX-License-Identifier: GPL-2.0
/*
 * Time from the host: a nanosecond clocksource on its monotonic clock, and
 * a one-shot clockevent on its one-shot timers, whose expiry raises the
 * timer interrupt from the host's timer thread.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/clocksource.h>
#include <linux/clockchips.h>
#include <linux/sched_clock.h>
#include <linux/sched/clock.h>
#include <linux/delay.h>
#include <linux/timex.h>
#include <asm/host_ops.h>

static unsigned long long boot_ns;
static struct lkl_timer *timer;
static int timer_irq;

unsigned long long sched_clock(void)
{
	if (!lkl_ops)
		return 0;
	return lkl_ops->time() - boot_ns;
}

static u64 clock_read(struct clocksource *cs)
{
	return lkl_ops->time();
}

static struct clocksource clocksource = {
	.name	= "lkl",
	.rating	= 499,
	.read	= clock_read,
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS,
	.mask	= CLOCKSOURCE_MASK(64),
};

static void timer_expired(void)
{
	lkl_trigger_irq(timer_irq);
}

static int clockevent_next(unsigned long ns, struct clock_event_device *evt)
{
	return lkl_ops->timer_set_oneshot(timer, ns);
}

static int clockevent_shutdown(struct clock_event_device *evt)
{
	lkl_ops->timer_set_oneshot(timer, 0);
	return 0;
}

static struct clock_event_device clockevent = {
	.name			= "lkl",
	.features		= CLOCK_EVT_FEAT_ONESHOT,
	.set_next_event		= clockevent_next,
	.set_state_shutdown	= clockevent_shutdown,
	.set_state_oneshot_stopped = clockevent_shutdown,
	.rating			= 499,
};

static irqreturn_t timer_interrupt(int irq, void *dev)
{
	struct clock_event_device *evt = dev;

	evt->event_handler(evt);
	return IRQ_HANDLED;
}

void __init time_init(void)
{
	int ret;

	boot_ns = lkl_ops->time();
	timer_irq = lkl_get_free_irq("timer");
	timer = lkl_ops->timer_alloc(timer_expired);
	if (timer_irq < 0 || !timer)
		panic("lkl: no timer");
	ret = request_irq(timer_irq, timer_interrupt, IRQF_TIMER, "timer",
			  &clockevent);
	if (ret)
		panic("lkl: timer irq: %d", ret);

	clocksource_register_hz(&clocksource, NSEC_PER_SEC);
	clockevent.cpumask = cpumask_of(0);
	clockevents_config_and_register(&clockevent, NSEC_PER_SEC, 1,
					ULONG_MAX);
}

void read_persistent_clock64(struct timespec64 *ts)
{
	/* The host gives monotonic time only; wall time starts at the epoch
	 * until someone sets it. */
	ts->tv_sec = 0;
	ts->tv_nsec = 0;
}

void calibrate_delay(void)
{
}

void __ndelay(unsigned long ns)
{
	unsigned long long end = lkl_ops->time() + ns;

	while (lkl_ops->time() < end)
		;
}

void __udelay(unsigned long us)
{
	__ndelay(us * NSEC_PER_USEC);
}

void __const_udelay(unsigned long xloops)
{
	/* xloops = us * 2^32 / 10^6 * HZ-scaled, as asm-generic/delay.h
	 * computes it: undo the scaling. */
	__udelay(xloops / 0x10c7ul);
}

void __delay(unsigned long loops)
{
	__ndelay(loops);
}
