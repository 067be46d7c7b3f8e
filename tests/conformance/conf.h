/* Shared helpers for the conformance cases (the .c files here, run by
 * scripts/conformance on the host's Linux and on cellux). Everything
 * printed must be the same on both: return values that Linux defines
 * exactly, errno names, and yes/no answers to relations, never pids,
 * times, addresses or host names. */
#ifndef CONF_H
#define CONF_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

static const char *ename(int e)
{
	static char other[16];
	switch (e) {
#define N(x) case x: return #x;
	N(EPERM) N(ENOENT) N(EBADF) N(EFAULT) N(EEXIST) N(ENOTDIR) N(EISDIR)
	N(EINVAL) N(ENOSYS) N(ENOTEMPTY) N(ERANGE) N(ENOMEM) N(EACCES)
	N(ESPIPE) N(ENAMETOOLONG) N(EAGAIN) N(EXDEV) N(ELOOP) N(EMFILE) N(ESRCH) N(ENOTTY) N(ECHILD)
	N(EINTR) N(ENOEXEC) N(EPIPE) N(ECONNREFUSED) N(EADDRINUSE) N(ENOTCONN) N(EIO)
	N(ENOTSOCK) N(EISCONN) N(EDESTADDRREQ) N(E2BIG) N(ENODEV)
	N(EINPROGRESS) N(EALREADY) N(ENOPROTOOPT) N(EAFNOSUPPORT) N(EOPNOTSUPP) N(EDOM)
	N(ETIMEDOUT) N(ENETUNREACH) N(EPROTONOSUPPORT) N(EADDRNOTAVAIL)
#undef N
	}
	snprintf(other, sizeof other, "errno %d", e);
	return other;
}

/* The call's result: the value when it succeeded, "-1 ENAME" when not. */
#define SHOW(label, expr) do { \
	errno = 0; \
	long r_ = (long)(expr); \
	int e_ = errno; \
	if (r_ == -1) printf("%s: -1 %s\n", label, ename(e_)); \
	else printf("%s: %ld\n", label, r_); \
} while (0)

/* Only whether it succeeded, for calls whose value varies (fds, sizes). */
#define OKAY(label, expr) do { \
	errno = 0; \
	long r_ = (long)(expr); \
	int e_ = errno; \
	if (r_ == -1) printf("%s: -1 %s\n", label, ename(e_)); \
	else printf("%s: ok\n", label); \
} while (0)

#define YES(label, cond) printf("%s: %s\n", label, (cond) ? "yes" : "no")

/* fork with stdout flushed first, so the child's exit does not print the
 * parent's buffered lines again. */
__attribute__((unused)) static pid_t xfork(void)
{
	fflush(stdout);
	return fork();
}

/* Waits for child `pid` and prints how it ended: "exited N" or
 * "signal N". */
__attribute__((unused)) static void wait_child(const char *label, pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid %s\n", label, ename(errno));
	else if (WIFEXITED(st))
		printf("%s: exited %d\n", label, WEXITSTATUS(st));
	else
		printf("%s: signal %d\n", label, WTERMSIG(st));
}

/* A fresh scratch folder as cwd, so native runs never collide; its name
 * is never printed. */
static char scratch_dir[64];
__attribute__((unused)) static void scratch(void)
{
	strcpy(scratch_dir, "/tmp/conf.XXXXXX");
	if (!mkdtemp(scratch_dir) || chdir(scratch_dir) != 0) {
		perror("scratch");
		exit(99);
	}
}

__attribute__((unused)) static void scratch_done(void)
{
	if (chdir("/") != 0 || rmdir(scratch_dir) != 0)
		printf("scratch left behind: %s\n", strerror(errno));
}
#endif
