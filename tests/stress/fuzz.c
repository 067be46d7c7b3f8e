/* A syscall fuzzer for scripts/stress: SLOTS processes making random
 * syscalls with wild arguments, re-forked when they die, watched by a
 * parent that SIGKILLs a process stuck in one call and reports any that
 * SIGKILL cannot end.
 *
 *   fuzz CALLS SEED        CALLS in all over the slots, from SEED
 *   fuzz replay SEED SLOT GEN [CALLS]
 *                          one fuzzing process again, in the foreground,
 *                          each call printed before it is made
 *
 * A fuzzing process is named by (SEED, SLOT, GEN): GEN counts the
 * processes its slot has had, and its random stream is a function of the
 * three alone, so `fuzz replay` makes the same calls in the same order.
 * Numbers: the whole table, unassigned ones inside it, numbers past it,
 * x32 ones (bit 30) and arbitrary 64-bit ones. Arguments: small and
 * boundary integers, flag-like words, fds (open, closed, huge, negative),
 * lengths, and pointers: null, unmapped, the kernel half, the server's
 * region (0xffff_c000_0000_0000..), the kernel entry area
 * (0xffff_ff00_0000_0000..), misaligned, straddling into an unmapped
 * page, and real buffers of random bytes.
 *
 * The fuzzing processes drop to uid/gid 65534 first, so a random kill(-1)
 * or unlink reaches only their own kind, and the parent (root) survives.
 *
 * Prints, at the end:
 *   fuzz calls=N seconds=S calls_per_s=R processes=P signals=K stuck_killed=W unkillable=U left_after_sweep=L scribbled=C
 * and, for each process SIGKILL did not end within UNKILLABLE_S seconds,
 *   unkillable seed=.. slot=.. gen=.. call=.. nr=..
 * (call and nr as the process last published them). At the end every
 * process of uid 65534 is SIGKILLed; L counts those still there after
 * SWEEP_S seconds. C counts the times a process scribbled on the counts
 * it shares with the parent (not believed).
 * Exit status: 0, or 1 when a process could not be killed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define SLOTS 8
/* No progress for this long: the process is stuck in a call; SIGKILL it. */
#define STUCK_S 4
/* SIGKILLed and not gone after this long: it cannot be killed. */
#define UNKILLABLE_S 20
#define PAGE 4096L
#define BUF_PAGES 16

/* What a slot's process publishes for its parent (shared memory). A
 * fuzzing process can scribble on it (an rt_sigreturn from a garbage
 * frame resumes its own code with random registers), so the parent
 * believes a count only within what the process can have made. */
struct slot {
	volatile uint64_t calls;   /* made by this slot, over all its gens */
	volatile uint64_t index;   /* the call the current process is in */
	volatile int64_t nr;       /* its number */
};

static struct slot *slots;

static uint64_t seed_of(uint64_t seed, int slot, int gen)
{
	return seed * 0x100000001b3ULL ^ ((uint64_t)slot << 40) ^ (uint64_t)gen * 0xff51afd7ed558ccdULL;
}

/* The fuzzing process's buffers: random bytes, and a page followed by
 * an unmapped one for straddling pointers. */
static unsigned char *buf;
static unsigned char *edge;

static uint64_t pointer(void)
{
	switch (below(12)) {
	case 0: return 0;
	case 1: return below(PAGE * 16);                                  /* the null page and its neighbours */
	case 2: return 0x00007ff000000000ULL + below(1ULL << 36);         /* unmapped user memory */
	case 3: return 0x0000800000000000ULL - below(PAGE * 4);           /* the top of user space */
	case 4: return 0xffff800000000000ULL + (next() & 0x00007fffffffffffULL); /* kernel half */
	case 5: return 0xffffc00000000000ULL + below(1ULL << 34);         /* the server's region */
	case 6: return 0xffffff0000000000ULL + below(1ULL << 32);         /* the kernel entry area */
	case 7: return (uint64_t)(buf + below(BUF_PAGES * PAGE - 64)) | 1; /* misaligned */
	case 8: return (uint64_t)(edge + PAGE - 1 - below(16));            /* straddles into an unmapped page */
	case 9: return next();                                             /* anything */
	default: return (uint64_t)(buf + below(BUF_PAGES * PAGE / 2));     /* a real buffer */
	}
}

static uint64_t integer(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 4095, 4096, 4097,
		65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4095, (uint64_t)-4096,
	};
	switch (below(8)) {
	case 0: case 1: return edges[below(sizeof edges / sizeof edges[0])];
	case 2: return below(32);                                          /* small: fds, flags, modes */
	case 3: return 1ULL << below(64);                                  /* one flag */
	case 4: return next() & next() & 0xffffffffULL;                    /* a few flags */
	case 5: return (uint32_t)next();
	case 6: return below(2) ? (uint64_t)-(int64_t)below(40) : below(1024); /* fds, signals, -errno */
	default: return next();
	}
}

static uint64_t argument(void)
{
	return below(2) ? pointer() : integer();
}

