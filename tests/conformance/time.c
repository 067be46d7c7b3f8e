/* clock_gettime/nanosleep/gettimeofday/time: relations only. The raw
 * syscalls as well as the libc calls, since natively libc goes through
 * the vDSO and never reaches the kernel's own entry. */
#include "conf.h"
#include <sys/time.h>
#include <time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
	struct timespec a, b, req, rem, res;
	struct timeval tv;

	SHOW("clock_gettime MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &a));
	SHOW("clock_gettime MONOTONIC again", clock_gettime(CLOCK_MONOTONIC, &b));
	YES("monotonic never goes back", ns(b) >= ns(a));
	YES("nsec in range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	req.tv_sec = 0;
	req.tv_nsec = 30 * 1000000;
	SHOW("nanosleep 30ms", nanosleep(&req, &rem));
	clock_gettime(CLOCK_MONOTONIC, &b);
	YES("slept at least 30ms", ns(b) - ns(a) >= 30 * 1000000LL);
	YES("slept under 5s", ns(b) - ns(a) < 5000000000LL);

	SHOW("raw clock_gettime MONOTONIC", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a));
	req.tv_nsec = 10 * 1000000;
	SHOW("raw nanosleep 10ms", syscall(SYS_nanosleep, &req, NULL));
	SHOW("raw clock_gettime MONOTONIC", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b));
	YES("time advanced over raw nanosleep", ns(b) - ns(a) >= 10 * 1000000LL);
	SHOW("clock_nanosleep relative 5ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 5000000}, NULL));
	clock_gettime(CLOCK_MONOTONIC, &a);
	a.tv_nsec += 5000000;
	if (a.tv_nsec >= 1000000000) { a.tv_sec++; a.tv_nsec -= 1000000000; }
	SHOW("clock_nanosleep absolute", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
	clock_gettime(CLOCK_MONOTONIC, &b);
	YES("woke after the absolute deadline", ns(b) >= ns(a));

	SHOW("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &a));
	YES("realtime after 2020", a.tv_sec > 1577836800);
	SHOW("raw clock_gettime REALTIME", syscall(SYS_clock_gettime, CLOCK_REALTIME, &b));
	YES("raw realtime after 2020", b.tv_sec > 1577836800);
	SHOW("gettimeofday", gettimeofday(&tv, NULL));
	YES("gettimeofday close to realtime", tv.tv_sec >= a.tv_sec && tv.tv_sec - a.tv_sec < 60);
	YES("usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	time_t t = time(NULL);
	YES("time() close to realtime", t >= a.tv_sec && t - a.tv_sec < 60);
	SHOW("raw time", syscall(SYS_time, NULL) >= a.tv_sec);
	SHOW("clock_gettime BOOTTIME", clock_gettime(CLOCK_BOOTTIME, &a));
	SHOW("clock_gettime PROCESS_CPUTIME", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
	SHOW("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &res));
	YES("resolution positive and at most 1ms", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
	SHOW("raw clock_gettime bad clock", syscall(SYS_clock_gettime, 12345, &a));
	req.tv_sec = 0;
	req.tv_nsec = 1000000000;
	SHOW("nanosleep nsec out of range", syscall(SYS_nanosleep, &req, NULL));
	req.tv_sec = -1;
	req.tv_nsec = 0;
	SHOW("nanosleep negative", syscall(SYS_nanosleep, &req, NULL));
	return 0;
}
