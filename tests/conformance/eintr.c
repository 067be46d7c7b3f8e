/* A signal to a process blocked in read: EINTR without SA_RESTART, the
 * read going on with it; nanosleep interrupted either way; and stop and
 * continue of a child blocked in read. The sender waits until the
 * receiver is asleep in the kernel (state S in /proc/PID/stat), so the
 * signal always finds it blocked. */
#include "conf.h"
#include <sys/wait.h>
#include <sched.h>
#include <time.h>

static volatile sig_atomic_t hits;
static void on_usr(int s) { (void)s; hits++; }

/* The state letter of /proc/PID/stat. */
static char state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

static void wait_state(pid_t pid, char want)
{
	for (int i = 0; i < 100000 && state(pid) != want; i++)
		sched_yield();
}

/* A child that waits for its parent to sleep, signals it, then (after the
 * parent's read is known to be over or still blocked) writes. */
static pid_t signaller(int wfd, int sig, int write_after)
{
	pid_t parent = getpid();
	pid_t c = xfork();
	if (c == 0) {
		wait_state(parent, 'S');
		kill(parent, sig);
		if (write_after) {
			wait_state(parent, 'S');
			if (write(wfd, "z", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	return c;
}

static void handler(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
}

int main(void)
{
	int p[2];
	char c;
	if (pipe(p) != 0)
		return 99;

	handler(0);
	hits = 0;
	pid_t k = signaller(p[1], SIGUSR1, 0);
	SHOW("read, no SA_RESTART", read(p[0], &c, 1));
	printf("hits %d\n", hits);
	waitpid(k, NULL, 0);

	handler(SA_RESTART);
	hits = 0;
	k = signaller(p[1], SIGUSR1, 1);
	SHOW("read, SA_RESTART", read(p[0], &c, 1));
	printf("hits %d byte %c\n", hits, c);
	waitpid(k, NULL, 0);

	hits = 0;
	k = signaller(p[1], SIGUSR1, 0);
	struct timespec ts = { 30, 0 }, left = { 0, 0 };
	SHOW("nanosleep, SA_RESTART", nanosleep(&ts, &left));
	printf("hits %d time left %s\n", hits, left.tv_sec > 0 && left.tv_sec <= 30 ? "yes" : "no");
	waitpid(k, NULL, 0);

	handler(0);
	hits = 0;
	k = signaller(p[1], SIGUSR1, 0);
	SHOW("pause", pause());
	printf("hits %d\n", hits);
	waitpid(k, NULL, 0);

	/* An ignored signal does not interrupt. */
	signal(SIGUSR1, SIG_IGN);
	k = signaller(p[1], SIGUSR1, 1);
	SHOW("read, signal ignored", read(p[0], &c, 1));
	waitpid(k, NULL, 0);

	/* Stop and continue a child blocked in read; it reads after SIGCONT. */
	int q[2];
	if (pipe(q) != 0)
		return 98;
	pid_t r = xfork();
	if (r == 0) {
		/* Two bytes: the second keeps it alive until "continued" is seen. */
		char b[2] = { 0, 0 };
		ssize_t n = read(q[0], b, 1);
		ssize_t m = read(q[0], b + 1, 1);
		_exit(n == 1 && m == 1 ? b[0] - '0' : 100 + errno);
	}
	close(q[0]);
	wait_state(r, 'S');
	int st;
	SHOW("SIGSTOP to the reader", kill(r, SIGSTOP));
	YES("stopped", waitpid(r, &st, WUNTRACED) == r && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	printf("state while stopped: %c\n", state(r));
	if (write(q[1], "6", 1) != 1)
		return 97;
	SHOW("nothing more to report", waitpid(r, &st, WNOHANG | WUNTRACED));
	SHOW("SIGCONT", kill(r, SIGCONT));
	YES("continued", waitpid(r, &st, WCONTINUED) == r && WIFCONTINUED(st));
	if (write(q[1], "x", 1) != 1)
		return 96;
	YES("reader exited with the byte", waitpid(r, &st, 0) == r && WIFEXITED(st) && WEXITSTATUS(st) == 6);
	return 0;
}
