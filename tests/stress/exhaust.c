/* Resource exhaustion for scripts/stress, one case per run:
 *
 *   exhaust forkbomb   forks until refused, as root (the system's own
 *                      limit) and as uid 65534 under RLIMIT_NPROC 16;
 *                      then every child is killed and reaped and a fork
 *                      works again
 *   exhaust memhog     two children touch memory 1 MiB at a time until
 *                      refused (ENOMEM) or killed; afterwards another
 *                      child writes and reads a file, and a fork works
 *   exhaust fdhog      opens until EMFILE; closing one lets an open work
 *   exhaust diskfill   writes /tmp/diskfill until ENOSPC, then removes it
 *   exhaust threads N  N threads created and joined, 100 alive at a time
 *
 * Each prints one line `exhaust CASE ok figures...` or `exhaust CASE
 * FAIL why` and exits 0 or 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *c, const char *why)
{
	printf("exhaust %s FAIL %s\n", c, why);
	return 1;
}

/* Forks children that wait to be killed until a fork is refused; returns
 * how many were made, their pids in `kids`, the refusal in `err`. */
static int fork_until_refused(pid_t *kids, int max, int *err)
{
	int n = 0;
	*err = 0;
	while (n < max) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0) {
			*err = errno;
			break;
		}
		kids[n++] = p;
	}
	return n;
}

static void kill_all(pid_t *kids, int n)
{
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
}

