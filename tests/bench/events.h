/*
 * What the benchmark binaries of scripts/bench (bench.c, netbench.c) share:
 * the event counts of a measurement (the host kernel's counters, when
 * /proc/cellux/counters exists, and getrusage) per iteration, and the
 * `raw NAME median=X p99=Y unit=U` line of its samples.
 */
#ifndef BENCH_EVENTS_H
#define BENCH_EVENTS_H
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

/* Iterations of the measurement running now, warm-up included: what the
 * event counts are divided by. Each bench_* sets it. */
static long iterations;

#define COUNTERS_PATH "/proc/cellux/counters"
#define MAX_COUNTERS 64

/* One reading of the host's counters (n = -1: no such file). */
struct counters {
	int n;
	char name[MAX_COUNTERS][40];
	unsigned long long value[MAX_COUNTERS];
};

/* Reads COUNTERS_PATH with bare open/read/close (no stdio buffers, so
 * the reading itself costs the same few syscalls every time). */
static void read_counters(struct counters *c)
{
	static char text[8192];
	size_t len = 0;
	ssize_t r;
	int fd = open(COUNTERS_PATH, O_RDONLY);
	c->n = -1;
	if (fd < 0)
		return;
	while (len < sizeof(text) - 1 && (r = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	text[len] = 0;
	c->n = 0;
	for (char *line = strtok(text, "\n"); line && c->n < MAX_COUNTERS; line = strtok(NULL, "\n"))
		if (sscanf(line, "%39s %llu", c->name[c->n], &c->value[c->n]) == 2)
			c->n++;
}

struct events {
	struct counters k;
	struct rusage self, children;
};

static void read_events(struct events *e)
{
	read_counters(&e->k);
	getrusage(RUSAGE_SELF, &e->self);
	getrusage(RUSAGE_CHILDREN, &e->children);
}

static double per_iteration(double delta)
{
	return iterations > 0 ? delta / (double)iterations : 0;
}

/* The two lines of what happened between `a` and `b`, per iteration. */
static void report_events(const char *name, const struct events *a, const struct events *b)
{
	if (a->k.n > 0 && b->k.n == a->k.n) {
		printf("raw %s-counts", name);
		for (int i = 0; i < a->k.n; i++)
			printf(" %s=%.2f", a->k.name[i], per_iteration((double)(b->k.value[i] - a->k.value[i])));
		printf("\n");
	}
#define RU_DELTA(f) ((double)(b->self.f - a->self.f) + (double)(b->children.f - a->children.f))
	double minflt = RU_DELTA(ru_minflt), nvcsw = RU_DELTA(ru_nvcsw), nivcsw = RU_DELTA(ru_nivcsw);
#undef RU_DELTA
	printf("raw %s-rusage minflt=%.2f nvcsw=%.2f nivcsw=%.2f csw=%.2f\n", name, per_iteration(minflt),
	       per_iteration(nvcsw), per_iteration(nivcsw), per_iteration(nvcsw + nivcsw));
	fflush(stdout);
}

/* lfence keeps rdtsc from being hoisted above the work it brackets. */
static inline uint64_t cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *samples, size_t n, const char *unit, int decimals)
{
	qsort(samples, n, sizeof(*samples), cmp_double);
	printf("raw %s median=%.*f p99=%.*f unit=%s\n", name, decimals, samples[n / 2],
	       decimals, samples[(n * 99) / 100], unit);
	fflush(stdout);
}
#endif
