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
 *   file-write-read-48m  the same with 48 MiB, more than the 40 MiB Linux
 *                    had to itself before issue 12, in 64 KiB pieces (ms)
 *   mmap-file-read   a 16 MiB file on ext4 (in the page cache) mapped
 *                    MAP_PRIVATE read-only and read through, every byte,
 *                    then unmapped (ms)
 *   exec-static      one execve of a 1 MiB static binary (/opt/bench/
 *                    exec1m, a chain of execs of itself timed from inside:
 *                    no fork or wait in the figure) (us)
 *   fork-exec-wait   fork, execve(/bin/true) in the child, waitpid (us)
 *   fork-big-heap    with 16 MiB of the heap written, fork, a child that
 *                    writes one page of it and exits, waitpid (us): what a
 *                    fork costs by the memory it is made from
 *   pipe-roundtrip   1 byte to a child process over one pipe and 1 byte
 *                    back over another (us)
 *   shell-script     busybox sh running a script of 200 external commands
 *                    (ms, from fork to waitpid)
 *   thread-create-join  pthread_create of a thread that returns at once,
 *                    then pthread_join (us); a kernel without threads
 *                    gets the line `raw thread-create-join unsupported
 *                    errno=E`
 *
 * After each measurement, what one iteration of it cost in events (issues
 * 11 and 13: where the time goes), as totals over the whole measurement,
 * warm-up included, divided by its iterations:
 *   raw NAME-counts C=V ...   the host kernel's counters, when
 *                    /proc/cellux/counters exists (cellux: kernel calls,
 *                    syscall traps, page faults, CR3 writes, thread
 *                    switches...; they count the whole system, which
 *                    runs nothing else meanwhile)
 *   raw NAME-rusage minflt=V nvcsw=V nivcsw=V csw=V   getrusage of this
 *                    process plus its waited-for children: Linux's own
 *                    view of page faults and context switches, on both
 *                    sides
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define GETPPID_ITERATIONS 20000
#define FILE_BYTES (4u << 20)
#define FILE_CHUNK (64u << 10)
#define FILE_ROUNDS 7
/* On the root disk, not a tmpfs: the figure is about ext4 through
 * virtio-blk on both sides. */
#define FILE_PATH "/root/bench-file"
#define EXT4_MAGIC 0xEF53
#define FORK_EXEC_ITERATIONS 100
#define BIG_HEAP (16u << 20)
#define BIG_HEAP_ITERATIONS 20
#define PIPE_ITERATIONS 2000
#define SCRIPT_ROUNDS 3
#define SCRIPT_COMMANDS 200
#define THREAD_ITERATIONS 500
#define BIG_FILE_BYTES (48u << 20)
#define BIG_FILE_ROUNDS 3
#define MAP_FILE_BYTES (16u << 20)
#define MAP_FILE_ROUNDS 7
#define MAP_FILE_PATH "/root/bench-mapped"
#define EXEC_CHAIN 20
#define EXEC_ROUNDS 5
#define EXEC_IMAGE "/opt/bench/exec1m"

#include "events.h"


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
	iterations = 1 + 1000 + GETPPID_ITERATIONS;
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
	iterations = FILE_ROUNDS;
	for (int r = 0; r < FILE_ROUNDS; r++)
		if (file_round(buf, back, &samples[r]) != 0)
			return 1;
	unlink(FILE_PATH);
	report("file-write-read", samples, FILE_ROUNDS, "ms", 1);
	return 0;
}

/* The byte at `off` of the big file: a pattern no page repeats. */
static inline unsigned char big_byte(unsigned off)
{
	return (unsigned char)((off * 2654435761u) >> 24) ^ (unsigned char)(off >> 16);
}

/* One round of file-write-read-48m: as file_round, in pieces, so the
 * process needs no 48 MiB buffers of its own (on both sides the page
 * cache is what grows). */
