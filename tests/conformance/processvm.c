/* process_vm_readv and process_vm_writev on a child: its written memory,
 * a page it never touched (zeroes), a page it still shares with us
 * copy-on-write (written in the child only), a vector that runs into a
 * hole (short count), a read-only page (EFAULT for a write), and Linux's
 * checks on the call itself (flags, a pid that is gone). Also the
 * child's /proc/PID/maps, seen from here. */
#include "conf.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define P 4096UL

static char shared_cow[64] = "before the fork";
static const char read_only[64] = "constant bytes";

struct where {
	unsigned long written, untouched, hole;
};

int main(void)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from))
		return 1;
	pid_t pid = xfork();
	if (pid == 0) {
		struct where w;
		char *m = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		strcpy(m, "written by the child");
		munmap(m + 2 * P, P);
		w.written = (unsigned long)m;
		w.untouched = (unsigned long)m + P;
		w.hole = (unsigned long)m + 2 * P;
		write(from[1], &w, sizeof w);
		char c;
		read(to[0], &c, 1);
		/* What the parent wrote. */
		write(from[1], m, 32);
		write(from[1], shared_cow, 32);
		read(to[0], &c, 1);
		_exit(0);
	}
	struct where w;
	if (read(from[0], &w, sizeof w) != sizeof w)
		return 1;

	char buf[64] = { 0 };
	struct iovec local = { buf, 20 }, remote = { (void *)w.written, 20 };
	SHOW("readv written", process_vm_readv(pid, &local, 1, &remote, 1, 0));
	printf("read: %s\n", buf);

	memset(buf, 'x', sizeof buf);
	remote.iov_base = (void *)w.untouched;
	local.iov_len = remote.iov_len = 16;
	SHOW("readv untouched", process_vm_readv(pid, &local, 1, &remote, 1, 0));
	YES("untouched reads zeroes", buf[0] == 0 && buf[15] == 0);

	/* Runs from the untouched page into the hole: what came before it. */
	remote.iov_base = (void *)(w.hole - 8);
	local.iov_len = remote.iov_len = 32;
	SHOW("readv into hole", process_vm_readv(pid, &local, 1, &remote, 1, 0));
	remote.iov_base = (void *)w.hole;
	SHOW("readv hole", process_vm_readv(pid, &local, 1, &remote, 1, 0));

	/* Two remote pieces into one local buffer. */
	struct iovec pieces[2] = { { (void *)w.written, 7 },
				   { (void *)(w.written + 11), 9 } };
	memset(buf, 0, sizeof buf);
	local.iov_len = 16;
	SHOW("readv two pieces", process_vm_readv(pid, &local, 1, pieces, 2, 0));
	printf("pieces: %.16s\n", buf);

	struct iovec out = { "CHANGED", 7 };
	remote.iov_base = (void *)w.written;
	remote.iov_len = 7;
	SHOW("writev written", process_vm_writev(pid, &out, 1, &remote, 1, 0));
	struct iovec cow = { "after", 6 };
	remote.iov_base = shared_cow;
	remote.iov_len = 6;
	SHOW("writev copy-on-write", process_vm_writev(pid, &cow, 1, &remote, 1, 0));
	remote.iov_base = (void *)read_only;
	SHOW("writev read-only", process_vm_writev(pid, &cow, 1, &remote, 1, 0));
	remote.iov_base = (void *)w.written;
	SHOW("readv bad flags", process_vm_readv(pid, &local, 1, &remote, 1, 1));

	/* The child's maps, from here: its mapping, as it left it. */
	char path[64], maps[1 << 15];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r;
	while (fd >= 0 && (r = read(fd, maps + n, sizeof maps - 1 - n)) > 0)
		n += r;
	maps[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	int seen = 0;
	for (char *line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long s, e;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 &&
		    s <= w.written && w.written < e)
			seen = e == w.hole && !strcmp(perms, "rw-p");
	}
	YES("child's maps show its mapping up to the hole", seen);

	write(to[1], "g", 1);
	char back[33] = { 0 };
	read(from[0], back, 32);
	printf("child saw: %s\n", back);
	read(from[0], back, 32);
	printf("child's copy: %s\n", back);
	printf("our copy: %s\n", shared_cow);
	write(to[1], "g", 1);
	int st;
	waitpid(pid, &st, 0);
	YES("child exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	local.iov_base = buf;
	local.iov_len = 4;
	remote.iov_base = shared_cow;
	remote.iov_len = 4;
	SHOW("readv reaped child", process_vm_readv(pid, &local, 1, &remote, 1, 0));
	return 0;
}
