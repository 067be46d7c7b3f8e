/* Signal handlers with siginfo, masks, pending sets, sigsuspend and
 * rt_sigtimedwait: relations (si_pid is the sender, si_code its kind),
 * never the numbers themselves. Every signal arrives while the receiver is
 * in a call or sends it to itself. */
#include "conf.h"
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t hits, last_signo, last_code, last_value;
static volatile pid_t last_pid;
static volatile int order[8], norder;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_value = si->si_value.sival_int;
	if (norder < 8)
		order[norder++] = sig;
}

static const char *code_name(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TKILL: return "SI_TKILL";
	case CLD_EXITED: return "CLD_EXITED";
	default: return "other";
	}
}

static void catch(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static void block(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

int main(void)
{
	pid_t me = getpid();
	catch(SIGUSR1);
	hits = 0;
	SHOW("kill self SIGUSR1", kill(me, SIGUSR1));
	printf("hits %d signo %d code %s pid is self %s\n", hits, last_signo, code_name(last_code),
	       last_pid == me ? "yes" : "no");

	union sigval v = { .sival_int = 1234 };
	hits = 0;
	SHOW("sigqueue SIGUSR1", sigqueue(me, SIGUSR1, v));
	printf("hits %d code %s value %d\n", hits, code_name(last_code), last_value);

	hits = 0;
	SHOW("tgkill self", syscall(SYS_tgkill, me, me, SIGUSR1));
	printf("hits %d code %s\n", hits, code_name(last_code));

	/* Blocked: pending, not delivered; standard signals coalesce. */
	block(SIG_BLOCK, SIGUSR1);
	hits = 0;
	kill(me, SIGUSR1);
	kill(me, SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	printf("blocked: hits %d pending %s\n", hits, sigismember(&pend, SIGUSR1) ? "yes" : "no");
	block(SIG_UNBLOCK, SIGUSR1);
	printf("unblocked: hits %d\n", hits);
	sigpending(&pend);
	YES("pending cleared", !sigismember(&pend, SIGUSR1));

	/* Real-time signals queue, each with its value, lowest number first. */
	int rt = SIGRTMIN + 2;
	catch(rt);
	catch(rt + 1);
	block(SIG_BLOCK, rt);
	block(SIG_BLOCK, rt + 1);
	hits = 0;
	norder = 0;
	for (int i = 0; i < 3; i++) {
		v.sival_int = 10 + i;
		sigqueue(me, rt + 1, v);
		sigqueue(me, rt, v);
	}
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, rt);
	sigaddset(&both, rt + 1);
	sigprocmask(SIG_UNBLOCK, &both, NULL);
	printf("rt: hits %d last value %d\n", hits, last_value);
	printf("rt order:");
	for (int i = 0; i < norder; i++)
		printf(" %s", order[i] == rt ? "lo" : "hi");
	printf("\n");

	/* A child's kill: si_pid is the child. */
	block(SIG_BLOCK, SIGUSR2);
	catch(SIGUSR2);
	pid_t c = xfork();
	if (c == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	sigset_t none;
	sigemptyset(&none);
	hits = 0;
	SHOW("sigsuspend", sigsuspend(&none));
	printf("after sigsuspend: hits %d signo is SIGUSR2 %s pid is child %s code %s\n", hits,
	       last_signo == SIGUSR2 ? "yes" : "no", last_pid == c ? "yes" : "no", code_name(last_code));
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	YES("mask restored after sigsuspend", sigismember(&now, SIGUSR2) && sigismember(&now, SIGUSR1) == 0);
	waitpid(c, NULL, 0);

	/* SIGCHLD's siginfo. */
	catch(SIGCHLD);
	block(SIG_BLOCK, SIGCHLD);
	c = xfork();
	if (c == 0)
		_exit(7);
	hits = 0;
	sigsuspend(&none);
	printf("SIGCHLD: hits %d code %s pid is child %s\n", hits, code_name(last_code), last_pid == c ? "yes" : "no");
	waitpid(c, NULL, 0);
	signal(SIGCHLD, SIG_DFL);

	/* rt_sigtimedwait: takes a pending blocked signal without a handler. */
	siginfo_t si;
	struct timespec zero = { 0, 0 }, short_wait = { 0, 20000000 };
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR2);
	SHOW("sigtimedwait nothing pending, zero timeout", sigtimedwait(&w, &si, &zero));
	SHOW("sigtimedwait nothing pending, 20ms", sigtimedwait(&w, &si, &short_wait));
	hits = 0;
	kill(me, SIGUSR2);
	memset(&si, 0, sizeof si);
	SHOW("sigtimedwait pending SIGUSR2", sigtimedwait(&w, &si, &zero));
	printf("handler ran %d code %s pid is self %s\n", hits, code_name(si.si_code), si.si_pid == me ? "yes" : "no");
	c = xfork();
	if (c == 0) {
		v.sival_int = 77;
		sigqueue(getppid(), SIGUSR2, v);
		_exit(0);
	}
	memset(&si, 0, sizeof si);
	SHOW("sigwaitinfo from a child", sigwaitinfo(&w, &si));
	printf("code %s value %d pid is child %s\n", code_name(si.si_code), si.si_value.sival_int,
	       si.si_pid == c ? "yes" : "no");
	waitpid(c, NULL, 0);
	SHOW("sigtimedwait bad timeout", sigtimedwait(&w, &si, &(struct timespec){ 0, 2000000000 }));
	SHOW("rt_sigprocmask bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 4));
	SHOW("rt_sigprocmask bad how", syscall(SYS_rt_sigprocmask, 7, &w, NULL, 8));
	SHOW("sigaction SIGKILL", sigaction(SIGKILL, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL));
	SHOW("kill bad signal", kill(me, 65));
	return 0;
}
