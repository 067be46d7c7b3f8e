/*
 * tests/suites/53-noleak: fork + execve(/bin/true) + waitpid, N times,
 * with Linux's view of free memory taken before and after.
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
#include <stdio.h>
#include <stdlib.h>
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

static int cycles(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("noleak: fork");
			return i;
		}
		if (pid == 0) {
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
