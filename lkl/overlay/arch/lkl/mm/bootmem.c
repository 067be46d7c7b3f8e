// SPDX-License-Identifier: GPL-2.0
/*
 * Linux's RAM: one block from the host's page allocator at boot, sized by
 * mem= (default CONFIG_LKL_MEMORY_DEFAULT_MB), handed to memblock and then
 * to the buddy allocator as a single ZONE_NORMAL.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>

unsigned long memory_start, memory_end;
void *empty_zero_page;
static unsigned long mem_size = (unsigned long)CONFIG_LKL_MEMORY_DEFAULT_MB << 20;

static int __init parse_mem(char *arg)
{
	if (arg)
		mem_size = PAGE_ALIGN(memparse(arg, NULL));
	return 0;
}
early_param("mem", parse_mem);

void __init lkl_bootmem_init(void)
{
	unsigned long max_zone_pfn[MAX_NR_ZONES] = { 0 };
	void *ram = lkl_ops->page_alloc(mem_size);

	if (!ram)
		panic("lkl: host has no %lu bytes for RAM", mem_size);
	memory_start = PAGE_ALIGN((unsigned long)ram);
	memory_end = memory_start + mem_size;

	min_low_pfn = PFN_UP(__pa(memory_start));
	max_low_pfn = PFN_DOWN(__pa(memory_end));
	max_pfn = max_low_pfn;
	max_mapnr = max_pfn - min_low_pfn;
	high_memory = (void *)memory_end;

	memblock_add(__pa(memory_start), mem_size);
	empty_zero_page = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!empty_zero_page)
		panic("lkl: no zero page");

	max_zone_pfn[ZONE_NORMAL] = max_low_pfn;
	free_area_init(max_zone_pfn);
}

void __init mem_init(void)
{
	memblock_free_all();
}

void free_initmem(void)
{
	/* Init code lives in the host's image, not in Linux's RAM. */
}
