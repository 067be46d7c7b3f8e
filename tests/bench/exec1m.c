/*
 * exec-static's image (tests/bench/bench.c): a static binary of about
 * 1 MiB (a table in its read-only data brings it there) that execs itself
 * again.
 *   exec1m N T0   with N > 0: execs itself with N-1 and the same T0;
 *                 with N = 0: prints the microseconds since T0 (a
 *                 CLOCK_MONOTONIC reading in ns, taken before the first
 *                 execve), then exits
 * so a chain of N execs is timed from inside, with no fork or wait in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Brings the file to about 1 MiB with the C library (static glibc is
 * some 800 KiB); not all zero, so it lies in the file, not in the bss. */
#define WEIGHT (256 << 10)
static const volatile unsigned char weight[WEIGHT] = { 1, 2, 3 };

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = strtol(argv[1], NULL, 10);
	if (n > 0) {
		char next[24];
		snprintf(next, sizeof next, "%ld", n - 1);
		char *args[] = { argv[0], next, argv[2], NULL };
		execv(argv[0], args);
		perror("exec1m: execv");
		return 1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = ts.tv_sec * 1e9 + ts.tv_nsec;
	printf("%.1f\n", (now - strtod(argv[2], NULL)) / 1e3 + weight[0] * 0);
	return 0;
}
