/* Bad user pointers give EFAULT and nothing else: no crash, no partial
 * effect the caller can see. Raw syscalls, so no libc (or vDSO) touches
 * the pointer first. */
#include "conf.h"
#include <sys/mman.h>
#include <time.h>

int main(void)
{
	void *bad = (void *)8;
	void *kernel = (void *)0xffff800000000000UL;
	void *noncanon = (void *)0x0000900000000000UL;
	int p[2];
	scratch();
	pipe(p);
	write(p[1], "abc", 3);

	SHOW("read into NULL+8", syscall(SYS_read, p[0], bad, 3));
	SHOW("read into kernel address", syscall(SYS_read, p[0], kernel, 3));
	SHOW("read into non-canonical", syscall(SYS_read, p[0], noncanon, 3));
	char buf[4] = {0};
	SHOW("data still in the pipe", syscall(SYS_read, p[0], buf, 3));
	printf("read: %s\n", buf);
	SHOW("write from NULL+8", syscall(SYS_write, p[1], bad, 3));
	SHOW("write from kernel address", syscall(SYS_write, 1, kernel, 3));
	SHOW("open bad path", syscall(SYS_open, bad, O_RDONLY));
	SHOW("openat bad path", syscall(SYS_openat, AT_FDCWD, kernel, O_RDONLY));
	SHOW("stat bad path", syscall(SYS_stat, bad, buf));
	SHOW("stat bad buffer", syscall(SYS_stat, "/", bad));
	SHOW("fstat bad buffer", syscall(SYS_fstat, 0, kernel));
	SHOW("newfstatat bad buffer", syscall(SYS_newfstatat, AT_FDCWD, "/", bad, 0));
	SHOW("uname bad buffer", syscall(SYS_uname, bad));
	SHOW("getcwd bad buffer", syscall(SYS_getcwd, bad, 100));
	SHOW("clock_gettime bad buffer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad));
	SHOW("nanosleep bad request", syscall(SYS_nanosleep, bad, NULL));
	SHOW("pipe bad array", syscall(SYS_pipe, bad));
	SHOW("getdents64 bad buffer", syscall(SYS_getdents64, open(".", O_RDONLY | O_DIRECTORY), bad, 4096));
	SHOW("mkdir bad path", syscall(SYS_mkdir, bad, 0755));
	SHOW("rename bad new path", syscall(SYS_rename, "nothing", bad));
	SHOW("chdir bad path", syscall(SYS_chdir, kernel));
	SHOW("uname good buffer still works", syscall(SYS_uname, malloc(512)));

	/* A buffer running into an unmapped page: EFAULT when nothing fits */
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + 4096, 4096);
	SHOW("write from a buffer crossing into a hole, to a file", ({
		int fd = open("f", O_CREAT | O_RDWR, 0644);
		long r = syscall(SYS_write, fd, two + 4096 - 16, 32);
		int e = errno; close(fd); errno = e; r; }));
	SHOW("stat buffer half in a hole", syscall(SYS_fstat, 0, two + 4096 - 16));
	unlink("f");
	scratch_done();
	return 0;
}