/* A fork, exec-free child that exits 7, reaped: 1 when that worked. */
static int fork_works(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(7);
	int st = 0;
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

#define MAXKIDS 4096

static int forkbomb(void)
{
	static pid_t kids[MAXKIDS];
	fflush(stdout);
	int err, n = fork_until_refused(kids, MAXKIDS, &err);
	kill_all(kids, n);
	if (err != EAGAIN && err != ENOMEM)
		return fail("forkbomb", err ? strerror(err) : "never refused");
	int root_n = n, root_err = err;
	if (!fork_works())
		return fail("forkbomb", "no fork after the bomb as root");

	/* The same as an unprivileged user under RLIMIT_NPROC, in a child
	 * that drops to it. */
	int p[2];
	if (pipe(p) != 0)
		return fail("forkbomb", "pipe");
	pid_t runner = fork();
	if (runner == 0) {
		struct rlimit lim = { 16, 16 };
		if (setgid(65534) != 0 || setuid(65534) != 0 || setrlimit(RLIMIT_NPROC, &lim) != 0)
			_exit(2);
		int e, m = fork_until_refused(kids, MAXKIDS, &e);
		kill_all(kids, m);
		int again = fork_works();
		int out[3] = { m, e, again };
		_exit(write(p[1], out, sizeof out) == sizeof out ? 0 : 3);
	}
	close(p[1]);
	int out[3] = { 0, 0, 0 }, st = 0;
	ssize_t got = read(p[0], out, sizeof out);
	if (waitpid(runner, &st, 0) != runner || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != sizeof out)
		return fail("forkbomb", "the unprivileged runner did not finish");
	if (out[1] != EAGAIN)
		return fail("forkbomb", "RLIMIT_NPROC refusal was not EAGAIN");
	if (out[0] > 16)
		return fail("forkbomb", "RLIMIT_NPROC 16 let more than 16 forks through");
	if (!out[2])
		return fail("forkbomb", "no fork after the bomb under RLIMIT_NPROC");
	if (!fork_works())
		return fail("forkbomb", "no fork afterwards");
	printf("exhaust forkbomb ok root_forks=%d refused=%s nproc16_forks=%d refused=EAGAIN\n", root_n,
	       root_err == EAGAIN ? "EAGAIN" : "ENOMEM", out[0]);
	return 0;
}

/* A file written and read back by a fresh child: the system still serves. */
static int others_served(void)
{
	pid_t p = fork();
	if (p == 0) {
		char b[64] = { 0 };
		int fd = open("/tmp/memhog.probe", O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, "served", 6) != 6 || pread(fd, b, sizeof b, 0) != 6 || strcmp(b, "served") != 0)
			_exit(1);
		close(fd);
		unlink("/tmp/memhog.probe");
		_exit(0);
	}
	int st = 0;
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* One hog: maps as much as it is allowed at once (the largest power of
 * two the mapping's up-front check lets through), waits for `go`, then
 * touches it and more, 1 MiB at a time, until refused, reporting each
 * MiB it holds on `fd` as {MiB, errno}, so its parent knows how far it
 * got even when it is killed. */
static void hog(int fd, int go)
{
	size_t big = (size_t)1 << 32;
	char *m = MAP_FAILED;
	while (big >= 1 << 20 && (m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		big /= 2;
	char c;
	if (read(go, &c, 1) != 1)
		_exit(4);
	int mib = 0;
	for (size_t o = 0; m != MAP_FAILED && o < big; o += 4096) {
		m[o] = 1;
		if ((o + 4096) % (1 << 20) == 0) {
			int r[2] = { ++mib, 0 };
			if (write(fd, r, sizeof r) != sizeof r)
				_exit(3);
		}
	}
	for (;;) {
		m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			int r[2] = { mib, errno };
			_exit(write(fd, r, sizeof r) == sizeof r ? 0 : 3);
		}
		for (int o = 0; o < 1 << 20; o += 4096)
			m[o] = 1;
		int r[2] = { ++mib, 0 };
		if (write(fd, r, sizeof r) != sizeof r)
			_exit(3);
	}
}

#define HOGS 2

/* HOGS hogs at once, each mapping what the up-front check allows before
 * either touches it, so together they ask for more than there is: one
 * finds no frame left to touch and is killed, the other may end on
 * ENOMEM, and the server must serve on after either. */
static int memhog(void)
{
	int p[HOGS][2], go[2];
	pid_t hogs[HOGS];
	fflush(stdout);
	if (pipe(go) != 0)
		return fail("memhog", "pipe");
	for (int i = 0; i < HOGS; i++) {
		if (pipe(p[i]) != 0)
			return fail("memhog", "pipe");
		hogs[i] = fork();
		if (hogs[i] == 0) {
			close(p[i][0]);
			close(go[1]);
			hog(p[i][1], go[0]);
		}
		close(p[i][1]);
	}
	/* Both have mapped (or are about to): let them touch. */
	usleep(500 * 1000);
	if (write(go[1], "gg", HOGS) != HOGS)
		return fail("memhog", "go");
	close(go[0]);
	close(go[1]);
	int held = 0, enomem = 0, killed = 0;
	for (int i = 0; i < HOGS; i++) {
		int r[2] = { 0, 0 }, last[2] = { 0, 0 };
		while (read(p[i][0], r, sizeof r) == sizeof r)
			memcpy(last, r, sizeof r);
		close(p[i][0]);
		int st = 0;
		if (waitpid(hogs[i], &st, 0) != hogs[i])
			return fail("memhog", "hog not reaped");
		held += last[0];
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			killed++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && last[1] == ENOMEM) {
			enomem++;
		} else {
			char why[96];
			snprintf(why, sizeof why, "a hog ended otherwise (status %#x, errno %d)", st, last[1]);
			return fail("memhog", why);
		}
	}
	if (!others_served())
		return fail("memhog", "after the hogs, a child could not write and read a file");
	if (!fork_works())
		return fail("memhog", "no fork after the hogs");
	printf("exhaust memhog ok hogs=%d held_mib=%d enomem=%d killed=%d others_served=yes\n", HOGS, held, enomem, killed);
	return 0;
}

static int fdhog(void)
{
	int n = 0, fd;
	while ((fd = open("/", O_RDONLY)) >= 0)
		n++;
	int err = errno;
	if (err != EMFILE)
		return fail("fdhog", strerror(err));
	close(100);
	int again = open("/", O_RDONLY);
	if (again != 100)
		return fail("fdhog", "an open after a close did not get the freed fd");
	struct rlimit lim;
	getrlimit(RLIMIT_NOFILE, &lim);
	printf("exhaust fdhog ok opened=%d refused=EMFILE nofile=%llu\n", n, (unsigned long long)lim.rlim_cur);
	return 0;
}

static int diskfill(void)
{
	int fd = open("/tmp/diskfill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fail("diskfill", strerror(errno));
	static char chunk[1 << 20];
	memset(chunk, 0xa5, sizeof chunk);
	long long total = 0;
	ssize_t w;
	while ((w = write(fd, chunk, sizeof chunk)) > 0)
		total += w;
	int err = errno;
	int synced = fsync(fd);
	close(fd);
	if (w == 0 || err != ENOSPC)
		return fail("diskfill", strerror(err));
	if (unlink("/tmp/diskfill") != 0)
		return fail("diskfill", "could not remove the filler");
	sync();
	/* Room again: a small file writes. */
	fd = open("/tmp/diskfill.after", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, chunk, 4096) != 4096 || fsync(fd) != 0)
		return fail("diskfill", "no write after removing the filler");
	close(fd);
	unlink("/tmp/diskfill.after");
	sync();
	printf("exhaust diskfill ok written_mib=%lld refused=ENOSPC fsync_after=%s\n", total >> 20,
	       synced == 0 ? "0" : strerror(errno));
	return 0;
}

static void *thread_body(void *arg)
{
	return arg;
}

static int threads(long n)
{
	enum { BATCH = 100 };
	pthread_t t[BATCH];
	double t0 = now();
	long made = 0;
	while (made < n) {
		int k = n - made < BATCH ? n - made : BATCH;
		for (int i = 0; i < k; i++) {
			int e = pthread_create(&t[i], NULL, thread_body, (void *)(intptr_t)(made + i));
			if (e != 0) {
				char why[96];
				snprintf(why, sizeof why, "pthread_create %ld: %s", made + i, strerror(e));
				return fail("threads", why);
			}
		}
		for (int i = 0; i < k; i++) {
			void *r;
			if (pthread_join(t[i], &r) != 0 || (intptr_t)r != made + i)
				return fail("threads", "pthread_join");
		}
		made += k;
	}
	printf("exhaust threads ok created_joined=%ld seconds=%.1f\n", made, now() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && strcmp(argv[1], "forkbomb") == 0)
		return forkbomb();
	if (argc >= 2 && strcmp(argv[1], "memhog") == 0)
		return memhog();
	if (argc >= 2 && strcmp(argv[1], "fdhog") == 0)
		return fdhog();
	if (argc >= 2 && strcmp(argv[1], "diskfill") == 0)
		return diskfill();
	if (argc >= 3 && strcmp(argv[1], "threads") == 0)
		return threads(atol(argv[2]));
	fprintf(stderr, "usage: exhaust forkbomb|memhog|fdhog|diskfill|threads N\n");
	return 2;
}
