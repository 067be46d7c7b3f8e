/* Signals to a child busy in user mode, never trapping: kill, stop and
 * continue must reach it promptly (asynchronous delivery), with the wait
 * statuses Linux gives. */
#include "conf.h"
#include <sys/wait.h>

static volatile sig_atomic_t hits;
static void on_usr(int s) { (void)s; hits++; }

/* A child that never makes a system call once it has said it started. */
static pid_t spinner(void)
{
	int p[2];
	if (pipe(p) != 0)
		exit(98);
	pid_t c = xfork();
	if (c == 0) {
		signal(SIGUSR1, on_usr);
		if (write(p[1], "r", 1) != 1)
			_exit(97);
		volatile unsigned long n = 0;
		for (;;) {
			n++;
			if (hits)
				_exit(hits > 0 ? 8 : 9);
		}
	}
	char b;
	if (read(p[0], &b, 1) != 1)
		printf("child did not start\n");
	close(p[0]);
	close(p[1]);
	return c;
}

int main(void)
{
	int st;
	pid_t c = spinner();
	SHOW("SIGTERM to a busy child", kill(c, SIGTERM));
	YES("killed by SIGTERM", waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

	c = spinner();
	SHOW("SIGSTOP to a busy child", kill(c, SIGSTOP));
	YES("stopped", waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
	SHOW("SIGCONT", kill(c, SIGCONT));
	YES("continued", waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
	SHOW("SIGUSR1 to its handler", kill(c, SIGUSR1));
	YES("the handler ran in the busy loop", waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 8);
	return 0;
}
