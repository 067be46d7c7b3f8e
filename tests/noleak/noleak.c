/*
 * tests/suites/53-noleak: fork + execve(/bin/true) + waitpid, N times,
 * with Linux's view of free memory taken before and after. In each cycle
 * parent and child also write through a MAP_SHARED mapping of a new file
 * in /dev/shm (a tmpfs: its pages are only memory), which the parent
 * unmaps and the child leaves to its exec; the parent then maps the file
 * privately, writes one page (its own copy) and reads the other (the
 * file's), and unmaps it; the file is unlinked after the child has
 * exec'd, so a page-cache page left pinned, or a private copy left, is
 * lost.
 *
 *   noleak WARMUP N
 *
 * runs WARMUP cycles first (caches Linux fills once: slabs, the page cache
 * of /bin/true), then prints
 *   before memfree=KB freeram=KB
 * runs N cycles and prints
 *   after memfree=KB freeram=KB cycles=N
 * memfree is /proc/meminfo's MemFree, freeram sysinfo()'s, both in KiB.
 * Exits 1 (with a message) when a cycle fails: fork or exec refused, or
 * the child's status not 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static long memfree_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static long freeram_kb(void)
{
	struct sysinfo si;
	if (sysinfo(&si) != 0)
		return -1;
	return (long)(si.freeram * si.mem_unit / 1024);
}

/* Writes through a shared mapping of both pages of `path` (made two
 * pages long), unmapped if `unmap`; 0 or -1. */
static int map_and_write(const char *path, int unmap)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 8192) != 0)
		return -1;
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	m[0] = m[4096] = 1;
	return unmap ? munmap(m, 8192) : 0;
}

/* Maps `path` privately, writes its first page (a private copy) and
 * checks its second (the file's, written through the shared mapping),
 * then unmaps; 0 or -1. */
static int map_private(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	m[0] = 2;
	int file_seen = m[4096] == 1;
	return munmap(m, 8192) == 0 && file_seen ? 0 : -1;
}

static int cycles(int n)
{
	for (int i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "/dev/shm/noleak-%d", i);
		if (map_and_write(path, 1) != 0) {
			perror("noleak: shared mapping");
			return i;
		}
		if (map_private(path) != 0) {
			perror("noleak: private mapping");
			return i;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("noleak: fork");
			return i;
		}
		if (pid == 0) {
			if (map_and_write(path, 0) != 0)
				_exit(126);
			execl("/bin/true", "true", (char *)0);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid) {
			perror("noleak: waitpid");
			return i;
		}
		if (st != 0) {
			fprintf(stderr, "noleak: cycle %d: child status %#x\n", i, st);
			return i;
		}
		unlink(path);
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: noleak WARMUP N\n");
		return 2;
	}
	int warmup = atoi(argv[1]), n = atoi(argv[2]);
	if (cycles(warmup) != warmup)
		return 1;
	printf("before memfree=%ld freeram=%ld\n", memfree_kb(), freeram_kb());
	fflush(stdout);
	int done = cycles(n);
	printf("after memfree=%ld freeram=%ld cycles=%d\n", memfree_kb(), freeram_kb(), done);
	return done == n ? 0 : 1;
}
