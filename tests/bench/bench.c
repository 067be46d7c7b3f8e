/*
 * The benchmark binary of scripts/bench: one static program, run unchanged
 * as a process on cellux (from the root image, through scripts/run --add)
 * and on Debian's Linux (from the same image, by tests/bench/linux-init.c),
 * so both sides execute the same instructions.
 *
 *   bench NAME...   for each NAME, in order, a line
 *                   raw NAME median=X p99=Y unit=U
 *   getppid          the bare syscall's round trip (cycles, 20,000 samples)
 *   enosys           the same for a number no kernel knows: the round trip
 *                    without the work, on cellux answered by the
 *                    personality before LKL: getppid - enosys is LKL's share
 *   file-write-read  4 MiB written, fsync'd and read back on ext4 (ms)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define GETPPID_ITERATIONS 20000
#define FILE_BYTES (4u << 20)
#define FILE_CHUNK (64u << 10)
#define FILE_ROUNDS 7
/* On the root disk, not a tmpfs: the figure is about ext4 through
 * virtio-blk on both sides. */
#define FILE_PATH "/root/bench-file"
#define EXT4_MAGIC 0xEF53

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

/* The bare instruction, as cellux's syscall-trap measurement issues it: no
 * libc wrapper (nor its vDSO or caching) on either side. */
static inline long raw_syscall(long nr)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

#define NO_SUCH_SYSCALL 1000
#define ENOSYS_RETURN (-38)

static int bench_round_trip(const char *name, long nr, int want_error)
{
	static double samples[GETPPID_ITERATIONS];
	long first = raw_syscall(nr);
	if (want_error ? first != ENOSYS_RETURN : first < 0) {
		fprintf(stderr, "bench: syscall %ld returned %ld\n", nr, first);
		return 1;
	}
	for (int i = 0; i < 1000; i++)
		raw_syscall(nr);
	for (int i = 0; i < GETPPID_ITERATIONS; i++) {
		uint64_t t0 = cycles();
		raw_syscall(nr);
		samples[i] = (double)(cycles() - t0);
	}
	report(name, samples, GETPPID_ITERATIONS, "cycles", 0);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(const char *what)
{
	perror(what);
	unlink(FILE_PATH);
	return 1;
}

/* One round: create, write 4 MiB, fsync, close, reopen, read it all back
 * and check it. The read comes from the page cache on both sides; the
 * fsync is what reaches the disk. */
static int file_round(char *buf, char *back, double *ms)
{
	double t0 = now_ms();
	int fd = open(FILE_PATH, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail("open for writing");
	for (unsigned off = 0; off < FILE_BYTES; off += FILE_CHUNK)
		if (write(fd, buf + off, FILE_CHUNK) != (ssize_t)FILE_CHUNK)
			return fail("write");
	if (fsync(fd) != 0)
		return fail("fsync");
	close(fd);
	fd = open(FILE_PATH, O_RDONLY);
	if (fd < 0)
		return fail("open for reading");
	for (unsigned off = 0; off < FILE_BYTES; off += FILE_CHUNK)
		if (read(fd, back + off, FILE_CHUNK) != (ssize_t)FILE_CHUNK)
			return fail("read");
	close(fd);
	*ms = now_ms() - t0;
	if (memcmp(buf, back, FILE_BYTES) != 0) {
		fprintf(stderr, "bench: the file read back differs from what was written\n");
		return 1;
	}
	return 0;
}

static int bench_file(void)
{
	struct statfs fs;
	if (statfs("/root", &fs) != 0)
		return fail("statfs /root");
	if (fs.f_type != EXT4_MAGIC) {
		fprintf(stderr, "bench: /root is not on ext4 (f_type %#lx)\n", (unsigned long)fs.f_type);
		return 1;
	}
	char *buf = malloc(FILE_BYTES), *back = malloc(FILE_BYTES);
	if (!buf || !back)
		return fail("malloc");
	for (unsigned i = 0; i < FILE_BYTES; i++)
		buf[i] = (char)(i * 2654435761u >> 24);
	double samples[FILE_ROUNDS];
	for (int r = 0; r < FILE_ROUNDS; r++)
		if (file_round(buf, back, &samples[r]) != 0)
			return 1;
	unlink(FILE_PATH);
	report("file-write-read", samples, FILE_ROUNDS, "ms", 1);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc;
		if (strcmp(argv[i], "getppid") == 0)
			rc = bench_round_trip("getppid", SYS_getppid, 0);
		else if (strcmp(argv[i], "enosys") == 0)
			rc = bench_round_trip("enosys", NO_SUCH_SYSCALL, 1);
		else if (strcmp(argv[i], "file-write-read") == 0)
			rc = bench_file();
		else
			rc = 2;
		if (rc != 0) {
			fprintf(stderr, "bench: %s failed (known: getppid, enosys, file-write-read)\n", argv[i]);
			return rc;
		}
	}
	return 0;
}
