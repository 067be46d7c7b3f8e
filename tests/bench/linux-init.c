/*
 * The Linux side of scripts/bench: runs as /init of an initramfs on Debian's
 * own kernel in the same QEMU configuration cellux runs in, measures what
 * cellux measures, prints "raw NAME median=X p99=Y unit=U" lines on the
 * console and powers off.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/reboot.h>
#include <sys/syscall.h>

#define ITERATIONS 20000

/* lfence keeps rdtsc from being hoisted above the work it brackets. */
static inline uint64_t cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *samples, size_t n)
{
	qsort(samples, n, sizeof(*samples), cmp_u64);
	printf("raw %s median=%llu p99=%llu unit=cycles\n", name,
	       (unsigned long long)samples[n / 2],
	       (unsigned long long)samples[(n * 99) / 100]);
	fflush(stdout);
}

/* The bare instruction, as cellux's syscall-trap measurement issues it: no
 * libc wrapper on either side of the comparison. */
static inline long raw_getppid(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid)
			 : "rcx", "r11", "memory");
	return ret;
}

static void bench_getppid(void)
{
	static uint64_t samples[ITERATIONS];
	for (int i = 0; i < 1000; i++)
		raw_getppid();
	for (int i = 0; i < ITERATIONS; i++) {
		uint64_t t0 = cycles();
		raw_getppid();
		samples[i] = cycles() - t0;
	}
	report("getppid", samples, ITERATIONS);
}

int main(void)
{
	bench_getppid();
	printf("bench-done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
