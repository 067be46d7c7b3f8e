/* Permission checks after a process drops from root to an unprivileged
 * uid: it cannot read root's mode-600 file, write into root's folders,
 * unlink root's file from a sticky folder, kill another user's process,
 * or take its uid or groups back, and it has no capabilities left. Run
 * as root (scripts/conformance runs both sides as root). The uids are
 * unusual ones, so the host has no processes of theirs. */
#include "conf.h"
#include <grp.h>
#include <sys/time.h>
#include <sys/wait.h>

#define USER 53001
#define OTHER 53002

/* capget's header and data (linux/capability.h, version 3), declared
 * here since musl's headers do not have it. */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

static int no_caps(void)
{
	struct cap_header h = { 0x20080522, 0 };
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	return !(d[0].effective | d[1].effective | d[0].permitted | d[1].permitted);
}

/* Drops every id to `uid` and the groups to none, as a daemon does. */
static void drop_to(uid_t uid)
{
	if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0) {
		printf("dropping to %d failed: %s\n", (int)uid, ename(errno));
		exit(1);
	}
}

static void put(const char *path, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, "secret\n", 7) != 7 || close(fd) != 0 || chmod(path, mode) != 0) {
		printf("making %s failed: %s\n", path, ename(errno));
		exit(1);
	}
}

int main(void)
{
	YES("running as root", getuid() == 0 && geteuid() == 0);
	scratch();
	/* The scratch folder is root's 0700; others must get through it. */
	SHOW("chmod scratch 0755", chmod(".", 0755));
	put("secret", 0600);
	put("public", 0644);
	SHOW("mkdir rootdir 0755", mkdir("rootdir", 0755));
	SHOW("mkdir sticky 1777", mkdir("sticky", 0777));
	SHOW("chmod sticky 1777", chmod("sticky", 01777));
	put("sticky/roots", 0644);
	int held = open("secret", O_RDONLY);
	YES("root opens secret", held >= 0);

	/* Another user's process, to be signalled. */
	int ready[2];
	if (pipe(ready) != 0)
		return 1;
	pid_t victim = xfork();
	if (victim == 0) {
		drop_to(OTHER);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char c;
	close(ready[1]);
	YES("victim ready", read(ready[0], &c, 1) == 1);

	pid_t child = xfork();
	if (child == 0) {
		drop_to(USER);
		uid_t r, e, s;
		getresuid(&r, &e, &s);
		printf("resuid after drop: %d %d %d\n", (int)r, (int)e, (int)s);
		printf("groups after drop: %d\n", getgroups(0, NULL));
		YES("no capabilities left", no_caps() == 1);

		/* Reading. */
		SHOW("open secret O_RDONLY", open("secret", O_RDONLY));
		OKAY("stat secret (metadata is not protected)", ({ struct stat st; stat("secret", &st); }));
		char b[8];
		SHOW("read from fd opened while root", read(held, b, sizeof b));
		OKAY("open public O_RDONLY", open("public", O_RDONLY));
		SHOW("open public O_WRONLY", open("public", O_WRONLY));
		SHOW("truncate public", truncate("public", 0));
		SHOW("chmod secret", chmod("secret", 0644));
		SHOW("chown secret", chown("secret", USER, USER));
		SHOW("utimes secret to given times", utimes("secret", (struct timeval[2]){ { 1, 0 }, { 1, 0 } }));

		/* Writing into root's folders. */
		SHOW("create in rootdir", open("rootdir/mine", O_WRONLY | O_CREAT, 0644));
		SHOW("mkdir in rootdir", mkdir("rootdir/sub", 0755));
		SHOW("symlink in rootdir", symlink("x", "rootdir/link"));
		SHOW("rename public into rootdir", rename("public", "rootdir/public"));
		SHOW("unlink secret from scratch", unlink("secret"));
		SHOW("rmdir rootdir", rmdir("rootdir"));
		SHOW("create in /", open("/perms-conformance-probe", O_WRONLY | O_CREAT, 0644));
		SHOW("chmod rootdir", chmod("rootdir", 0777));
		SHOW("mknod a fifo in rootdir", mknod("rootdir/fifo", S_IFIFO | 0644, 0));

		/* A sticky folder: one's own files yes, another's no. */
		int fd = open("sticky/mine", O_WRONLY | O_CREAT, 0644);
		YES("create in sticky", fd >= 0);
		close(fd);
		SHOW("unlink root's file in sticky", unlink("sticky/roots"));
		SHOW("rename root's file in sticky", rename("sticky/roots", "sticky/taken"));
		SHOW("unlink own file in sticky", unlink("sticky/mine"));

		/* Signals: another user's process and root's no; one's own yes. */
		SHOW("kill other user's process SIGTERM", kill(victim, SIGTERM));
		SHOW("kill other user's process 0", kill(victim, 0));
		SHOW("kill root parent 0", kill(getppid(), 0));
		pid_t own = xfork();
		if (own == 0) {
			for (;;)
				pause();
		}
		SHOW("kill own process SIGKILL", kill(own, SIGKILL));
		wait_child("own process", own);

		/* Taking privilege back. */
		SHOW("setuid 0", setuid(0));
		SHOW("seteuid 0", seteuid(0));
		SHOW("setreuid 0 0", setreuid(0, 0));
		SHOW("setresuid -1 0 -1", setresuid(-1, 0, -1));
		SHOW("setgid 0", setgid(0));
		SHOW("setegid 0", setegid(0));
		SHOW("setgroups 0", setgroups(1, (gid_t[]){ 0 }));
		SHOW("setuid other user", setuid(OTHER));
		SHOW("setuid self", setuid(USER));
		SHOW("chroot", chroot("rootdir"));
		SHOW("sethostname", sethostname("x", 1));
		getresuid(&r, &e, &s);
		printf("resuid at end: %d %d %d\n", (int)r, (int)e, (int)s);
		exit(0);
	}
	wait_child("unprivileged child", child);
	SHOW("root kills victim", kill(victim, SIGKILL));
	wait_child("victim", victim);
	YES("root still reads secret", access("secret", R_OK) == 0);
	SHOW("secret still there", unlink("secret"));
	SHOW("unlink public", unlink("public"));
	SHOW("unlink sticky/roots", unlink("sticky/roots"));
	SHOW("rmdir sticky", rmdir("sticky"));
	SHOW("rmdir rootdir", rmdir("rootdir"));
	close(held);
	scratch_done();
	return 0;
}
