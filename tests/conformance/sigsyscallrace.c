/* A signal sent while its target is in the middle of a system call's way
 * back, after the look for pending signals, must still be delivered once
 * the target is in user mode, even if it makes no system call again.
 * The target loops on getppid until the sender says it has sent, then
 * spins without trapping until its handler has run (or a few seconds of
 * TSC ticks have passed: the signal was lost). Over many rounds the
 * sender's kill lands at every point of the call, the window after the
 * look included (cellux: the kick of a thread still in the server). */
#include "conf.h"
#include <sys/mman.h>
#include <sched.h>
#include <x86intrin.h>

#define ROUNDS 300
#define PATIENCE (8ull << 30) /* TSC ticks: seconds on any host */

static volatile sig_atomic_t got;
static void on_usr(int s) { (void)s; got = 1; }

struct shared {
	volatile int round;
	volatile int sent;
};

int main(void)
{
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("mmap: %s\n", ename(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_usr };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t me = getpid();
	pid_t c = xfork();
	if (c == 0) {
		for (int r = 1; r <= ROUNDS; r++) {
			while (sh->round != r)
				if (sh->round < 0)
					_exit(0);
				else
					sched_yield();
			kill(me, SIGUSR1);
			sh->sent = r;
		}
		_exit(0);
	}
	int lost = 0;
	for (int r = 1; r <= ROUNDS && !lost; r++) {
		got = 0;
		sh->round = r;
		while (sh->sent != r)
			syscall(SYS_getppid);
		unsigned long long t0 = __rdtsc();
		while (!got && __rdtsc() - t0 < PATIENCE)
			;
		lost += !got;
	}
	sh->round = -1;
	int st;
	pid_t w;
	while ((w = waitpid(c, &st, 0)) < 0 && errno == EINTR)
		;
	YES("the sender ended", w == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("signals lost after a syscall: %d\n", lost);
	return 0;
}
