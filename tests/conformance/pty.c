/* A pseudo-terminal pair: /dev/ptmx, grantpt/unlockpt/ptsname, data both
 * ways in raw and canonical modes with echo and output processing, and a
 * child in a session of its own with the slave as controlling tty. */
#include "conf.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

/* Everything the master has to read now (the tty layer may hand it over
 * in pieces, so pieces are joined), shown with \r and \n visible. */
static void drain(const char *label, int m)
{
	char buf[256], out[512];
	size_t o = 0;
	int avail = 0;
	for (int tries = 0; tries < 10000; tries++) {
		if (ioctl(m, FIONREAD, &avail) == 0 && avail > 0)
			break;
		usleep(1000);
	}
	/* Then until it stays quiet for 200 ms: Linux's pty hands echo over
	 * from a work item, so "ab" and "c\r\n" may come apart. */
	ssize_t n = 0;
	struct pollfd p = { .fd = m, .events = POLLIN };
	while (avail > 0 && n < (ssize_t)sizeof buf) {
		ssize_t r = read(m, buf + n, sizeof buf - n);
		if (r <= 0)
			break;
		n += r;
		if (poll(&p, 1, 200) <= 0)
			break;
	}
	for (ssize_t i = 0; i < n && o < sizeof out - 3; i++) {
		if (buf[i] == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
		else if (buf[i] == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
		else out[o++] = buf[i];
	}
	out[o] = 0;
	printf("%s: [%s]\n", label, out);
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	YES("posix_openpt", m >= 0);
	SHOW("grantpt", grantpt(m));
	SHOW("unlockpt", unlockpt(m));
	char *name = ptsname(m);
	YES("ptsname under /dev/pts/", name && strncmp(name, "/dev/pts/", 9) == 0);
	int ptn = -1;
	SHOW("TIOCGPTN", ioctl(m, TIOCGPTN, &ptn));
	char want[32];
	snprintf(want, sizeof want, "/dev/pts/%d", ptn);
	YES("TIOCGPTN agrees with ptsname", name && strcmp(name, want) == 0);
	int s = open(name, O_RDWR | O_NOCTTY);
	YES("open slave", s >= 0);
	YES("isatty(slave)", isatty(s));
	YES("isatty(master)", isatty(m));
	struct stat st;
	fstat(s, &st);
	YES("slave is a char device", S_ISCHR(st.st_mode));

	/* Canonical mode with echo: a line reaches the slave whole, echo and
	 * ONLCR come back to the master. */
	struct termios t;
	SHOW("tcgetattr", tcgetattr(s, &t));
	YES("ICANON on", t.c_lflag & ICANON);
	YES("ECHO on", t.c_lflag & ECHO);
	SHOW("master writes a line", write(m, "hello\n", 6));
	char buf[64] = { 0 };
	SHOW("slave reads the line", read(s, buf, sizeof buf));
	drain("echo to master", m);
	SHOW("slave writes", write(s, "out\n", 4));
	drain("master reads (ONLCR)", m);
	SHOW("master writes half a line", write(m, "ab", 2));
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	printf("slave FIONREAD before newline: %d\n", avail);
	SHOW("master ends the line", write(m, "c\n", 2));
	memset(buf, 0, sizeof buf);
	SHOW("slave reads", read(s, buf, sizeof buf));
	printf("slave got: %s", buf);
	drain("echo", m);
	SHOW("erase char edits the line", write(m, "xy\177z\n", 5));
	memset(buf, 0, sizeof buf);
	SHOW("slave reads edited", read(s, buf, sizeof buf));
	printf("slave got: %s", buf);
	drain("echo of erase", m);

	/* Raw: bytes pass as they are, both ways. */
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	SHOW("tcsetattr raw", tcsetattr(s, TCSANOW, &t));
	SHOW("master writes raw", write(m, "a\rb\n\003", 5));
	memset(buf, 0, sizeof buf);
	ssize_t got = 0;
	while (got < 5) {
		ssize_t n = read(s, buf + got, sizeof buf - got);
		if (n <= 0)
			break;
		got += n;
	}
	printf("slave got %zd raw bytes, same %s\n", got, memcmp(buf, "a\rb\n\003", 5) == 0 ? "yes" : "no");
	SHOW("slave writes raw", write(s, "x\ny", 3));
	drain("master reads raw", m);

	/* A child with the slave as its controlling terminal. */
	close(s);
	pid_t c = xfork();
	if (c == 0) {
		if (setsid() < 0)
			_exit(90);
		int fd = open(name, O_RDWR); /* no O_NOCTTY: becomes the ctty */
		if (fd < 0)
			_exit(91);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		int ok = tcgetpgrp(0) == getpid() && tcgetsid(0) == getpid();
		int tty = open("/dev/tty", O_RDWR);
		printf("child: foreground %s /dev/tty %s\n", ok ? "yes" : "no", tty >= 0 ? "yes" : "no");
		fflush(stdout);
		char line[64] = { 0 };
		ssize_t n = read(0, line, sizeof line);
		printf("child: read %zd\n", n);
		fflush(stdout);
		_exit(3);
	}
	int status;
	/* The child's tty is still raw: what it prints comes as it is. */
	drain("from child", m);
	SHOW("master writes to child", write(m, "q", 1));
	waitpid(c, &status, 0);
	drain("from child", m);
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(m);
	return 0;
}
