/* A process reaches nothing but its own memory (issue 11's invariant 1):
 * reads, writes and jumps to the server region (where the LKL server is
 * linked, its heap and its window onto physical memory), the kernel's
 * direct map and image, the kernel entry area, the top user page and a
 * non-canonical address each end in SIGSEGV, as they do on Linux for its
 * own kernel half; the same pointers given to system calls give EFAULT. */
#include "conf.h"
#include <setjmp.h>

static sigjmp_buf back;

static void on_segv(int sig)
{
	siglongjmp(back, sig);
}

static const struct {
	const char *what;
	unsigned long at;
} places[] = {
	{ "server region", 0xffffc00000000000UL },
	{ "server image", 0xffffc00000400000UL },
	{ "server heap", 0xffffc02000000000UL },
	{ "server physical window", 0xffffc08000100000UL },
	{ "kernel direct map", 0xffff800000100000UL },
	{ "kernel entry area", 0xffffff0000000000UL },
	{ "kernel image", 0xffffffff80100000UL },
	{ "top page", 0xfffffffffffff000UL },
	{ "non-canonical", 0x0000900000000000UL },
	{ "last user page", 0x00007ffffffff000UL },
};

/* How touching `at` ended: "SIGSEGV" or "no fault". */
static const char *touch(unsigned long at, int how)
{
	volatile unsigned char *p = (volatile unsigned char *)at;
	int sig = sigsetjmp(back, 1);
	if (sig)
		return sig == SIGSEGV ? "SIGSEGV" : "another signal";
	if (how == 0)
		(void)*p;
	else if (how == 1)
		*p = 0x90;
	else
		((void (*)(void))at)();
	return "no fault";
}

int main(void)
{
	static const char *hows[] = { "read", "write", "exec" };
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
	/* A jump to a bad address faults with rsp intact; an alternate stack
	 * keeps the handler safe even so. */
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	sa.sa_flags |= SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	int p[2];
	if (pipe(p) != 0)
		return 1;
	for (unsigned i = 0; i < sizeof places / sizeof places[0]; i++) {
		for (int how = 0; how < 3; how++)
			printf("%s %s: %s\n", hows[how], places[i].what, touch(places[i].at, how));
		char label[96];
		snprintf(label, sizeof label, "write(2) from %s", places[i].what);
		SHOW(label, syscall(SYS_write, p[1], places[i].at, 16));
		write(p[1], "x", 1);
		snprintf(label, sizeof label, "read(2) into %s", places[i].what);
		SHOW(label, syscall(SYS_read, p[0], places[i].at, 1));
		char c;
		read(p[0], &c, 1);
	}
	/* Still whole afterwards. */
	SHOW("getppid works", getppid() > 0);
	return 0;
}
