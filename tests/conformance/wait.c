/* fork and the wait family: exited, signaled, stopped and continued
 * children seen through waitpid's status and waitid's siginfo. Children
 * are stopped or killed only while blocked in a call (pause, read), never
 * while busy in user mode. */
#include "conf.h"
#include <sys/wait.h>

/* A child that tells the parent it is about to block, then pauses. Its
 * own process group: ours is orphaned (we lead a session), where Linux
 * discards SIGTSTP; the child's group has a parent outside it. */
static pid_t paused_child(void)
{
	int p[2];
	if (pipe(p) != 0)
		exit(98);
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[0]);
		setpgid(0, 0);
		if (write(p[1], "r", 1) != 1)
			_exit(97);
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	if (read(p[0], &c, 1) != 1)
		printf("child did not start\n");
	close(p[0]);
	return pid;
}

static void show_status(const char *label, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", label, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: signaled %d\n", label, WTERMSIG(st));
	else if (WIFSTOPPED(st))
		printf("%s: stopped %d\n", label, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", label);
	else
		printf("%s: status %#x\n", label, st);
}

static void show_info(const char *label, siginfo_t *si, pid_t pid)
{
	const char *code = "?";
	switch (si->si_code) {
	case CLD_EXITED: code = "CLD_EXITED"; break;
	case CLD_KILLED: code = "CLD_KILLED"; break;
	case CLD_DUMPED: code = "CLD_DUMPED"; break;
	case CLD_STOPPED: code = "CLD_STOPPED"; break;
	case CLD_CONTINUED: code = "CLD_CONTINUED"; break;
	}
	printf("%s: signo %d code %s status %d pid match %s\n", label, si->si_signo, code,
	       si->si_status, si->si_pid == pid ? "yes" : "no");
}

int main(void)
{
	int st;
	SHOW("wait with no children", wait(&st));
	SHOW("waitpid WNOHANG with no children", waitpid(-1, &st, WNOHANG));

	pid_t c = xfork();
	if (c == 0)
		_exit(3);
	YES("waitpid returns the child", waitpid(c, &st, 0) == c);
	show_status("exit 3", st);

	c = xfork();
	if (c == 0)
		exit(200);
	YES("wait returns the child", wait(&st) == c);
	show_status("exit 200", st);

	c = paused_child();
	SHOW("WNOHANG while it runs", waitpid(c, &st, WNOHANG));
	SHOW("kill SIGTERM", kill(c, SIGTERM));
	YES("waitpid returns it", waitpid(c, &st, 0) == c);
	show_status("SIGTERM", st);

	c = paused_child();
	SHOW("kill SIGKILL", kill(c, SIGKILL));
	YES("waitpid returns it", waitpid(c, &st, 0) == c);
	show_status("SIGKILL", st);

	c = paused_child();
	SHOW("kill SIGSTOP", kill(c, SIGSTOP));
	YES("WUNTRACED returns it", waitpid(c, &st, WUNTRACED) == c);
	show_status("SIGSTOP", st);
	SHOW("stopped already reported", waitpid(c, &st, WUNTRACED | WNOHANG));
	SHOW("kill SIGCONT", kill(c, SIGCONT));
	YES("WCONTINUED returns it", waitpid(c, &st, WCONTINUED) == c);
	show_status("SIGCONT", st);
	SHOW("kill SIGTSTP", kill(c, SIGTSTP));
	YES("WUNTRACED returns it", waitpid(c, &st, WUNTRACED) == c);
	show_status("SIGTSTP", st);
	kill(c, SIGCONT);
	kill(c, SIGKILL);
	YES("reaped", waitpid(c, &st, 0) == c);
	show_status("killed after continue", st);

	/* waitid: the same events as siginfo, and WNOWAIT leaving them. */
	siginfo_t si;
	c = xfork();
	if (c == 0)
		_exit(42);
	memset(&si, 0, sizeof si);
	SHOW("waitid WEXITED|WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	show_info("peeked", &si, c);
	memset(&si, 0, sizeof si);
	SHOW("waitid WEXITED", waitid(P_ALL, 0, &si, WEXITED));
	show_info("exit 42", &si, c);
	SHOW("gone after waitid", waitpid(c, &st, WNOHANG));

	c = paused_child();
	memset(&si, 0xff, sizeof si);
	SHOW("waitid WNOHANG, nothing yet", waitid(P_PID, c, &si, WEXITED | WNOHANG));
	YES("si_pid cleared", si.si_pid == 0);
	kill(c, SIGSTOP);
	memset(&si, 0, sizeof si);
	SHOW("waitid WSTOPPED", waitid(P_PID, c, &si, WSTOPPED));
	show_info("stopped", &si, c);
	kill(c, SIGCONT);
	memset(&si, 0, sizeof si);
	SHOW("waitid WCONTINUED", waitid(P_PID, c, &si, WCONTINUED));
	show_info("continued", &si, c);
	kill(c, SIGUSR1);
	memset(&si, 0, sizeof si);
	SHOW("waitid WEXITED", waitid(P_PID, c, &si, WEXITED));
	show_info("SIGUSR1", &si, c);

	c = xfork();
	if (c == 0)
		_exit(0);
	YES("waitid P_PGID of ours", waitid(P_PGID, getpgrp(), &si, WEXITED) == 0 && si.si_pid == c);
	SHOW("waitid bad options", waitid(P_ALL, 0, &si, 0));
	SHOW("waitid bad idtype", waitid((idtype_t)42, 0, &si, WEXITED));
	SHOW("waitpid bad options", waitpid(-1, &st, 0x40000000));
	return 0;
}