static int64_t number(void)
{
	switch (below(20)) {
	case 0: return 335 + below(424 - 335);              /* the unassigned run in the table */
	case 1: return 463 + below(1024 - 463);             /* past the table */
	case 2: return 0x40000000 + below(548);              /* x32 numbers */
	case 3: return (int64_t)next();                      /* anything */
	case 4: return -(int64_t)below(16);
	default: return below(463);
	}
}

static int process_creating(int64_t nr)
{
	return nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone || nr == SYS_clone3;
}

static void on_alarm(int sig) { (void)sig; }

/* A fuzzing process: CALLS calls from the stream of (seed, slot, gen);
 * `show`: print each before making it. */
static void fuzz_process(uint64_t seed, int slot, int gen, uint64_t calls, int show)
{
	if (setgid(65534) != 0 || setuid(65534) != 0) {
		perror("fuzz: dropping to uid 65534");
		_exit(99);
	}
	rng_seed(seed_of(seed, slot, gen));
	buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || edge == MAP_FAILED) {
		perror("fuzz: mmap");
		_exit(99);
	}
	munmap(edge + PAGE, PAGE);
	for (long i = 0; i < BUF_PAGES * PAGE / 8; i++)
		((uint64_t *)buf)[i] = next();
	/* Calls that block end by EINTR within a second (unless a random
	 * call undoes this; then the parent's watchdog ends them). */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval tick = { { 1, 0 }, { 1, 0 } };
	setitimer(ITIMER_REAL, &tick, NULL);
	/* What random writes to 0-2 send goes nowhere (in replay, stderr
	 * carries the calls). */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!show)
			dup2(null, 2);
	}
	open("/", O_RDONLY | O_DIRECTORY);
	pipe((int[2]){ 0, 0 });
	for (uint64_t i = 0; i < calls; i++) {
		int64_t nr = number();
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = argument();
		/* Fresh bytes where calls wrote, now and then. */
		if (below(64) == 0)
			((uint64_t *)buf)[below(BUF_PAGES * PAGE / 8)] = next();
		if (show) {
			fprintf(stderr, "call %llu: nr=%lld (%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n",
				(unsigned long long)i, (long long)nr, (unsigned long long)a[0], (unsigned long long)a[1],
				(unsigned long long)a[2], (unsigned long long)a[3], (unsigned long long)a[4],
				(unsigned long long)a[5]);
		}
		if (slots) {
			slots[slot].index = i;
			slots[slot].nr = nr;
		}
		long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		/* A process (or thread) a random fork/clone made, back on our
		 * stack: it goes at once, leaving the fuzzing to its maker. */
		if (r == 0 && process_creating(nr))
			syscall(SYS_exit, 0);
		if (slots)
			slots[slot].calls++;
	}
	_exit(0);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* For a report: /proc/PID/stat's state letter, or the first word of
 * another /proc/PID file, or "?". */
static void proc_line(pid_t pid, const char *what, char *out, size_t len)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	snprintf(out, len, "?");
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	char *at = buf, *paren = strrchr(buf, ')');
	if (strcmp(what, "stat") == 0 && paren && paren[1] == ' ')
		at = paren + 2;
	snprintf(out, len, "%.*s", (int)strcspn(at, " \n"), at);
}

/* Ends what the run left (processes random forks made, ones the
 * watchdog gave up on: all uid 65534) by a kill(-1, SIGKILL) from one
 * more of their kind, reaps our own, and counts those still there after
 * SWEEP_S seconds (zombies aside): processes SIGKILL cannot end. */
#define SWEEP_S 10
static int sweep(void)
{
	fflush(stdout);
	pid_t k = fork();
	if (k == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(1);
		kill(-1, SIGKILL);
		_exit(0);
	}
	if (k > 0)
		waitpid(k, NULL, 0);
	int left = 0;
	for (int t = 0; t <= SWEEP_S * 5; t++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		left = 0;
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[300], buf[512];
			struct stat st;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s", e->d_name);
			if (stat(path, &st) != 0 || st.st_uid != 65534)
				continue;
			snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
			int fd = open(path, O_RDONLY);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
			if (fd >= 0)
				close(fd);
			char *paren = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
			if (paren && paren[1] == ' ' && paren[2] != 'Z')
				left++;
		}
		if (d)
			closedir(d);
		if (!left)
			break;
		usleep(200 * 1000);
	}
	return left;
}

/* A fuzzing child for the slot; `show` (a replay prints each call) as fuzz_process takes it. */
static pid_t spawn(uint64_t seed, int slot, int gen, uint64_t calls, int show)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		fuzz_process(seed, slot, gen, calls, show);
	return pid;
}

static pid_t start(uint64_t seed, int slot, int gen, uint64_t calls)
{
	return spawn(seed, slot, gen, calls, 0);
}

