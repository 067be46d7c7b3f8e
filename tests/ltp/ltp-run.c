/*
 * ltp-run: runs LTP tests one after another inside the guest, as LTP's own
 * runners (runltp, kirk) would, but small and static, on cellux and on the
 * Linux baseline alike (scripts/ltp).
 *
 *   ltp-run [-t SECONDS] [-f FIRST] [-n COUNT] LIST
 *
 * LIST holds runtest lines, `NAME COMMAND ARGS...` (no shell syntax:
 * LTP's runtest/syscalls has none), `#` comments and blank lines skipped;
 * -f FIRST starts at the FIRST-th test (0-based; a resumed boot), -n COUNT
 * stops after COUNT tests. Tests run with LTP's environment (LTPROOT=/ltp,
 * its bin first in PATH, TMPDIR=/tmp), in / and with no input. Each
 * test runs in its own process group, with its standard output and error
 * in one pipe, and is killed (the whole group) when it passes its time
 * limit (-t, default 120 s). Prints, on standard output:
 *
 *   LTP START <index> <name>
 *   LTP RESULT <name> <verdict> status=<exit status or signal> ms=<wall ms> [<note>]
 *   LTP LOG <name> <line>        (the last lines of a test that did not
 *                                pass; of one that was conf, its TCONF lines)
 *   LTP DONE
 *
 * The verdict is the worse of what the exit status says (LTP's flags:
 * TFAIL 1, TBROK 2, TWARN 4, TCONF 32; a signal is broken) and what the
 * test printed (its TPASS/TFAIL/TBROK/TWARN/TCONF lines, folded as LTP's
 * library folds its result counters): LTP's library keeps the counters in
 * a MAP_SHARED file its test child writes and its main process reads, so
 * where that mapping is not shared the main process sees no results and
 * exits 0 whatever the child found. The printed lines still tell; a test
 * can only come out worse for being read twice, never better. The note
 * `results-unshared` marks a test whose library summary saw none of the
 * results it printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#define MAX_ARGS 64
#define LOG_LINES 40
#define LINE_MAX_LEN 400

/* LTP's result flags (include/tst_res_flags.h). */
enum { TFAIL = 1, TBROK = 2, TWARN = 4, TCONF = 32 };

struct counts {
	int pass, fail, brok, warn, conf;
	int summary_seen, summary_total;
};

/* The last LOG_LINES lines of a test's output, as a ring. */
static char ring[LOG_LINES][LINE_MAX_LEN];
static int ring_next, ring_used;

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* A result word as LTP prints it: `file.c:12: TPASS: ...` (new library)
 * or `name    1  TPASS  :  ...` (old library): the word, then spaces,
 * then a colon. */
static int has_result(const char *line, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(line, word); p; p = strstr(p + 1, word)) {
		if (p != line && p[-1] != ' ' && p[-1] != ':')
			continue;
		const char *q = p + n;
		while (*q == ' ')
			q++;
		if (*q == ':')
			return 1;
	}
	return 0;
}

static void take_line(struct counts *c, const char *line)
{
	int v;
	c->pass += has_result(line, "TPASS");
	c->fail += has_result(line, "TFAIL");
	c->brok += has_result(line, "TBROK");
	c->warn += has_result(line, "TWARN");
	c->conf += has_result(line, "TCONF");
	/* The library's own summary, from its counters. */
	if (sscanf(line, "passed %d", &v) == 1 || sscanf(line, "failed %d", &v) == 1 ||
	    sscanf(line, "broken %d", &v) == 1 || sscanf(line, "skipped %d", &v) == 1 ||
	    sscanf(line, "warnings %d", &v) == 1) {
		c->summary_seen = 1;
		c->summary_total += v;
	}
	snprintf(ring[ring_next], LINE_MAX_LEN, "%s", line);
	ring_next = (ring_next + 1) % LOG_LINES;
	if (ring_used < LOG_LINES)
		ring_used++;
}

/* Feeds the bytes read so far through take_line, line by line. */
static void take_output(struct counts *c, char *buf, size_t *len, int flush)
{
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', buf + *len - start))) {
		*nl = 0;
		if (nl > start && nl[-1] == '\r')
			nl[-1] = 0;
		take_line(c, start);
		start = nl + 1;
	}
	size_t rest = buf + *len - start;
	if (flush && rest) {
		start[rest < 4095 ? rest : 4095] = 0;
		take_line(c, start);
		rest = 0;
	}
	memmove(buf, start, rest);
	*len = rest;
}

static const char *verdict(int status, int timed_out, const struct counts *c)
{
	if (timed_out)
		return "timeout";
	if (WIFSIGNALED(status))
		return "broken";
	int flags = WEXITSTATUS(status);
	if (flags & ~(TFAIL | TBROK | TWARN | TCONF))
		return "broken"; /* not LTP's flags: not found, not run, ... */
	/* What the printed lines say, folded as LTP's do_exit() does. */
	int printed = 0;
	if (c->fail)
		printed |= TFAIL;
	if (c->brok)
		printed |= TBROK;
	if (c->warn)
		printed |= TWARN;
	if (c->conf && !c->pass)
		printed |= TCONF;
	flags |= printed;
	if (c->pass && (flags & TCONF) && !(flags & ~TCONF))
		flags &= ~TCONF;
	if (flags & TBROK)
		return "broken";
	if (flags & TFAIL)
		return "fail";
	if (flags & TWARN)
		return "warn";
	if (flags & TCONF)
		return "conf";
	return "pass";
}

