/* vfork + exec, over and over: the child's new image blocks in the kernel
 * (nanosleep, a pipe read) right away while its parent is still busy in
 * user mode, and the parent then waits for it. On cellux a vfork child's
 * exec moves its Linux task to a new component's thread; if that thread
 * entered Linux before anything else ran there, the task kept the old
 * thread as its own and the first switch back to it after blocking handed
 * the CPU to a thread that was gone ("lkl: CPU released by a thread that
 * does not own it", seen with LTP's execve06/execveat01, whose SAFE_CP and
 * system() spawn through vfork). Both execve and execveat (a path and
 * AT_EMPTY_PATH on an O_PATH fd) and posix_spawn are used. The test
 * re-executes itself; argv[1] is the child's mode. */
#include "conf.h"
#include <limits.h>
#include <spawn.h>
#include <time.h>
#include <sys/wait.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#define ROUNDS 60

extern char **environ;
static char self[PATH_MAX];

/* The child: block at once, then exit with the code it was given. */
static int child(int argc, char **argv)
{
	int code = argc > 2 ? atoi(argv[2]) : 0;
	int fd = argc > 3 ? atoi(argv[3]) : -1;
	struct timespec ts = { 0, 1000000 };

	if (fd >= 0) {
		char c;
		if (read(fd, &c, 1) != 1)
			return 100;
	} else {
		nanosleep(&ts, NULL);
	}
	/* A few more calls that may block or switch after the first. */
	nanosleep(&ts, NULL);
	return code;
}

/* Keep the parent in user mode for a while after vfork returns, so the
 * child's first calls come before the parent's. */
static void spin(int n)
{
	for (volatile long i = 0; i < n * 200000L; i++)
		;
}

static int status_of(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	int bad = 0;
	int pathfd;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child(argc, argv);
	if (readlink("/proc/self/exe", self, sizeof self - 1) < 0) {
		printf("readlink: %s\n", ename(errno));
		return 1;
	}
	pathfd = open(self, O_PATH | O_CLOEXEC);
	if (pathfd < 0) {
		printf("open O_PATH: %s\n", ename(errno));
		return 1;
	}

	for (int i = 0; i < ROUNDS; i++) {
		char code[16], fdarg[16];
		int p[2] = { -1, -1 };
		int how = i % 4, want = i % 50 + 1, got;
		pid_t pid;

		snprintf(code, sizeof code, "%d", want);
		/* Every other round the child blocks on a pipe the parent
		 * writes to only after its spin. */
		if ((i / 4) % 2 == 0) {
			if (pipe(p) != 0) {
				printf("pipe: %s\n", ename(errno));
				return 1;
			}
			snprintf(fdarg, sizeof fdarg, "%d", p[0]);
		} else {
			snprintf(fdarg, sizeof fdarg, "-1");
		}
		char *args[] = { "vforkexec", "child", code, fdarg, NULL };

		if (how == 3) {
			if (posix_spawn(&pid, self, NULL, NULL, args, environ) != 0) {
				printf("round %d: posix_spawn failed\n", i);
				return 1;
			}
		} else {
			pid = vfork();
			if (pid == 0) {
				if (how == 0)
					execve(self, args, environ);
				else if (how == 1)
					syscall(SYS_execveat, AT_FDCWD, self, args, environ, 0);
				else
					syscall(SYS_execveat, pathfd, "", args, environ, AT_EMPTY_PATH);
				_exit(127);
			}
			if (pid < 0) {
				printf("round %d: vfork: %s\n", i, ename(errno));
				return 1;
			}
		}
		spin(i % 5);
		if (p[1] >= 0) {
			close(p[0]);
			if (write(p[1], "x", 1) != 1)
				printf("round %d: write: %s\n", i, ename(errno));
			close(p[1]);
		}
		got = status_of(pid);
		if (got != want) {
			printf("round %d (mode %d): status %d, want %d\n", i, how, got, want);
			bad++;
		}
	}
	printf("%d rounds of vfork/posix_spawn + exec, %d wrong\n", ROUNDS, bad);
	return bad != 0;
}