static int replay(uint64_t seed, int slot, int gen, uint64_t calls)
{
	pid_t pid = spawn(seed, slot, gen, calls, 1);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		perror("fuzz replay");
		return 1;
	}
	if (WIFSIGNALED(st))
		printf("replay seed=%llu slot=%d gen=%d: killed by signal %d\n", (unsigned long long)seed, slot, gen, WTERMSIG(st));
	else
		printf("replay seed=%llu slot=%d gen=%d: exited %d\n", (unsigned long long)seed, slot, gen, WEXITSTATUS(st));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "replay") == 0)
		return replay(strtoull(argv[2], NULL, 0), atoi(argv[3]), atoi(argv[4]),
			      argc > 5 ? strtoull(argv[5], NULL, 0) : 100000);
	if (argc != 3) {
		fprintf(stderr, "usage: fuzz CALLS SEED | fuzz replay SEED SLOT GEN [CALLS]\n");
		return 2;
	}
	uint64_t total = strtoull(argv[1], NULL, 0), seed = strtoull(argv[2], NULL, 0);
	uint64_t quota = (total + SLOTS - 1) / SLOTS;
	slots = mmap(NULL, sizeof(struct slot) * SLOTS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("fuzz: mmap");
		return 2;
	}
	/* A fuzzing process killing its process group must not reach us. */
	setpgid(0, 0);
	struct {
		pid_t pid;
		int gen;
		uint64_t seen;     /* calls when last looked at */
		double since;      /* when `seen` last changed */
		double killed;     /* when we SIGKILLed it, or 0 */
		int done;
	} s[SLOTS] = { 0 };
	uint64_t processes = 0, signals = 0, stuck = 0, unkillable = 0, scribbled = 0, refused = 0;
	/* The slot's count if believable, else what was last believed (and
	 * the shared word put back). */
#define BELIEVE(i) ( \
	(slots[i].calls >= s[i].seen && slots[i].calls <= quota) ? slots[i].calls \
		: (scribbled++, slots[i].calls = s[i].seen))
	double t0 = now();
	for (int i = 0; i < SLOTS; i++) {
		s[i].pid = start(seed, i, 0, quota);
		s[i].since = t0;
		processes += s[i].pid > 0;
	}
	for (;;) {
		int running = 0;
		double t = now();
		for (int i = 0; i < SLOTS; i++) {
			if (s[i].done)
				continue;
			/* A fork refused (processes left over hold the system's
			 * slots): tried again, never a pid of -1 to wait for or
			 * to kill (kill(-1) as root ends everything). */
			if (s[i].pid <= 0) {
				s[i].pid = start(seed, i, s[i].gen, quota - s[i].seen);
				s[i].since = t;
				s[i].killed = 0;
				running++;
				if (s[i].pid > 0)
					processes++;
				else
					refused++;
				continue;
			}
			int st = 0;
			pid_t r = waitpid(s[i].pid, &st, WNOHANG);
			uint64_t now_calls = BELIEVE(i);
			if (r == s[i].pid) {
				if (WIFSIGNALED(st))
					signals++;
				if (now_calls >= quota) {
					s[i].seen = now_calls;
					s[i].done = 1;
					continue;
				}
				/* It died before its quota: the next generation goes on. */
				s[i].gen++;
				s[i].pid = start(seed, i, s[i].gen, quota - now_calls);
				s[i].seen = now_calls;
				s[i].since = t;
				s[i].killed = 0;
				processes += s[i].pid > 0;
				running++;
				continue;
			}
			running++;
			if (now_calls != s[i].seen) {
				s[i].seen = now_calls;
				s[i].since = t;
			} else if (!s[i].killed && t - s[i].since > STUCK_S) {
				kill(s[i].pid, SIGKILL);
				s[i].killed = t;
				stuck++;
			} else if (s[i].killed && t - s[i].killed > UNKILLABLE_S) {
				char state[64], wchan[64];
				proc_line(s[i].pid, "stat", state, sizeof state);
				proc_line(s[i].pid, "wchan", wchan, sizeof wchan);
				printf("unkillable seed=%llu slot=%d gen=%d call=%llu nr=%lld state=%s wchan=%s\n", (unsigned long long)seed, i,
				       s[i].gen, (unsigned long long)slots[i].index, (long long)slots[i].nr, state, wchan);
				unkillable++;
				/* Left as it is; the slot goes on with a new process. */
				now_calls = slots[i].calls = now_calls < quota ? now_calls + 1 : quota;
				s[i].gen++;
				s[i].pid = start(seed, i, s[i].gen, quota - now_calls);
				s[i].seen = now_calls;
				s[i].since = t;
				s[i].killed = 0;
				processes += s[i].pid > 0;
			}
		}
		if (!running)
			break;
		usleep(200 * 1000);
	}
	double secs = now() - t0;
	int left = sweep();
	uint64_t calls = 0;
	for (int i = 0; i < SLOTS; i++)
		calls += s[i].seen;
	printf("fuzz calls=%llu seconds=%.1f calls_per_s=%.0f processes=%llu signals=%llu stuck_killed=%llu unkillable=%llu left_after_sweep=%d scribbled=%llu forks_refused=%llu\n",
	       (unsigned long long)calls, secs, calls / secs, (unsigned long long)processes, (unsigned long long)signals,
	       (unsigned long long)stuck, (unsigned long long)unkillable, left, (unsigned long long)scribbled,
	       (unsigned long long)refused);
	return unkillable || left ? 1 : 0;
}
