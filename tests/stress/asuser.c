/* Runs a command as an unprivileged user, as a daemon drops privilege:
 * no supplementary groups, then the gid, then the uid (all three ids).
 *
 *   asuser UID GID COMMAND ARGS...
 *
 * scripts/stress runs trinity so: it refuses to run as root, and its own
 * --dropprivs needs a passwd database static glibc cannot read. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: asuser UID GID COMMAND ARGS...\n");
		return 2;
	}
	uid_t uid = strtoul(argv[1], NULL, 10);
	gid_t gid = strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		perror("asuser: dropping privilege");
		return 126;
	}
	execv(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
