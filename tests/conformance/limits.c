/* sched_getaffinity, prlimit64 and getrandom: what Linux guarantees
 * (relations, refusals), never the host's CPU count or limits. */
#include "conf.h"
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>

int main(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long r = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
	YES("sched_getaffinity returns a size", r > 0 && r <= (long)sizeof set && r % 8 == 0);
	YES("at least one CPU", CPU_COUNT(&set) >= 1);
	YES("glibc/musl wrapper agrees", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1);
	YES("sysconf online >= affinity", sysconf(_SC_NPROCESSORS_ONLN) >= CPU_COUNT(&set));
	SHOW("sched_getaffinity tiny buffer", syscall(SYS_sched_getaffinity, 0, 1, &set));
	SHOW("sched_getaffinity missing pid", sched_getaffinity(0x3fffffff, sizeof set, &set));
	SHOW("sched_setaffinity to the same set", sched_setaffinity(0, sizeof set, &set));
	cpu_set_t none;
	CPU_ZERO(&none);
	SHOW("sched_setaffinity to no CPU", sched_setaffinity(0, sizeof none, &none));

	struct rlimit old, now, lim;
	SHOW("prlimit NOFILE get", prlimit(0, RLIMIT_NOFILE, NULL, &old));
	YES("soft <= hard", old.rlim_cur <= old.rlim_max);
	lim.rlim_cur = 64;
	lim.rlim_max = old.rlim_max;
	SHOW("prlimit NOFILE soft 64", prlimit(0, RLIMIT_NOFILE, &lim, &now));
	YES("old value returned", now.rlim_cur == old.rlim_cur && now.rlim_max == old.rlim_max);
	getrlimit(RLIMIT_NOFILE, &now);
	printf("getrlimit soft now %llu\n", (unsigned long long)now.rlim_cur);
	int fds = 0, fd;
	while ((fd = open("/", O_RDONLY)) >= 0)
		fds++;
	printf("open until refused: %s, last fd 63 %s\n", ename(errno), fds > 0 && fcntl(63, F_GETFD) >= 0 ? "yes" : "no");
	for (int i = 3; i < 64; i++)
		close(i);
	lim.rlim_cur = old.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : old.rlim_max + 1;
	lim.rlim_max = old.rlim_max;
	SHOW("soft above hard", prlimit(0, RLIMIT_NOFILE, &lim, NULL));
	SHOW("restore", prlimit(0, RLIMIT_NOFILE, &old, NULL));
	SHOW("prlimit bad resource", prlimit(0, 99, NULL, &now));
	SHOW("prlimit missing pid", prlimit(0x3fffffff, RLIMIT_NOFILE, NULL, &now));
	SHOW("raw prlimit64 bad pointer", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, 8L));
	struct rlimit cpu;
	SHOW("RLIMIT_CPU get", getrlimit(RLIMIT_CPU, &cpu));
	struct rlimit as = { 1 << 30, 1 << 30 };
	SHOW("RLIMIT_AS lower", setrlimit(RLIMIT_AS, &as));
	getrlimit(RLIMIT_AS, &now);
	YES("RLIMIT_AS reads back", now.rlim_cur == (rlim_t)1 << 30);

	unsigned char a[64], b[64];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	SHOW("getrandom 64", getrandom(a, sizeof a, 0));
	SHOW("getrandom 64 NONBLOCK", getrandom(b, sizeof b, GRND_NONBLOCK));
	YES("two draws differ", memcmp(a, b, sizeof a) != 0);
	int zeros = 0;
	for (size_t i = 0; i < sizeof a; i++)
		zeros += a[i] == 0;
	YES("not all zero", zeros < 32);
	SHOW("getrandom 0 bytes", getrandom(a, 0, 0));
	SHOW("getrandom GRND_RANDOM", getrandom(a, 16, GRND_RANDOM) > 0);
	SHOW("getrandom bad flags", getrandom(a, 16, 0x100));
	SHOW("getrandom bad pointer", syscall(SYS_getrandom, 8L, 16L, 0L));
	return 0;
}
