/* Signal delivery cases, one per argv[1]; each prints "ok CASE" and exits
 * 0 when the process saw what Linux gives (checked natively too). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_signo, last_code, last_pid;
static volatile uintptr_t last_sp;
static sigjmp_buf jb;

static int fail(const char *what)
{
	printf("FAIL %s (errno %d)\n", what, errno);
	return 1;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_sp = (uintptr_t)&sig;
}

static void on_plain(int sig)
{
	(void)sig;
	hits++;
}

static void on_reenter(int sig)
{
	hits++;
	if (hits == 1)
		raise(sig); /* SA_NODEFER: runs nested at once */
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static int set(int sig, void (*h)(int), void (*a)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	if (a) {
		sa.sa_sigaction = a;
		flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = h;
	}
	sa.sa_flags = flags;
	return sigaction(sig, &sa, NULL);
}

static int case_kill(void)
{
	if (set(SIGUSR1, NULL, on_info, 0) || kill(getpid(), SIGUSR1))
		return fail("kill");
	if (hits != 1 || last_signo != SIGUSR1 || last_code != SI_USER || last_pid != getpid())
		return fail("siginfo");
	return 0;
}

static int case_mask(void)
{
	sigset_t s, p;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	if (set(SIGUSR2, on_plain, NULL, 0) || sigprocmask(SIG_BLOCK, &s, NULL) || raise(SIGUSR2))
		return fail("block");
	if (hits != 0 || sigpending(&p) || !sigismember(&p, SIGUSR2))
		return fail("pending");
	if (sigprocmask(SIG_UNBLOCK, &s, NULL) || hits != 1)
		return fail("unblock delivers");
	return 0;
}

static int case_resethand(void)
{
	struct sigaction old;
	if (set(SIGUSR1, on_plain, NULL, SA_RESETHAND) || raise(SIGUSR1) || hits != 1)
		return fail("first");
	if (sigaction(SIGUSR1, NULL, &old) || old.sa_handler != SIG_DFL)
		return fail("reset");
	return 0;
}

static int case_nodefer(void)
{
	if (set(SIGUSR1, on_reenter, NULL, SA_NODEFER) || raise(SIGUSR1) || hits != 2)
		return fail("nested");
	return 0;
}

static int case_altstack(void)
{
	static char stk[65536];
	stack_t ss = { .ss_sp = stk, .ss_size = sizeof(stk), .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) || set(SIGUSR1, NULL, on_info, SA_ONSTACK) || raise(SIGUSR1))
		return fail("altstack");
	if (hits != 1 || last_sp < (uintptr_t)stk || last_sp >= (uintptr_t)stk + sizeof(stk))
		return fail("not on the alternate stack");
	return 0;
}

static int case_segv(void)
{
	volatile int *p = NULL;
	if (set(SIGSEGV, on_segv, NULL, 0))
		return fail("sigaction");
	if (sigsetjmp(jb, 1) == 0) {
		(void)*p;
		return fail("no fault");
	}
	/* Again: the mask was restored by siglongjmp. */
	if (sigsetjmp(jb, 1) == 0) {
		*p = 1;
		return fail("no second fault");
	}
	return 0;
}

static int case_alarm(void)
{
	if (set(SIGALRM, on_plain, NULL, 0))
		return fail("sigaction");
	alarm(1);
	if (pause() != -1 || errno != EINTR || hits != 1)
		return fail("pause");
	return 0;
}

static int feed_fd = -1;

static void on_feed(int sig)
{
	(void)sig;
	hits++;
	if (feed_fd >= 0)
		write(feed_fd, "x", 1);
}

static int pipe_read(int flags, int want_ret, int want_errno)
{
	int fds[2];
	char c;
	if (pipe(fds))
		return fail("pipe");
	/* The restarted read needs data: the handler writes it. */
	feed_fd = flags & SA_RESTART ? fds[1] : -1;
	if (set(SIGALRM, on_feed, NULL, flags))
		return fail("sigaction");
	alarm(1);
	int r = read(fds[0], &c, 1);
	if (r != want_ret || (r < 0 && errno != want_errno) || hits != 1)
		return fail("read");
	return 0;
}