/* The runner is the last process Linux's OOM killer should pick: a test
 * that runs Linux out of memory must not end the whole run. Its tests
 * start from the default again. */
static void set_oom_score_adj(const char *v)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, v, strlen(v)) < 0)
			perror("oom_score_adj");
		close(fd);
	}
}

static void run_one(int index, char *name, char **argv, int limit)
{
	int fds[2];
	printf("LTP START %d %s\n", index, name);
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		printf("LTP RESULT %s broken status=-1 ms=0 runner: pipe: %s\n", name, strerror(errno));
		return;
	}
	long long t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		printf("LTP RESULT %s broken status=-1 ms=0 runner: fork: %s\n", name, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		signal(SIGPIPE, SIG_DFL);
		set_oom_score_adj("0");
		execvp(argv[0], argv);
		fprintf(stderr, "ltp-run: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);

	struct counts c = {0};
	static char buf[8192];
	size_t len = 0;
	int timed_out = 0, open_pipe = 1, reaped = 0, status = 0;
	long long deadline = t0 + limit * 1000LL, grace = 0;
	ring_next = ring_used = 0;
	for (;;) {
		if (open_pipe) {
			struct pollfd p = {.fd = fds[0], .events = POLLIN};
			if (poll(&p, 1, 200) > 0) {
				ssize_t r = read(fds[0], buf + len, sizeof(buf) - 1 - len);
				if (r > 0) {
					len += r;
					take_output(&c, buf, &len, len == sizeof(buf) - 1);
				} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
					open_pipe = 0;
				}
			}
		} else if (!reaped) {
			usleep(20000);
		}
		if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
			reaped = 1;
			/* Descendants that outlive the test and still hold the
			 * pipe get two seconds, then go with its group. */
			grace = now_ms() + 2000;
		}
		if (reaped && (!open_pipe || now_ms() > grace))
			break;
		if (!reaped && now_ms() > deadline) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	kill(-pid, SIGKILL);
	close(fds[0]);
	take_output(&c, buf, &len, 1);
	long long ms = now_ms() - t0;

	const char *v = verdict(status, timed_out, &c);
	char st[32];
	if (timed_out)
		snprintf(st, sizeof(st), "killed");
	else if (WIFSIGNALED(status))
		snprintf(st, sizeof(st), "sig%d", WTERMSIG(status));
	else
		snprintf(st, sizeof(st), "%d", WEXITSTATUS(status));
	int printed = c.pass + c.fail + c.brok + c.warn + c.conf;
	printf("LTP RESULT %s %s status=%s ms=%lld%s\n", name, v, st, ms,
	       c.summary_seen && c.summary_total == 0 && printed ? " results-unshared" : "");
	/* Why it did not pass: its last lines; for conf, its TCONF lines. */
	int conf = strcmp(v, "conf") == 0;
	if (strcmp(v, "pass") != 0) {
		for (int i = 0; i < ring_used; i++) {
			const char *l = ring[(ring_next - ring_used + i + LOG_LINES) % LOG_LINES];
			if (!conf || has_result(l, "TCONF"))
				printf("LTP LOG %s %s\n", name, l);
		}
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int limit = 120, first = 0, count = -1, opt;
	while ((opt = getopt(argc, argv, "t:f:n:")) != -1) {
		if (opt == 't')
			limit = atoi(optarg);
		else if (opt == 'f')
			first = atoi(optarg);
		else if (opt == 'n')
			count = atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1 || limit <= 0) {
		fprintf(stderr, "usage: ltp-run [-t SECONDS] [-f FIRST] [-n COUNT] LIST\n");
		return 2;
	}
	const char *path = getenv("PATH");
	char test_path[1024];
	snprintf(test_path, sizeof(test_path), "/ltp/testcases/bin:%s", path ? path : "/bin:/sbin:/usr/bin:/usr/sbin");
	setenv("PATH", test_path, 1);
	setenv("LTPROOT", "/ltp", 1);
	setenv("TMPDIR", "/tmp", 1);
	setenv("LTP_COLORIZE_OUTPUT", "0", 1);
	FILE *list = fopen(argv[optind], "r");
	if (!list) {
		perror(argv[optind]);
		return 2;
	}
	/* Output goes to a console: whole lines, as they come. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	set_oom_score_adj("-1000");
	char line[4096];
	int index = 0;
	while (fgets(line, sizeof(line), list)) {
		char *args[MAX_ARGS + 1];
		int n = 0;
		for (char *tok = strtok(line, " \t\r\n"); tok && n < MAX_ARGS; tok = strtok(NULL, " \t\r\n"))
			args[n++] = tok;
		if (n < 2 || args[0][0] == '#')
			continue;
		args[n] = NULL;
		if (index++ < first)
			continue;
		if (count >= 0 && index - 1 >= first + count)
			break;
		run_one(index - 1, args[0], args + 1, limit);
		/* Each test starts in / with no leftovers of the last. */
		if (chdir("/") != 0)
			perror("chdir /");
	}
	printf("LTP DONE\n");
	return 0;
}
