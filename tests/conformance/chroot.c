/* chroot: what a process sees after it, how `..` stops at the new root,
 * what a folder opened before it still reaches (Linux lets a held fd or
 * cwd climb out: chroot is not a jail for root), getcwd outside the root,
 * and who may call it. Run as root. */
#include "conf.h"
#include <grp.h>
#include <sys/wait.h>

static void cwd(const char *label)
{
	char b[4096];
	if (!getcwd(b, sizeof b))
		printf("%s: -1 %s\n", label, ename(errno));
	else
		printf("%s: %s\n", label, b);
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int main(void)
{
	YES("running as root", getuid() == 0 && geteuid() == 0);
	scratch();
	SHOW("chmod scratch 0755", chmod(".", 0755));
	SHOW("mkdir jail", mkdir("jail", 0755));
	SHOW("mkdir jail/sub", mkdir("jail/sub", 0755));
	int fd = open("jail/inside", O_WRONLY | O_CREAT, 0644);
	close(fd);
	fd = open("outside", O_WRONLY | O_CREAT, 0644);
	close(fd);

	SHOW("chroot to a file", chroot("outside"));
	SHOW("chroot to nothing", chroot("nothing"));
	SHOW("chroot to empty path", chroot(""));
	SHOW("chroot bad pointer", chroot((const char *)1));

	pid_t p = xfork();
	if (p == 0) {
		int held = open(".", O_RDONLY | O_DIRECTORY);
		SHOW("chroot jail", chroot("jail"));
		/* cwd is still outside the new root until changed. */
		SHOW("access outside by cwd before chdir", access("outside", F_OK));
		SHOW("access /inside", access("/inside", F_OK));
		SHOW("access /outside", access("/outside", F_OK));
		SHOW("access /tmp", access("/tmp", F_OK));
		SHOW("chdir /", chdir("/"));
		cwd("getcwd at new root");
		YES("/.. is /", same_file("/..", "/"));
		SHOW("chdir sub", chdir("sub"));
		SHOW("chdir ../../..", chdir("../../.."));
		cwd("getcwd after climbing");
		SHOW("access inside after climbing", access("inside", F_OK));
		OKAY("open /inside", open("/inside", O_RDONLY));
		SHOW("symlink to an absolute path", symlink("/inside", "/sub/abs"));
		SHOW("access through it (resolved in the new root)", access("/sub/abs", F_OK));
		SHOW("unlink it", unlink("/sub/abs"));

		/* A folder held from before reaches outside. */
		OKAY("openat held outside", openat(held, "outside", O_RDONLY));
		SHOW("fchdir held", fchdir(held));
		/* Linux's getcwd names such a folder "(unreachable)/..."; the
		 * libcs turn that into ENOENT. */
		char raw[4096];
		YES("raw getcwd outside the root says unreachable",
		    syscall(SYS_getcwd, raw, sizeof raw) > 0 && strncmp(raw, "(unreachable)/", 14) == 0);
		errno = 0;
		printf("getcwd outside the root: %s\n", getcwd(raw, sizeof raw) ? (raw[0] == '/' ? "a path" : "other") : ename(errno));
		SHOW("access outside by cwd", access("outside", F_OK));
		/* From a cwd outside, .. climbs to the real root, and chroot
		 * there undoes the jail. */
		for (int i = 0; i < 64; i++)
			if (chdir("..") != 0)
				break;
		SHOW("chroot . at the top", chroot("."));
		SHOW("access /tmp after escaping", access("/tmp", F_OK));
		YES("/jail not at the real root", access("/jail", F_OK) != 0);
		exit(0);
	}
	wait_child("chroot child", p);

	p = xfork();
	if (p == 0) {
		if (setgroups(0, NULL) != 0 || setgid(53021) != 0 || setuid(53021) != 0)
			_exit(90);
		SHOW("unprivileged chroot", chroot("jail"));
		SHOW("unprivileged chroot to nothing", chroot("nothing"));
		exit(0);
	}
	wait_child("unprivileged child", p);

	SHOW("unlink jail/inside", unlink("jail/inside"));
	SHOW("rmdir jail/sub", rmdir("jail/sub"));
	SHOW("rmdir jail", rmdir("jail"));
	SHOW("unlink outside", unlink("outside"));
	scratch_done();
	return 0;
}
