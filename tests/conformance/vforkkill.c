/* SIGKILL ends a vfork parent while its child still runs: Linux's vfork
 * wait is killable (the child goes on alone in the address space). On
 * cellux the parent waited for its child in the server, where no signal
 * reached it: a vfork child that never exec'd nor ended left a parent
 * that SIGKILL could not end (found by scripts/stress's fuzzer: a
 * CLONE_VM|CLONE_VFORK clone whose child ran off on a garbage stack). */
#include "conf.h"
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

static int spin(void *fd)
{
	pid_t me = syscall(SYS_getpid);
	if (write(*(int *)fd, &me, sizeof me) != sizeof me)
		syscall(SYS_exit, 2);
	for (;;)
		;
}

/* waitpid with a deadline: the pid when it ended in time, else 0. */
static pid_t wait_until(pid_t pid, int *st, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		pid_t r = waitpid(pid, st, WNOHANG);
		if (r != 0)
			return r;
		usleep(50 * 1000);
	}
	return 0;
}

int main(void)
{
	int p[2];
	if (pipe(p) != 0)
		return 99;
	pid_t runner = xfork();
	if (runner == 0) {
		static char stack[64 * 1024];
		clone(spin, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &p[1]);
		/* Not reached while the child spins. */
		_exit(5);
	}
	pid_t child = 0;
	SHOW("the vfork child reports", read(p[0], &child, sizeof child) == sizeof child);
	usleep(200 * 1000);
	SHOW("SIGKILL to the waiting parent", kill(runner, SIGKILL));
	int st = 0;
	pid_t r = wait_until(runner, &st, 10);
	YES("the parent ended within 10 s", r == runner);
	YES("by SIGKILL", r == runner && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* The child, orphaned now, spins on; end it. */
	SHOW("SIGKILL to the child", kill(child, SIGKILL));
	if (r != runner)
		r = wait_until(runner, &st, 10);
	YES("the parent gone in the end", r == runner);
	return 0;
}
