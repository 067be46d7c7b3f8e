/* vfork and posix_spawn: the child shares its parent's memory until it
 * execs or exits (what it writes there is the parent's to read, which is
 * how busybox's spawn() and glibc's posix_spawn report a failed exec),
 * while its fds, signal dispositions and pid are its own; the parent
 * sleeps until the child execs or exits. The test re-executes itself
 * with "child". */
#include "conf.h"
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static int status_of(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void on_usr1(int s) { (void)s; }

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("child: argc %d argv2 %s\n", argc, argc > 2 ? argv[2] : "-");
		return 9;
	}
	pid_t me = getpid();
	fflush(stdout);

	/* A write in the child is seen by the parent: one memory. */
	volatile int shared = 1;
	volatile pid_t seen_ppid = 0, seen_pid = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared = 42;
		seen_pid = getpid();
		seen_ppid = getppid();
		_exit(3);
	}
	printf("vfork: child's write seen %s (%d)\n", shared == 42 ? "yes" : "no", shared);
	YES("vfork: child's pid is its own", seen_pid == pid && pid != me);
	YES("vfork: child's parent is us", seen_ppid == me);
	printf("vfork: status %d\n", status_of(pid));

	/* busybox's spawn(): the exec's errno comes back through memory. */
	volatile int failed = 0;
	char *missing[] = { "./no-such-program", NULL };
	pid = vfork();
	if (pid == 0) {
		execve(missing[0], missing, environ);
		failed = errno;
		_exit(111);
	}
	printf("vfork exec missing: errno seen %s\n", failed ? ename(failed) : "none");
	printf("vfork exec missing: status %d\n", status_of(pid));

	/* An exec that works: the parent goes on, the child runs the image. */
	char *av[] = { argv[0], "child", "vforked", NULL };
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execve(argv[0], av, environ);
		_exit(111);
	}
	printf("vfork exec: status %d\n", status_of(pid));

	/* The child's fd table and dispositions are copies: closing an fd or
	 * ignoring a signal there leaves the parent's alone. */
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	signal(SIGUSR1, on_usr1);
	pid = vfork();
	if (pid == 0) {
		close(fds[1]);
		signal(SIGUSR1, SIG_IGN);
		_exit(0);
	}
	status_of(pid);
	SHOW("vfork: parent's fd after child closed it", write(fds[1], "x", 1));
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	YES("vfork: parent's handler kept", sa.sa_handler == on_usr1);
	close(fds[0]);
	close(fds[1]);

	/* A child killed by a signal while the parent sleeps in vfork. */
	/* kill(getpid()), not raise(): musl's raise signals its cached tid,
	 * which in a vfork child is still the parent's. */
	pid = vfork();
	if (pid == 0) {
		kill(getpid(), SIGKILL);
		_exit(0);
	}
	printf("vfork killed: status %d\n", status_of(pid));

	/* posix_spawn: both libcs tell a failed exec to the caller. */
	pid_t sp = 0;
	int r = posix_spawn(&sp, "./no-such-program", NULL, NULL, missing, environ);
	printf("posix_spawn missing: %s\n", r ? ename(r) : "0");
	if (r == 0)
		printf("posix_spawn missing: status %d\n", status_of(sp));
	fflush(stdout);
	r = posix_spawn(&sp, argv[0], NULL, NULL, av, environ);
	printf("posix_spawn: %s\n", r ? ename(r) : "0");
	if (r == 0)
		printf("posix_spawn: status %d\n", status_of(sp));
	return 0;
}