static int big_file_round(char *piece, double *ms)
{
	double t0 = now_ms();
	int fd = open(FILE_PATH, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail("open for writing");
	for (unsigned off = 0; off < BIG_FILE_BYTES; off += FILE_CHUNK) {
		for (unsigned i = 0; i < FILE_CHUNK; i++)
			piece[i] = (char)big_byte(off + i);
		if (write(fd, piece, FILE_CHUNK) != (ssize_t)FILE_CHUNK)
			return fail("write");
	}
	if (fsync(fd) != 0)
		return fail("fsync");
	close(fd);
	fd = open(FILE_PATH, O_RDONLY);
	if (fd < 0)
		return fail("open for reading");
	for (unsigned off = 0; off < BIG_FILE_BYTES; off += FILE_CHUNK) {
		if (read(fd, piece, FILE_CHUNK) != (ssize_t)FILE_CHUNK)
			return fail("read");
		for (unsigned i = 0; i < FILE_CHUNK; i += 4096)
			if ((unsigned char)piece[i] != big_byte(off + i)) {
				fprintf(stderr, "bench: the big file read back differs at %u\n", off + i);
				close(fd);
				return 1;
			}
	}
	close(fd);
	*ms = now_ms() - t0;
	return 0;
}

static int bench_big_file(void)
{
	static char piece[FILE_CHUNK];
	double samples[BIG_FILE_ROUNDS];
	iterations = BIG_FILE_ROUNDS;
	for (int r = 0; r < BIG_FILE_ROUNDS; r++)
		if (big_file_round(piece, &samples[r]) != 0)
			return 1;
	unlink(FILE_PATH);
	report("file-write-read-48m", samples, BIG_FILE_ROUNDS, "ms", 1);
	return 0;
}

static int bench_mmap_file(void)
{
	static char piece[FILE_CHUNK];
	double samples[MAP_FILE_ROUNDS];
	int fd = open(MAP_FILE_PATH, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		return fail("open the file to map");
	uint64_t want = 0;
	for (unsigned off = 0; off < MAP_FILE_BYTES; off += FILE_CHUNK) {
		for (unsigned i = 0; i < FILE_CHUNK; i++) {
			piece[i] = (char)big_byte(off + i);
			want += (unsigned char)piece[i];
		}
		if (write(fd, piece, FILE_CHUNK) != (ssize_t)FILE_CHUNK)
			return fail("write the file to map");
	}
	if (fsync(fd) != 0)
		return fail("fsync the file to map");
	iterations = 1 + MAP_FILE_ROUNDS;
	/* The first round reads it into the page cache on both sides. */
	for (int r = 0; r < 1 + MAP_FILE_ROUNDS; r++) {
		double t0 = now_ms();
		const unsigned char *m = mmap(NULL, MAP_FILE_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return fail("mmap");
		uint64_t sum = 0;
		for (unsigned i = 0; i < MAP_FILE_BYTES; i++)
			sum += m[i];
		munmap((void *)m, MAP_FILE_BYTES);
		if (sum != want) {
			fprintf(stderr, "bench: the mapped file's bytes differ from what was written\n");
			return 1;
		}
		if (r > 0)
			samples[r - 1] = now_ms() - t0;
	}
	close(fd);
	unlink(MAP_FILE_PATH);
	report("mmap-file-read", samples, MAP_FILE_ROUNDS, "ms", 1);
	return 0;
}

static double now_us(void)
{
	return now_ms() * 1e3;
}

/* Runs argv[0] with argv in a child and waits; 0 if it exited 0. */
static int run_child(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench: fork");
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("bench: waitpid");
		return -1;
	}
	if (st != 0) {
		fprintf(stderr, "bench: %s: status %#x\n", argv[0], st);
		return -1;
	}
	return 0;
}

static int bench_fork_exec(void)
{
	static double samples[FORK_EXEC_ITERATIONS];
	char *argv[] = {"/bin/true", NULL};
	iterations = 5 + FORK_EXEC_ITERATIONS;
	for (int i = 0; i < 5; i++)
		if (run_child(argv) != 0)
			return 1;
	for (int i = 0; i < FORK_EXEC_ITERATIONS; i++) {
		double t0 = now_us();
		if (run_child(argv) != 0)
			return 1;
		samples[i] = now_us() - t0;
	}
	report("fork-exec-wait", samples, FORK_EXEC_ITERATIONS, "us", 0);
	return 0;
}

static int bench_fork_big_heap(void)
{
	static double samples[BIG_HEAP_ITERATIONS];
	unsigned char *heap = malloc(BIG_HEAP);
	iterations = BIG_HEAP_ITERATIONS + 2;
	if (!heap)
		return fail("malloc");
	memset(heap, 0x5a, BIG_HEAP);
	for (int i = 0; i < BIG_HEAP_ITERATIONS + 2; i++) {
		double t0 = now_us();
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid == 0) {
			heap[i * 4096] = 1;
			_exit(heap[BIG_HEAP - 1] == 0x5a ? 0 : 1);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || st != 0)
			return fail("fork-big-heap child");
		if (i >= 2)
			samples[i - 2] = now_us() - t0;
	}
	free(heap);
	report("fork-big-heap", samples, BIG_HEAP_ITERATIONS, "us", 0);
	return 0;
}

/* The child echoes every byte back until end of file. */
static int bench_pipe(void)
{
	static double samples[PIPE_ITERATIONS];
	int to[2], from[2];
	iterations = PIPE_ITERATIONS + 100;
	if (pipe(to) != 0 || pipe(from) != 0)
		return fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		char c;
		close(to[1]);
		close(from[0]);
		while (read(to[0], &c, 1) == 1)
			if (write(from[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	int rc = 0;
	for (int i = 0; i < PIPE_ITERATIONS + 100 && rc == 0; i++) {
		char c = (char)i, back;
		double t0 = now_us();
		if (write(to[1], &c, 1) != 1 || read(from[0], &back, 1) != 1 || back != c) {
			fprintf(stderr, "bench: pipe round trip %d failed\n", i);
			rc = 1;
		}
		/* The first 100 warm both sides up. */
		if (i >= 100)
			samples[i - 100] = now_us() - t0;
	}
	close(to[1]);
	int st;
	if (waitpid(pid, &st, 0) != pid || st != 0)
		rc = 1;
	close(from[0]);
	if (rc == 0)
		report("pipe-roundtrip", samples, PIPE_ITERATIONS, "us", 1);
	return rc;
}

/* A chain of EXEC_CHAIN execs of the 1 MiB image, timed by its last
 * link; per exec. */
static int exec_chain(double *us)
{
	int out[2];
	if (pipe(out) != 0)
		return fail("pipe");
	char t0[32], n[16];
	snprintf(n, sizeof n, "%d", EXEC_CHAIN);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		/* From here: the fork is not in the figure. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(t0, sizeof t0, "%.0f", ts.tv_sec * 1e9 + ts.tv_nsec);
		char *argv[] = { EXEC_IMAGE, n, t0, NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	char line[64] = { 0 };
	ssize_t got = read(out[0], line, sizeof line - 1);
	close(out[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid || st != 0 || got <= 0) {
		fprintf(stderr, "bench: %s chain failed (status %#x)\n", EXEC_IMAGE, st);
		return 1;
	}
	*us = strtod(line, NULL) / (EXEC_CHAIN + 1);
	return 0;
}

static int bench_exec(void)
{
	double samples[EXEC_ROUNDS], warm;
	iterations = (1 + EXEC_ROUNDS) * (EXEC_CHAIN + 1);
	if (exec_chain(&warm) != 0)
		return 1;
	for (int r = 0; r < EXEC_ROUNDS; r++)
		if (exec_chain(&samples[r]) != 0)
			return 1;
	report("exec-static", samples, EXEC_ROUNDS, "us", 0);
	return 0;
}

static int bench_script(void)
{
	/* External commands by path, so no shell runs them as builtins or
	 * in-process applets: each is a fork and an exec. */
	static char script[4096];
	snprintf(script, sizeof(script),
		 "i=0\n"
		 "while [ $i -lt %d ]; do\n"
		 "  /bin/true; /bin/busybox echo $i > /dev/null\n"
		 "  /bin/busybox test -d /; /bin/busybox basename /a/b > /dev/null\n"
		 "  i=$((i + 4))\n"
		 "done\n",
		 SCRIPT_COMMANDS);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	double samples[SCRIPT_ROUNDS];
	iterations = 1 + SCRIPT_ROUNDS;
	if (run_child(argv) != 0)
		return 1;
	for (int r = 0; r < SCRIPT_ROUNDS; r++) {
		double t0 = now_ms();
		if (run_child(argv) != 0)
			return 1;
		samples[r] = now_ms() - t0;
	}
	report("shell-script", samples, SCRIPT_ROUNDS, "ms", 1);
	return 0;
}

static void *thread_body(void *arg)
{
	return arg;
}

static int bench_threads(void)
{
	static double samples[THREAD_ITERATIONS];
	iterations = THREAD_ITERATIONS + 20;
	for (int i = 0; i < THREAD_ITERATIONS + 20; i++) {
		pthread_t t;
		void *ret;
		double t0 = now_us();
		int e = pthread_create(&t, NULL, thread_body, &samples[0]);
		if (e != 0) {
			if (i == 0) {
				printf("raw thread-create-join unsupported errno=%d\n", e);
				fflush(stdout);
				iterations = 0;
				return 0;
			}
			fprintf(stderr, "bench: pthread_create %d: %s\n", i, strerror(e));
			return 1;
		}
		if ((e = pthread_join(t, &ret)) != 0 || ret != &samples[0]) {
			fprintf(stderr, "bench: pthread_join %d: %s\n", i, strerror(e));
			return 1;
		}
		if (i >= 20)
			samples[i - 20] = now_us() - t0;
	}
	report("thread-create-join", samples, THREAD_ITERATIONS, "us", 1);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc;
		struct events before, after;
		iterations = 0;
		read_events(&before);
		if (strcmp(argv[i], "getppid") == 0)
			rc = bench_round_trip("getppid", SYS_getppid, 0);
		else if (strcmp(argv[i], "enosys") == 0)
			rc = bench_round_trip("enosys", NO_SUCH_SYSCALL, 1);
		else if (strcmp(argv[i], "file-write-read") == 0)
			rc = bench_file();
		else if (strcmp(argv[i], "file-write-read-48m") == 0)
			rc = bench_big_file();
		else if (strcmp(argv[i], "mmap-file-read") == 0)
			rc = bench_mmap_file();
		else if (strcmp(argv[i], "exec-static") == 0)
			rc = bench_exec();
		else if (strcmp(argv[i], "fork-exec-wait") == 0)
			rc = bench_fork_exec();
		else if (strcmp(argv[i], "fork-big-heap") == 0)
			rc = bench_fork_big_heap();
		else if (strcmp(argv[i], "pipe-roundtrip") == 0)
			rc = bench_pipe();
		else if (strcmp(argv[i], "shell-script") == 0)
			rc = bench_script();
		else if (strcmp(argv[i], "thread-create-join") == 0)
			rc = bench_threads();
		else
			rc = 2;
		if (rc != 0) {
			fprintf(stderr, "bench: %s failed (known: getppid, enosys, file-write-read, "
				"file-write-read-48m, mmap-file-read, exec-static, fork-exec-wait, fork-big-heap, pipe-roundtrip, shell-script, thread-create-join)\n", argv[i]);
			return rc;
		}
		read_events(&after);
		/* 0: the measurement reported itself unsupported. */
		if (iterations > 0)
			report_events(argv[i], &before, &after);
	}
	return 0;
}
