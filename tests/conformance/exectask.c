/* What execve does to the task: /proc/self/exe names the new image (also
 * through a symlink and for a #! script, whose exe is its interpreter),
 * /proc/self/comm is the base name of the path exec'd, and exec from a
 * process with other threads (blocked in read, in a futex, spinning in
 * user mode) ends them: the new image is alone, with the process's pid,
 * also when the exec'ing thread was not the first. The test re-executes
 * itself; the mode is argv[1]. Only relations and names are printed. */
#include "conf.h"
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sys/wait.h>

#define FUTEX_WAIT_PRIVATE 128

static char self[PATH_MAX];

static void show_comm(const char *label)
{
	char comm[32] = { 0 };
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof comm - 1);
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = 0;
	printf("%s: comm %s\n", label, n > 0 ? comm : "(unreadable)");
	if (fd >= 0)
		close(fd);
}

static void show_exe(const char *label, const char *expect)
{
	char exe[PATH_MAX] = { 0 };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	YES(label, n > 0 && strcmp(exe, expect) == 0);
	if (n > 0 && strcmp(exe, expect) != 0)
		fprintf(stderr, "exe %s, expected %s\n", exe, expect);
}

/* Threads: in /proc/self/status. */
static long status_threads(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Threads:", 8) == 0)
			n = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

static int task_entries(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* The new image after an exec from a threaded process: argv[2] is the
 * pid the process had. */
static int alone(char **argv)
{
	pid_t was = (pid_t)atol(argv[2]);
	YES("alone: pid kept", getpid() == was);
	YES("alone: tid is the pid", syscall(SYS_gettid) == getpid());
	printf("alone: Threads %ld\n", status_threads());
	printf("alone: task entries %d\n", task_entries());
	show_exe("alone: exe is the image", self);
	return 7;
}

static int pipefd[2];
static volatile int futex_word;
static volatile int spinning, reading, waiting;

static void *reader(void *a)
{
	char c;
	reading = 1;
	if (read(pipefd[0], &c, 1) >= 0)
		printf("reader: read returned\n");
	return a;
}

static void *waiter(void *a)
{
	waiting = 1;
	for (;;)
		syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return a;
}

static void *spinner(void *a)
{
	spinning = 1;
	for (;;)
		;
	return a;
}

static void exec_alone(void)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *av[] = { self, "alone", pid, NULL };
	execv(self, av);
	printf("exec from a thread: %s\n", ename(errno));
	_exit(92);
}

static void *execer(void *a)
{
	exec_alone();
	return a;
}

/* A child with three more threads execs from its main thread
 * (`from_thread` 0) or from a fourth one while main waits in join. */
static void threaded_exec(int from_thread)
{
	pid_t c = xfork();
	if (c == 0) {
		pthread_t t;
		if (pipe(pipefd) != 0 || pthread_create(&t, NULL, reader, NULL) || pthread_create(&t, NULL, waiter, NULL) ||
		    pthread_create(&t, NULL, spinner, NULL))
			_exit(93);
		while (!reading || !waiting || !spinning)
			sched_yield();
		if (!from_thread)
			exec_alone();
		if (pthread_create(&t, NULL, execer, NULL))
			_exit(94);
		pthread_join(t, NULL);
		_exit(95);
	}
	int st;
	waitpid(c, &st, 0);
	printf("threaded exec (from %s): exited %d status %d\n", from_thread ? "a thread" : "main",
	       WIFEXITED(st), WEXITSTATUS(st));
}

/* Runs `path` with `argv1` in a child; its exit status. */
static void run(const char *label, const char *path, const char *argv1)
{
	pid_t c = xfork();
	if (c == 0) {
		char *av[] = { (char *)path, (char *)argv1, self, NULL };
		execv(path, av);
		printf("%s: %s\n", label, ename(errno));
		_exit(91);
	}
	int st;
	waitpid(c, &st, 0);
	printf("%s: exited %d status %d\n", label, WIFEXITED(st), WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	if (!realpath(argv[0], self))
		return 99;
	if (argc > 2 && strcmp(argv[1], "alone") == 0)
		return alone(argv);
	if (argc > 2 && strcmp(argv[1], "show") == 0) {
		show_exe("show: exe is the image", argv[2]);
		show_comm("show");
		return 3;
	}
	/* A #! script names us as its interpreter: argv is [us, script, ...]. */
	if (argc > 1 && strstr(argv[1], "script.sh")) {
		show_exe("script: exe is the interpreter", self);
		show_comm("script");
		printf("script: argv[1] is the script: %s\n", strcmp(argv[1], "./script.sh") == 0 ? "yes" : argv[1]);
		return 4;
	}
	char before[PATH_MAX] = { 0 };
	if (readlink("/proc/self/exe", before, sizeof before - 1) <= 0)
		return 97;
	scratch();
	run("direct", self, "show");
	if (symlink(self, "a-link") != 0)
		return 98;
	run("through a symlink", "./a-link", "show");
	int fd = open("script.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!%s\n", self);
	close(fd);
	run("a script", "./script.sh", "show");
	/* execve's refusals come before the point of no return: the caller
	 * goes on, its comm and exe unchanged. */
	fd = open("plain", O_CREAT | O_WRONLY, 0644);
	dprintf(fd, "plain text\n");
	close(fd);
	char *av[] = { "x", NULL };
	SHOW("execve no x bit", execv("./plain", av));
	chmod("plain", 0755);
	SHOW("execve not an image", execv("./plain", av));
	fd = open("bad.elf", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "\177ELF garbage");
	close(fd);
	SHOW("execve a broken ELF", execv("./bad.elf", av));
	show_exe("after refusals: exe unchanged", before);
	threaded_exec(0);
	threaded_exec(1);
	unlink("a-link");
	unlink("script.sh");
	unlink("plain");
	unlink("bad.elf");
	scratch_done();
	return 0;
}
