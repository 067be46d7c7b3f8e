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
				"fork-exec-wait, fork-big-heap, pipe-roundtrip, shell-script, thread-create-join)\n", argv[i]);
			return rc;
		}
		read_events(&after);
		/* 0: the measurement reported itself unsupported. */
		if (iterations > 0)
			report_events(argv[i], &before, &after);
	}
	return 0;
}
