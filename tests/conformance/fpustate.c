/* A process's FPU and SSE state across system calls and signals: every
 * xmm register, MXCSR and the x87 control word come back from a call as
 * they went in (calls served without blocking, one that blocks, one that
 * copies a lot); a signal raised by the process's own call shows the
 * interrupted registers in its frame, starts the handler with a clean
 * state, and what the handler writes into the frame's image is what the
 * interrupted code resumes with. */
#include "conf.h"
#include <stdint.h>
#include <time.h>
#include <ucontext.h>

static uint8_t pattern[256] __attribute__((aligned(16)));
static uint8_t after[256] __attribute__((aligned(16)));

/* One system call with xmm0-15 loaded from `pattern` just before it and
 * stored to `after` just after, so nothing but the call runs between. */
static long call_with_xmm(long nr, long a1, long a2, long a3)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile(
		"movdqa 0(%[in]), %%xmm0\n\t"
		"movdqa 16(%[in]), %%xmm1\n\t"
		"movdqa 32(%[in]), %%xmm2\n\t"
		"movdqa 48(%[in]), %%xmm3\n\t"
		"movdqa 64(%[in]), %%xmm4\n\t"
		"movdqa 80(%[in]), %%xmm5\n\t"
		"movdqa 96(%[in]), %%xmm6\n\t"
		"movdqa 112(%[in]), %%xmm7\n\t"
		"movdqa 128(%[in]), %%xmm8\n\t"
		"movdqa 144(%[in]), %%xmm9\n\t"
		"movdqa 160(%[in]), %%xmm10\n\t"
		"movdqa 176(%[in]), %%xmm11\n\t"
		"movdqa 192(%[in]), %%xmm12\n\t"
		"movdqa 208(%[in]), %%xmm13\n\t"
		"movdqa 224(%[in]), %%xmm14\n\t"
		"movdqa 240(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movdqa %%xmm0, 0(%[out])\n\t"
		"movdqa %%xmm1, 16(%[out])\n\t"
		"movdqa %%xmm2, 32(%[out])\n\t"
		"movdqa %%xmm3, 48(%[out])\n\t"
		"movdqa %%xmm4, 64(%[out])\n\t"
		"movdqa %%xmm5, 80(%[out])\n\t"
		"movdqa %%xmm6, 96(%[out])\n\t"
		"movdqa %%xmm7, 112(%[out])\n\t"
		"movdqa %%xmm8, 128(%[out])\n\t"
		"movdqa %%xmm9, 144(%[out])\n\t"
		"movdqa %%xmm10, 160(%[out])\n\t"
		"movdqa %%xmm11, 176(%[out])\n\t"
		"movdqa %%xmm12, 192(%[out])\n\t"
		"movdqa %%xmm13, 208(%[out])\n\t"
		"movdqa %%xmm14, 224(%[out])\n\t"
		"movdqa %%xmm15, 240(%[out])\n\t"
		: "=a"(ret)
		: "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), [in] "r"(pattern), [out] "r"(after)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret;
}

/* The first xmm register that came back changed (-1: none). */
static int changed_xmm(void)
{
	for (int i = 0; i < 16; i++)
		if (memcmp(pattern + 16 * i, after + 16 * i, 16))
			return i;
	return -1;
}

static unsigned get_mxcsr(void)
{
	unsigned v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(unsigned v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static unsigned short get_fcw(void)
{
	unsigned short v;
	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void set_fcw(unsigned short v)
{
	__asm__ volatile("fldcw %0" : : "m"(v));
}

static volatile int seen_xmm3, seen_mxcsr, handler_clean, handler_ran;
static const uint32_t rewritten = 0x5eed1e55;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint32_t want;
	(void)sig;
	(void)si;
	handler_ran = 1;
	memcpy(&want, pattern + 48, 4);
	seen_xmm3 = uc->uc_mcontext.fpregs && uc->uc_mcontext.fpregs->_xmm[3].element[0] == want;
	seen_mxcsr = uc->uc_mcontext.fpregs && (uc->uc_mcontext.fpregs->mxcsr & 0x6000) == 0x2000;
	/* Linux starts a handler with the FPU in its initial state. */
	handler_clean = get_mxcsr() == 0x1f80;
	/* The handler's own use of the registers must not leak out, and its
	 * write into the frame's image must. */
	set_mxcsr(0x1f80 | 0x6000);
	__asm__ volatile("pcmpeqd %%xmm5, %%xmm5\n\tpcmpeqd %%xmm9, %%xmm9" : : : "xmm5", "xmm9");
	if (uc->uc_mcontext.fpregs)
		uc->uc_mcontext.fpregs->_xmm[5].element[0] = rewritten;
}

int main(void)
{
	int fds[2];
	char buf[64];
	static char big[1 << 20];
	struct stat st;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < 256; i++)
		pattern[i] = (uint8_t)(i * 37 + 11);

	call_with_xmm(SYS_getppid, 0, 0, 0);
	printf("getppid: xmm changed %d\n", changed_xmm());
	call_with_xmm(SYS_getpid + 100000, 0, 0, 0);
	printf("unknown call: xmm changed %d\n", changed_xmm());
	call_with_xmm(SYS_stat, (long)"/", (long)&st, 0);
	printf("stat: xmm changed %d\n", changed_xmm());

	if (pipe(fds))
		return 1;
	SHOW("write", call_with_xmm(SYS_write, fds[1], (long)"fpu", 3));
	printf("write: xmm changed %d\n", changed_xmm());
	SHOW("read", call_with_xmm(SYS_read, fds[0], (long)buf, sizeof buf));
	printf("read: xmm changed %d\n", changed_xmm());

	/* Blocks: the thread sleeps in the server and is switched back. */
	SHOW("nanosleep", call_with_xmm(SYS_nanosleep, (long)&ts, 0, 0));
	printf("nanosleep: xmm changed %d\n", changed_xmm());

	int fd = open("/tmp/fpustate.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(big, 'x', sizeof big);
	SHOW("write 1 MiB", call_with_xmm(SYS_write, fd, (long)big, sizeof big));
	printf("write 1 MiB: xmm changed %d\n", changed_xmm());
	SHOW("pread 1 MiB", call_with_xmm(SYS_pread64, fd, (long)big, sizeof big));
	printf("pread 1 MiB: xmm changed %d\n", changed_xmm());
	close(fd);
	unlink("/tmp/fpustate.tmp");

	/* Rounding mode and precision control, across calls. */
	set_mxcsr(0x1f80 | 0x2000);
	set_fcw(0x027f);
	call_with_xmm(SYS_getppid, 0, 0, 0);
	call_with_xmm(SYS_nanosleep, (long)&ts, 0, 0);
	YES("mxcsr kept", get_mxcsr() == (0x1f80 | 0x2000));
	YES("x87 control word kept", get_fcw() == 0x027f);

	/* A signal the process's own call raises, with MXCSR still set. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	SHOW("kill self", call_with_xmm(SYS_kill, getpid(), SIGUSR1, 0));
	YES("handler ran", handler_ran);
	YES("frame holds the caller's xmm3", seen_xmm3);
	YES("frame holds the caller's mxcsr", seen_mxcsr);
	YES("handler starts clean", handler_clean);
	uint32_t x5;
	memcpy(&x5, after + 80, 4);
	YES("xmm5 is what the handler wrote", x5 == rewritten);
	YES("xmm9 kept", !memcmp(pattern + 144, after + 144, 16));
	YES("mxcsr back", get_mxcsr() == (0x1f80 | 0x2000));
	set_mxcsr(0x1f80);
	set_fcw(0x037f);
	return 0;
}