static int case_term(void)
{
	kill(getpid(), SIGTERM);
	return fail("survived SIGTERM");
}

static int case_ignore(void)
{
	signal(SIGUSR1, SIG_IGN);
	if (raise(SIGUSR1))
		return fail("raise");
	return 0;
}

static int case_nohandler_segv(void)
{
	volatile int *p = NULL;
	*p = 1;
	return fail("survived");
}

/* The cases below have a process busy in user mode, making no system
 * call, when its signal comes: only an asynchronous interruption reaches
 * it. A lost signal hangs the case (the runner's timeout fails it). */

static volatile sig_atomic_t flag;
static volatile unsigned long spins;

static void on_flag(int sig)
{
	(void)sig;
	hits++;
	flag = 1;
}

/* A child spinning in user mode once it has said so on the pipe. */
static pid_t busy_child(void)
{
	int fds[2];
	char c;
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		write(fds[1], "r", 1);
		for (;;)
			spins++;
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &c, 1) != 1)
		return -1;
	close(fds[0]);
	return pid;
}

static int case_busy_kill(int sig)
{
	int st;
	pid_t pid = busy_child();
	if (pid < 0 || kill(pid, sig))
		return fail("fork/kill");
	if (waitpid(pid, &st, 0) != pid)
		return fail("waitpid");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
		return fail("not killed by the signal");
	return 0;
}

static int case_busy_alarm(void)
{
	if (set(SIGALRM, on_flag, NULL, 0))
		return fail("sigaction");
	alarm(1);
	while (!flag)
		spins++;
	if (hits != 1)
		return fail("handler");
	return 0;
}

static int case_itimer(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { 0 };
	if (set(SIGALRM, on_plain, NULL, 0) || setitimer(ITIMER_REAL, &it, NULL))
		return fail("setitimer");
	while (hits < 3)
		spins++;
	if (setitimer(ITIMER_REAL, &off, NULL))
		return fail("disarm");
	return 0;
}

/* SIGSTOP really stops a busy child: a SIGTERM sent while it is stopped
 * stays pending until SIGCONT, and the parent sees stop and continue. */
static int case_busy_stop(void)
{
	int st;
	pid_t pid = busy_child();
	if (pid < 0 || kill(pid, SIGSTOP))
		return fail("fork/stop");
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
		return fail("stop not seen");
	if (kill(pid, SIGCONT) || waitpid(pid, &st, WCONTINUED) != pid || !WIFCONTINUED(st))
		return fail("continue not seen");
	if (kill(pid, SIGSTOP) || waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		return fail("second stop not seen");
	if (kill(pid, SIGTERM))
		return fail("term");
	usleep(300000);
	if (waitpid(pid, &st, WNOHANG) != 0)
		return fail("a stopped child took SIGTERM");
	if (kill(pid, SIGCONT) || waitpid(pid, &st, 0) != pid)
		return fail("cont/wait");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		return fail("pending SIGTERM not taken after SIGCONT");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	const char *c = argv[1];
	int r = !strcmp(c, "kill") ? case_kill()
		: !strcmp(c, "mask") ? case_mask()
		: !strcmp(c, "resethand") ? case_resethand()
		: !strcmp(c, "nodefer") ? case_nodefer()
		: !strcmp(c, "altstack") ? case_altstack()
		: !strcmp(c, "segv") ? case_segv()
		: !strcmp(c, "alarm") ? case_alarm()
		: !strcmp(c, "eintr") ? pipe_read(0, -1, EINTR)
		: !strcmp(c, "restart") ? pipe_read(SA_RESTART, 1, 0)
		: !strcmp(c, "term") ? case_term()
		: !strcmp(c, "ignore") ? case_ignore()
		: !strcmp(c, "segv_default") ? case_nohandler_segv()
		: !strcmp(c, "busy_term") ? case_busy_kill(SIGTERM)
		: !strcmp(c, "busy_kill") ? case_busy_kill(SIGKILL)
		: !strcmp(c, "busy_alarm") ? case_busy_alarm()
		: !strcmp(c, "itimer") ? case_itimer()
		: !strcmp(c, "busy_stop") ? case_busy_stop()
		: 2;
	if (r == 0)
		printf("ok %s\n", c);
	return r;
}
