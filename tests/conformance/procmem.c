/* Linux sees a process's memory where /proc shows it: /proc/PID/cmdline
 * and environ (a child's, our own, a changed argv[1], a zombie's) and
 * /proc/PID/mem (reading and writing a child's memory, a hole), through
 * Linux's own code and permission checks. argv[0] differs between the
 * native run and cellux's, so it is never printed. */
#include "conf.h"
#include <sys/wait.h>

static char marker[64] = "the child's own bytes";

/* The file's bytes with NULs shown as '|', after the first string if
 * `skip_first` (argv[0]). */
static void show(const char *label, const char *path, int skip_first)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%s: open %s\n", label, ename(errno));
		return;
	}
	ssize_t n = 0, r;
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	size_t from = 0;
	if (skip_first)
		while (from < (size_t)n && buf[from++] != 0)
			;
	printf("%s: %zd bytes: ", label, n - (ssize_t)from);
	for (ssize_t i = from; i < n; i++)
		putchar(buf[i] ? buf[i] : '|');
	putchar('\n');
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "self")) {
		show("own cmdline", "/proc/self/cmdline", 1);
		argv[1][0] = 'S';
		show("changed cmdline", "/proc/self/cmdline", 1);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "child")) {
		/* Tell the parent we are here, then wait for it. */
		write(1, "r", 1);
		char c;
		read(0, &c, 1);
		/* What the parent wrote into our memory. */
		write(1, marker, 8);
		read(0, &c, 1);
		return 0;
	}
	int to[2], from[2];
	if (pipe(to) || pipe(from))
		return 1;
	pid_t pid = xfork();
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		char *cargv[] = { argv[0], "child", "two words", "", "last", NULL };
		char *cenv[] = { "X=1", "PATH=/bin", NULL };
		execve("/proc/self/exe", cargv, cenv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	char c, path[64];
	read(from[0], &c, 1);
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	show("child cmdline", path, 1);
	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	show("child environ", path, 0);

	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int mem = open(path, O_RDWR);
	YES("open child mem", mem >= 0);
	char got[64] = { 0 };
	SHOW("pread child marker", pread(mem, got, 21, (off_t)(unsigned long)marker));
	printf("child marker: %s\n", got);
	SHOW("pwrite child marker", pwrite(mem, "CHANGED!", 8, (off_t)(unsigned long)marker));
	SHOW("pread page 0", pread(mem, got, 8, 0));
	close(mem);
	write(to[1], "g", 1);
	char back[9] = { 0 };
	read(from[0], back, 8);
	printf("child saw: %s\n", back);

	/* A zombie has no memory to show. */
	write(to[1], "g", 1);
	char z;
	read(from[0], &z, 1); /* EOF once it has exited */
	usleep(100000);
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	show("zombie cmdline", path, 0);
	int st;
	waitpid(pid, &st, 0);
	YES("child exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Our own, after an exec, and argv[1] changed in place (what
	 * setproctitle does). */
	char *self[] = { argv[0], "self", "arg", NULL };
	fflush(stdout);
	execv("/proc/self/exe", self);
	return 1;
}
