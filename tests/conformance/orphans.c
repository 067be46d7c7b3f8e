/* Orphans: a process whose parent has exited is re-parented to init (or
 * the nearest subreaper), which reaps it when it ends, so an orphan does
 * not stay a zombie. On cellux, init is the server's one-shot runner,
 * which reaped only its own command and left every orphan a zombie
 * holding its pid and task for the rest of the run. */
#include "conf.h"
#include <sys/wait.h>
#include <time.h>

#define ORPHANS 10

/* 'Z' for a zombie, another state letter while it lives, 0 once gone. */
static char state_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

int main(void)
{
	int p[2];
	if (pipe(p) != 0)
		return 99;
	pid_t mid = xfork();
	if (mid == 0) {
		close(p[0]);
		for (int i = 0; i < ORPHANS; i++) {
			pid_t g = fork();
			if (g == 0) {
				/* outlive the parent briefly, then end as an orphan */
				usleep(300 * 1000);
				_exit(0);
			}
			if (write(p[1], &g, sizeof g) != sizeof g)
				_exit(2);
		}
		_exit(0);
	}
	close(p[1]);
	pid_t orphans[ORPHANS];
	int got = 0;
	while (got < ORPHANS && read(p[0], &orphans[got], sizeof orphans[got]) == sizeof orphans[got])
		got++;
	printf("orphans made: %d\n", got);
	int st = 0;
	SHOW("middle process reaped", waitpid(mid, &st, 0) == mid);
	SHOW("the orphans are not our children", waitpid(-1, NULL, WNOHANG));
	int left = got;
	for (int tries = 0; tries < 100 && left > 0; tries++) {
		usleep(100 * 1000);
		left = 0;
		for (int i = 0; i < got; i++)
			left += state_of(orphans[i]) != 0;
	}
	printf("orphans still there (alive or zombie) after 10 s: %d\n", left);
	return 0;
}
