/* Forks that Linux refuses under RLIMIT_NPROC: an unprivileged user at
 * its process limit gets EAGAIN from fork, again and again, and the
 * refusals leave the refused parent whole: it forks again once a child
 * is reaped. On cellux a refused fork freed the parent's own thread
 * state along with the half-made child, and the next switch to the
 * parent panicked the server ("CPU released by a thread that does not
 * own it"). */
#include "conf.h"
#include <sys/resource.h>
#include <sys/wait.h>

#define LIMIT 8

int main(void)
{
	pid_t runner = xfork();
	if (runner == 0) {
		/* root is exempt from RLIMIT_NPROC: be nobody */
		if (setgid(65534) != 0 || setuid(65534) != 0) {
			printf("setuid nobody: %s\n", ename(errno));
			_exit(1);
		}
		struct rlimit lim = { LIMIT, LIMIT };
		SHOW("setrlimit NPROC", setrlimit(RLIMIT_NPROC, &lim));
		pid_t kids[LIMIT + 1];
		int made = 0, err = 0;
		while (made <= LIMIT) {
			pid_t p = fork();
			if (p == 0) {
				pause();
				_exit(0);
			}
			if (p < 0) {
				err = errno;
				break;
			}
			kids[made++] = p;
		}
		YES("a fork was refused within the limit", made < LIMIT + 1 && made > 0);
		printf("refused with %s\n", ename(err));
		int again = 0;
		for (int i = 0; i < 50; i++)
			if (fork() == -1 && errno == EAGAIN)
				again++;
		printf("50 more forks refused with EAGAIN: %d\n", again);
		YES("still ourselves after the refusals", getpid() == (pid_t)syscall(SYS_getpid));
		kill(kids[0], SIGKILL);
		SHOW("reap one", waitpid(kids[0], NULL, 0) == kids[0]);
		pid_t p = fork();
		if (p == 0)
			_exit(3);
		int st = 0;
		YES("a fork succeeds after the reap", p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 3);
		for (int i = 1; i < made; i++) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
		fflush(stdout);
		_exit(0);
	}
	int st = 0;
	SHOW("runner reaped", waitpid(runner, &st, 0) == runner);
	YES("runner exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}
