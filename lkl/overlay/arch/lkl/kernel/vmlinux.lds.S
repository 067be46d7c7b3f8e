/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Laid out for a relocatable link (-r): the sections only need to exist
 * and carry the symbols generic code looks for; the host's final link
 * places them.
 */
#include <asm-generic/vmlinux.lds.h>
#include <asm/thread_info.h>
#include <asm/page.h>
#include <asm/cache.h>

OUTPUT_FORMAT("elf64-x86-64")

/* The 64-bit counter read as the long jiffies. */
jiffies = jiffies_64;

SECTIONS
{
	_text = .;
	_stext = .;
	.text : {
		TEXT_TEXT
		SCHED_TEXT
		LOCK_TEXT
		ENTRY_TEXT
		IRQENTRY_TEXT
		SOFTIRQENTRY_TEXT
		*(.fixup)
	}
	_etext = .;

	_sdata = .;
	RO_DATA(PAGE_SIZE)
	EXCEPTION_TABLE(16)
	RW_DATA(L1_CACHE_BYTES, PAGE_SIZE, THREAD_SIZE)
	_edata = .;

	__init_begin = .;
	INIT_TEXT_SECTION(PAGE_SIZE)
	INIT_DATA_SECTION(16)
	PERCPU_SECTION(L1_CACHE_BYTES)
	__init_end = .;

	BSS_SECTION(0, 0, 0)
	_end = .;

	STABS_DEBUG
	DWARF_DEBUG
	ELF_DETAILS

	DISCARDS
}
