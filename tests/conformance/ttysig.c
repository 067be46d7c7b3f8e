/* Job-control signals from a terminal, on a pseudo-terminal: the keys
 * VINTR, VQUIT and VSUSP send SIGINT, SIGQUIT and SIGTSTP to the
 * foreground process group only; a background group that reads its
 * controlling terminal gets SIGTTIN (EIO when ignored), one that writes
 * with TOSTOP set gets SIGTTOU, and SIGTTIN's default action stops it.
 *
 * main (outside the session) types on the master. S leads a session with
 * the slave as controlling terminal; G (a group of its own) is put in the
 * foreground for the keys; B and B2 are background groups of S's session
 * (not orphaned: S, their parent, is in the same session). */
#include "conf.h"
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int g2s[2];
static volatile sig_atomic_t last_sig;

static void report(int sig)
{
	char b = (char)sig;
	if (write(g2s[1], &b, 1) != 1)
		_exit(80);
}

static void note(int sig)
{
	last_sig = sig;
}

static void on(int sig, void (*h)(int))
{
	struct sigaction sa = { 0 };
	sa.sa_handler = h; /* no SA_RESTART: the interrupted call returns EINTR */
	sigaction(sig, &sa, NULL);
}

static void byte_in(int fd)
{
	char b;
	if (read(fd, &b, 1) != 1)
		_exit(81);
}

static void byte_out(int fd)
{
	if (write(fd, "k", 1) != 1)
		_exit(82);
}

/* The foreground group G: reports each keyboard signal to S. */
static void foreground_child(int ready)
{
	setpgid(0, 0);
	on(SIGINT, report);
	on(SIGQUIT, report);
	on(SIGTSTP, report);
	byte_out(ready);
	for (;;)
		pause();
}

/* A background group B: reads and writes the controlling terminal. */
static void background_child(int tty)
{
	setpgid(0, 0);
	on(SIGTTIN, note);
	on(SIGTTOU, note);
	char c;
	last_sig = 0;
	SHOW("background read", read(tty, &c, 1));
	YES("  SIGTTIN caught", last_sig == SIGTTIN);
	last_sig = 0;
	SHOW("background write with TOSTOP", write(tty, "x", 1));
	YES("  SIGTTOU caught", last_sig == SIGTTOU);
	signal(SIGTTIN, SIG_IGN);
	SHOW("background read, SIGTTIN ignored", read(tty, &c, 1));
	signal(SIGTTOU, SIG_IGN);
	SHOW("background write, SIGTTOU ignored", write(tty, "y", 1));
	fflush(stdout);
	_exit(4);
}

static void session_leader(const char *name, int to_main)
{
	if (setsid() < 0)
		_exit(90);
	int tty = open(name, O_RDWR); /* no O_NOCTTY: becomes the ctty */
	if (tty < 0)
		_exit(91);
	YES("S is the foreground group", tcgetpgrp(tty) == getpgrp());
	if (pipe(g2s))
		_exit(92);
	int ready[2];
	if (pipe(ready))
		_exit(93);
	fflush(stdout);
	pid_t g = fork();
	if (g == 0)
		foreground_child(ready[1]);
	setpgid(g, g);
	byte_in(ready[0]);
	SHOW("tcsetpgrp to G", tcsetpgrp(tty, g));
	YES("G is the foreground group", tcgetpgrp(tty) == g);
	static const char *names[] = { "VINTR", "VQUIT", "VSUSP" };
	for (int i = 0; i < 3; i++) {
		byte_out(to_main); /* main types the next key */
		char sig;
		if (read(g2s[0], &sig, 1) != 1)
			_exit(94);
		printf("%s key: G got %s\n", names[i], sig == SIGINT ? "SIGINT" : sig == SIGQUIT ? "SIGQUIT" : sig == SIGTSTP ? "SIGTSTP" : "other");
	}
	kill(g, SIGKILL);
	int st;
	waitpid(g, &st, 0);
	/* S is background now; its group is orphaned (its parent is in
	 * another session), so only with SIGTTOU ignored may it take the
	 * terminal back. */
	SHOW("S tcsetpgrp from background, orphaned", tcsetpgrp(tty, getpgrp()));
	signal(SIGTTOU, SIG_IGN);
	SHOW("S tcsetpgrp, SIGTTOU ignored", tcsetpgrp(tty, getpgrp()));
	signal(SIGTTOU, SIG_DFL);
	struct termios t;
	tcgetattr(tty, &t);
	t.c_lflag |= TOSTOP;
	SHOW("S sets TOSTOP", tcsetattr(tty, TCSANOW, &t));

	fflush(stdout);
	pid_t b = fork();
	if (b == 0)
		background_child(tty);
	waitpid(b, &st, 0);
	printf("B exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* SIGTTIN's default action: the reader stops. */
	fflush(stdout);
	pid_t b2 = fork();
	if (b2 == 0) {
		setpgid(0, 0);
		char c;
		ssize_t n = read(tty, &c, 1);
		_exit(n < 0 ? 5 : 6);
	}
	waitpid(b2, &st, WUNTRACED);
	printf("B2 stopped by %s\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN ? "SIGTTIN" : "something else");
	kill(b2, SIGKILL);
	waitpid(b2, &st, 0);
	printf("B2 killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	fflush(stdout);
	_exit(3);
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	YES("posix_openpt", m >= 0);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 1;
	char name[64];
	snprintf(name, sizeof name, "%s", ptsname(m));
	int s2m[2];
	if (pipe(s2m))
		return 1;
	pid_t s = xfork();
	if (s == 0)
		session_leader(name, s2m[1]);
	close(s2m[1]);
	static const char keys[] = { 0x03, 0x1c, 0x1a }; /* ^C ^\ ^Z */
	for (int i = 0; i < 3; i++) {
		byte_in(s2m[0]);
		if (write(m, &keys[i], 1) != 1)
			return 1;
	}
	int st;
	waitpid(s, &st, 0);
	printf("S exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(m);
	return 0;
}
