/* fork, wait4 and execve cases, run in sequence by `fe all`; each prints
 * "ok NAME" or "FAIL NAME ..." so the output can be compared with the
 * same binary run natively. Pids differ between the two, so only their
 * relations are printed. Re-executes itself through argv[0] (a full
 * path in both places) for the exec'ed side of a case. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

static int fail(const char *name, const char *what)
{
	printf("FAIL %s: %s (errno %d)\n", name, what, errno);
	return 1;
}

/* stdout is a pipe (fully buffered): a child must not print the
 * parent's buffer a second time. */
static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

static int waited(const char *name, pid_t pid, int *status)
{
	struct rusage ru;
	pid_t got = wait4(pid, status, 0, &ru);
	if (got != pid)
		return fail(name, "wait4");
	return 0;
}

static int exit_status(void)
{
	int st;
	pid_t pid = fork_flushed();
	if (pid < 0)
		return fail("exit_status", "fork");
	if (pid == 0)
		_exit(5);
	if (waited("exit_status", pid, &st))
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 5)
		return fail("exit_status", "status");
	puts("ok exit_status");
	return 0;
}

static int killed(void)
{
	int st;
	pid_t pid = fork_flushed();
	if (pid < 0)
		return fail("killed", "fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (kill(pid, SIGKILL) != 0)
		return fail("killed", "kill");
	if (waited("killed", pid, &st))
		return 1;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return fail("killed", "status");
	printf("ok killed signo=%d\n", WTERMSIG(st));
	return 0;
}

static int exec_busybox(void)
{
	int st;
	pid_t pid = fork_flushed();
	if (pid < 0)
		return fail("exec_busybox", "fork");
	if (pid == 0) {
		char *argv[] = { "echo", "from", "busybox", NULL };
		char *envp[] = { NULL };
		execve("/bin/busybox", argv, envp);
		_exit(127);
	}
	if (waited("exec_busybox", pid, &st))
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail("exec_busybox", "status");
	puts("ok exec_busybox");
	return 0;
}

/* The exec'ed side: argv[2] must be closed, argv[3] still open. */
static int cloexec_child(char **argv)
{
	int closed = atoi(argv[2]), open_fd = atoi(argv[3]);
	errno = 0;
	if (fcntl(closed, F_GETFD) != -1 || errno != EBADF)
		return fail("cloexec", "FD_CLOEXEC fd survived exec");
	if (fcntl(open_fd, F_GETFD) != 0)
		return fail("cloexec", "plain fd lost or flagged");
	char c;
	if (read(open_fd, &c, 1) != 1 || c != 'x')
		return fail("cloexec", "plain fd unreadable");
	return 0;
}

static int cloexec(void)
{
	int p[2], q[2], st;
	if (pipe2(p, O_CLOEXEC) != 0 || pipe(q) != 0)
		return fail("cloexec", "pipe");
	if (write(q[1], "x", 1) != 1)
		return fail("cloexec", "write");
	pid_t pid = fork_flushed();
	if (pid < 0)
		return fail("cloexec", "fork");
	if (pid == 0) {
		char a[16], b[16];
		snprintf(a, sizeof a, "%d", p[0]);
		snprintf(b, sizeof b, "%d", q[0]);
		char *argv[] = { (char *)self, "cloexec-child", a, b, NULL };
		execv(self, argv);
		_exit(127);
	}
	if (waited("cloexec", pid, &st))
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail("cloexec", "child status");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	puts("ok cloexec");
	return 0;
}

static int ppid(void)
{
	int fds[2], st;
	if (pipe(fds) != 0)
		return fail("ppid", "pipe");
	pid_t me = getpid();
	pid_t pid = fork_flushed();
	if (pid < 0)
		return fail("ppid", "fork");
	if (pid == 0) {
		pid_t got[2] = { getppid(), getpid() };
		_exit(write(fds[1], got, sizeof got) == sizeof got ? 0 : 1);
	}
	pid_t got[2];
	if (read(fds[0], got, sizeof got) != sizeof got)
		return fail("ppid", "read");
	if (waited("ppid", pid, &st))
		return 1;
	close(fds[0]);
	close(fds[1]);
	if (got[0] != me)
		return fail("ppid", "child's getppid is not the parent's pid");
	if (got[1] != pid)
		return fail("ppid", "child's getpid is not fork's return");
	puts("ok ppid");
	return 0;
}

static int loop(int n)
{
	for (int i = 0; i < n; i++) {
		int st;
		pid_t pid = fork_flushed();
		if (pid < 0) {
			printf("FAIL loop: fork at iteration %d (errno %d)\n", i, errno);
			return 1;
		}
		if (pid == 0) {
			char *argv[] = { (char *)self, "nop", NULL };
			execv(self, argv);
			_exit(127);
		}
		if (waited("loop", pid, &st))
			return 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			printf("FAIL loop: iteration %d status %#x\n", i, st);
			return 1;
		}
	}
	printf("ok loop %d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc >= 4 && strcmp(argv[1], "cloexec-child") == 0)
		return cloexec_child(argv);
	if (argc >= 2 && strcmp(argv[1], "nop") == 0)
		return 7;
	int n = argc >= 3 ? atoi(argv[2]) : 200;
	int fails = exit_status() + killed() + exec_busybox() + cloexec() + ppid() + loop(n);
	return fails ? 1 : 0;
}
