// SPDX-License-Identifier: GPL-2.0
/*
 * Process memory from Linux's page allocator: the host backs its
 * processes' anonymous and private pages with pages of Linux's RAM (host
 * memory of user type, which it maps into a process by physical address),
 * so processes, the page cache and Linux's own allocations share one pool.
 * MemFree and MemAvailable count what processes hold, the page cache is
 * reclaimed when processes need the room, and when nothing is left the
 * allocation runs Linux's OOM killer, which chooses its victim by the rss
 * the host reports for each process (lkl_mm_counter).
 *
 * A page stays the host's until it gives it back with lkl_user_pages_free,
 * once no process maps it any more. It counts as an anonymous mapped page
 * (AnonPages in /proc/meminfo) meanwhile.
 */
#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmstat.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <asm/cpu.h>
#include <asm/host_ops.h>

static void count(struct page *page, long n)
{
	mod_node_page_state(page_pgdat(page), NR_ANON_MAPPED, n);
}

long lkl_user_pages_alloc(unsigned long *phys, unsigned long n)
{
	/* The first page as a process's page fault asks for one: reclaim,
	 * then the OOM killer. The rest only if they come without either:
	 * they are a stock for the next faults, not a need. */
	gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO;
	int entered = lkl_enter_nested();
	unsigned long got = 0;

	if (entered < 0)
		return entered;
	/* A process being killed (the OOM killer's victim among them) is
	 * given nothing more: its fault ends it, and the memory reserves
	 * stay for the exits that free memory. */
	if (fatal_signal_pending(current)) {
		lkl_leave_nested(entered);
		return -ENOMEM;
	}
	/* Inside Linux where it may not sleep (a futex op's fault). */
	if (entered && pagefault_disabled())
		gfp = GFP_NOWAIT | __GFP_ZERO | __GFP_NOWARN;
	while (got < n) {
		struct page *page = alloc_page(gfp);

		if (!page)
			break;
		count(page, 1);
		phys[got++] = page_to_phys(page);
		gfp = (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NORETRY | __GFP_NOWARN;
	}
	lkl_leave_nested(entered);
	return got ? (long)got : -ENOMEM;
}

long lkl_user_pages_free(const unsigned long *phys, unsigned long n)
{
	int entered = lkl_enter_nested();
	long refused = 0;
	unsigned long i;

	if (entered < 0)
		return entered;
	for (i = 0; i < n; i++) {
		struct page *page;

		if (phys[i] < __pa(memory_start) || phys[i] >= __pa(memory_end) ||
		    phys[i] & ~PAGE_MASK) {
			refused++;
			continue;
		}
		page = pfn_to_page(phys[i] >> PAGE_SHIFT);
		/* Only a page of ours: one reference, in no page cache. */
		if (page_count(page) != 1 || page->mapping) {
			refused++;
			continue;
		}
		count(page, -1);
		__free_page(page);
	}
	lkl_leave_nested(entered);
	return refused ? -EINVAL : 0;
}

unsigned long lkl_user_pages_total(void)
{
	return totalram_pages() + total_swap_pages;
}
