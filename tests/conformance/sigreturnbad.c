/* rt_sigreturn to a context the CPU cannot return to (a non-canonical
 * or kernel rip, a non-canonical rsp): Linux's return to user mode
 * faults and the process dies by a signal, as for a valid context it
 * runs on. On cellux the kernel refused the registers, the server ended
 * the thread alone, and its Linux task lived on without one: a process
 * SIGKILL could not end (found by scripts/stress's fuzzer, whose
 * rt_sigreturns read garbage frames). Each case runs in a child given
 * 10 s. */
#include "conf.h"
#include <stdint.h>
#include <sys/wait.h>

static char stack2[65536] __attribute__((aligned(16)));
static uint64_t frame[200] __attribute__((aligned(64)));

static void landed(void)
{
	_exit(42);
}

/* ucontext at frame + 8 (rt_sigreturn reads the frame at rsp - 8);
 * mcontext 40 bytes into it. */
#define MC (48 / 8)

__attribute__((noreturn)) static void sigreturn_with(uint64_t rip, uint64_t rsp, uint64_t rflags)
{
	memset(frame, 0, sizeof frame);
	frame[4] = 2;                          /* uc_stack.ss_flags: SS_DISABLE */
	frame[MC + 15] = rsp;
	frame[MC + 16] = rip;
	frame[MC + 17] = rflags;
	frame[MC + 18] = 0x33 | (0x2bULL << 48); /* cs, ss */
	__asm__ volatile("mov %0, %%rsp; mov $15, %%eax; syscall; ud2" : : "r"((uint64_t)&frame[1]) : "memory");
	__builtin_unreachable();
}

static void run(const char *name, uint64_t rip, uint64_t rsp, uint64_t rflags, int show_signal)
{
	pid_t p = xfork();
	if (p == 0)
		sigreturn_with(rip, rsp, rflags);
	int st = 0, ended = 0;
	for (int i = 0; i < 200 && !ended; i++) {
		if (waitpid(p, &st, WNOHANG) == p)
			ended = 1;
		else
			usleep(50 * 1000);
	}
	if (!ended) {
		kill(p, SIGKILL);
		usleep(500 * 1000);
		printf("%s: still running after 10 s; gone after SIGKILL: %s\n", name, waitpid(p, &st, WNOHANG) == p ? "yes" : "no");
		return;
	}
	if (WIFEXITED(st))
		printf("%s: exit %d\n", name, WEXITSTATUS(st));
	else if (show_signal)
		printf("%s: signal %d\n", name, WTERMSIG(st));
	else
		printf("%s: ended by a signal\n", name);
}

int main(void)
{
	uint64_t good = (uint64_t)(stack2 + sizeof stack2 - 8);
	run("a valid context", (uint64_t)landed, good, 0x202, 1);
	run("rip non-canonical", 0x4141414141414141ULL, good, 0x202, 1);
	run("rip in the kernel half", 0xffff800000001000ULL, good, 0x202, 1);
	run("rip 0", 0, good, 0x202, 1);
	/* Linux: SIGBUS (the stack-segment fault of the first push) */
	run("rsp non-canonical", (uint64_t)landed, 0x4141414141414141ULL, 0x202, 0);
	SHOW("no child left", waitpid(-1, NULL, WNOHANG));
	return 0;
}
