// SPDX-License-Identifier: GPL-2.0
/*
 * The memory functions by eight-byte words (asm/string.h says why). x86
 * takes unaligned words, so only the tail goes a byte at a time. Built
 * -ffreestanding (Makefile), so the compiler does not turn these loops
 * back into calls to themselves.
 */
#include <linux/export.h>
#include <linux/string.h>

typedef u64 __attribute__((__may_alias__, __aligned__(1))) word_u;

void *memset(void *s, int c, size_t n)
{
	u64 w = 0x0101010101010101ULL * (u8)c;
	u8 *p = s;

	for (; n >= 8; n -= 8, p += 8)
		*(word_u *)p = w;
	while (n--)
		*p++ = c;
	return s;
}
EXPORT_SYMBOL(memset);

/* Forward, a word at a time: for memmove, right when dest is below src. */
static void copy_up(u8 *d, const u8 *s, size_t n)
{
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(word_u *)d = *(const word_u *)s;
	while (n--)
		*d++ = *s++;
}

void *memcpy(void *dest, const void *src, size_t n)
{
	copy_up(dest, src, n);
	return dest;
}
EXPORT_SYMBOL(memcpy);

void *memmove(void *dest, const void *src, size_t n)
{
	u8 *d = dest;
	const u8 *s = src;

	if (d <= s || d >= s + n) {
		copy_up(d, s, n);
		return dest;
	}
	/* Overlapping with dest above src: from the end down. */
	d += n;
	s += n;
	for (; n >= 8; n -= 8) {
		d -= 8;
		s -= 8;
		*(word_u *)d = *(const word_u *)s;
	}
	while (n--)
		*--d = *--s;
	return dest;
}
EXPORT_SYMBOL(memmove);
