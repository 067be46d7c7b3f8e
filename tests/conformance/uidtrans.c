/* setuid-style transitions: the real, effective, saved and filesystem
 * ids through setresuid, seteuid, setreuid, setuid and setfsuid, group
 * access through supplementary groups, and exec of set-user-ID and
 * set-group-ID files (with and without no_new_privs). Run as root; the
 * ids are unusual ones. The set-ID file is a copy of this program, which
 * run as `uidtrans probe` prints what it was given. */
#include "conf.h"
#include <grp.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define A 53011
#define B 53012
#define G 53015

static void ids(const char *label)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("%s: uid %d %d %d gid %d %d %d\n", label, (int)r, (int)e, (int)s, (int)gr, (int)ge, (int)gs);
}

static void readable(const char *label, const char *path)
{
	int fd = open(path, O_RDONLY);
	printf("%s: %s\n", label, fd >= 0 ? "readable" : ename(errno));
	if (fd >= 0)
		close(fd);
}

static int copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char b[65536];
	ssize_t n;
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, b, sizeof b)) > 0)
		if (write(out, b, n) != n)
			return -1;
	return close(in) | close(out) | (int)n;
}

/* In a child at uid A (gid A, no groups): exec the set-ID copy. */
static void exec_setid(const char *label, int no_new_privs)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(A, A, A) != 0 || setresuid(A, A, A) != 0)
			_exit(90);
		if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			_exit(91);
		execl("./setid", "setid", "probe", (char *)NULL);
		printf("exec %s: %s\n", label, ename(errno));
		_exit(92);
	}
	wait_child(label, p);
}

static int probe(void)
{
	ids("probe");
	printf("probe AT_SECURE: %lu\n", getauxval(AT_SECURE));
	printf("probe AT_UID %lu AT_EUID %lu AT_GID %lu AT_EGID %lu\n", getauxval(AT_UID), getauxval(AT_EUID),
	       getauxval(AT_GID), getauxval(AT_EGID));
	readable("probe reads secret", "secret");
	/* A set-user-ID program that gives up its privilege for good. */
	SHOW("probe setuid to real", setuid(getuid()));
	ids("probe after setuid to real");
	SHOW("probe seteuid 0 after", seteuid(0));
	readable("probe reads secret after", "secret");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "probe") == 0)
		return probe();
	YES("running as root", getuid() == 0 && geteuid() == 0);
	scratch();
	SHOW("chmod scratch 0755", chmod(".", 0755));
	int fd = open("secret", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	SHOW("write secret", write(fd, "s\n", 2));
	close(fd);
	SHOW("chmod secret 0600", chmod("secret", 0600));
	fd = open("grouped", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	close(fd);
	SHOW("chown grouped 0:G", chown("grouped", 0, G));
	SHOW("chmod grouped 0640", chmod("grouped", 0640));

	/* Effective id down and back up through the saved one. */
	pid_t p = xfork();
	if (p == 0) {
		SHOW("setresuid A A 0", setresuid(A, A, 0));
		ids("after setresuid A A 0");
		readable("reads secret", "secret");
		SHOW("seteuid 0 (saved)", seteuid(0));
		ids("after seteuid 0");
		readable("reads secret", "secret");
		SHOW("seteuid B", seteuid(B));
		ids("after seteuid B");
		SHOW("seteuid A (real)", seteuid(A));
		SHOW("seteuid 0 again", seteuid(0));
		/* setreuid with a new effective id unlike the real one sets the
		 * saved id to it. */
		SHOW("setreuid -1 B", setreuid(-1, B));
		ids("after setreuid -1 B");
		SHOW("seteuid 0 now", seteuid(0));
		SHOW("setreuid B A (swap among own ids)", setreuid(B, A));
		ids("after setreuid B A");
		SHOW("setreuid -1 B (the real)", setreuid(-1, B));
		ids("after setreuid -1 B");
		exit(0);
	}
	wait_child("saved id child", p);

	/* Unprivileged setuid moves only the effective id, to real or saved. */
	p = xfork();
	if (p == 0) {
		SHOW("setresuid A A B", setresuid(A, A, B));
		SHOW("setuid B (saved)", setuid(B));
		ids("after setuid B");
		SHOW("setuid A (real)", setuid(A));
		ids("after setuid A");
		SHOW("setuid 0", setuid(0));
		exit(0);
	}
	wait_child("unprivileged setuid child", p);

	/* Privileged setuid sets all three: no way back. */
	p = xfork();
	if (p == 0) {
		SHOW("setuid A as root", setuid(A));
		ids("after setuid A as root");
		SHOW("seteuid 0", seteuid(0));
		readable("reads secret", "secret");
		exit(0);
	}
	wait_child("privileged setuid child", p);

	/* The filesystem id alone. */
	p = xfork();
	if (p == 0) {
		printf("setfsuid A returns previous: %d\n", setfsuid(A));
		readable("reads secret at fsuid A", "secret");
		ids("ids at fsuid A");
		printf("setfsuid 0 returns previous: %d\n", setfsuid(0));
		readable("reads secret at fsuid 0", "secret");
		exit(0);
	}
	wait_child("fsuid child", p);

	/* Groups: the file's group in the supplementary list, or not. */
	p = xfork();
	if (p == 0) {
		SHOW("setgroups G", setgroups(1, (gid_t[]){ G }));
		SHOW("setresgid A A A", setresgid(A, A, A));
		SHOW("setresuid A A A", setresuid(A, A, A));
		readable("reads grouped with G", "grouped");
		printf("getgroups: %d\n", getgroups(0, NULL));
		SHOW("setgroups none unprivileged", setgroups(0, NULL));
		exit(0);
	}
	wait_child("groups child", p);
	p = xfork();
	if (p == 0) {
		SHOW("setgroups none", setgroups(0, NULL));
		SHOW("setresgid A A A", setresgid(A, A, A));
		SHOW("setresuid A A A", setresuid(A, A, A));
		readable("reads grouped without G", "grouped");
		SHOW("setgid G", setgid(G));
		exit(0);
	}
	wait_child("no groups child", p);

	/* Set-ID files. */
	SHOW("copy self", copy(argv[0], "setid"));
	SHOW("chown setid 0:G", chown("setid", 0, G));
	SHOW("chmod setid 06755", chmod("setid", 06755));
	exec_setid("set-uid exec", 0);
	exec_setid("set-uid exec under no_new_privs", 1);
	SHOW("chmod setid 0755", chmod("setid", 0755));
	exec_setid("plain exec", 0);
	/* A set-ID file's bits go when an unprivileged writer changes it. */
	SHOW("chmod setid 06777", chmod("setid", 06777));
	p = xfork();
	if (p == 0) {
		SHOW("setresuid A A A", setresuid(A, A, A));
		int w = open("setid", O_WRONLY);
		SHOW("write to set-ID file", write(w, "\177ELF", 4));
		close(w);
		exit(0);
	}
	wait_child("writer child", p);
	struct stat st;
	SHOW("stat setid", stat("setid", &st));
	printf("setid mode after unprivileged write: %o\n", st.st_mode & 07777);

	SHOW("unlink setid", unlink("setid"));
	SHOW("unlink grouped", unlink("grouped"));
	SHOW("unlink secret", unlink("secret"));
	scratch_done();
	return 0;
}
