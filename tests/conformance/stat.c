/* stat/fstat/lstat/newfstatat. */
#include "conf.h"

static void show(const char *what, struct stat *st)
{
	const char *type = S_ISREG(st->st_mode) ? "regular" : S_ISDIR(st->st_mode) ? "directory" :
		S_ISLNK(st->st_mode) ? "symlink" : S_ISCHR(st->st_mode) ? "char" :
		S_ISFIFO(st->st_mode) ? "fifo" : "other";
	printf("%s: %s mode %o size %ld nlink %ld\n", what, type, st->st_mode & 07777,
	       S_ISDIR(st->st_mode) ? 0L : (long)st->st_size, S_ISDIR(st->st_mode) ? 0L : (long)st->st_nlink);
}

int main(void)
{
	struct stat st, st2;
	umask(022);
	scratch();

	int fd = open("f", O_CREAT | O_WRONLY, 0666);
	write(fd, "0123456789", 10);
	SHOW("fstat", fstat(fd, &st));
	show("f via fstat", &st);
	YES("fstat blksize positive", st.st_blksize > 0);
	YES("uid is ours", st.st_uid == geteuid());
	close(fd);
	SHOW("stat", stat("f", &st2));
	show("f via stat", &st2);
	YES("same inode and device", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	SHOW("link", link("f", "f2"));
	SHOW("stat", stat("f2", &st));
	show("f2", &st);
	SHOW("symlink", symlink("f", "l"));
	SHOW("lstat", lstat("l", &st));
	show("l via lstat", &st);
	SHOW("stat follows", stat("l", &st));
	show("l via stat", &st);
	SHOW("newfstatat nofollow", fstatat(AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW));
	show("l via fstatat nofollow", &st);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	SHOW("newfstatat relative to dirfd", fstatat(dfd, "f", &st, 0));
	show("f via fstatat", &st);
	SHOW("newfstatat AT_EMPTY_PATH", fstatat(dfd, "", &st, AT_EMPTY_PATH));
	show("dir via AT_EMPTY_PATH", &st);
	SHOW("raw newfstatat", syscall(SYS_newfstatat, AT_FDCWD, "f", &st, 0));
	show("f raw", &st);
	SHOW("newfstatat bad flags", syscall(SYS_newfstatat, AT_FDCWD, "f", &st, 0x12345));
	SHOW("newfstatat bad dirfd", fstatat(1000, "f", &st, 0));
	SHOW("chmod", chmod("f", 0640));
	SHOW("stat", stat("f", &st));
	show("f after chmod", &st);
	SHOW("mkdir", mkdir("d", 0777));
	SHOW("stat dir", stat("d", &st));
	show("d", &st);
	SHOW("stat missing", stat("missing", &st));
	SHOW("lstat missing", lstat("missing", &st));
	SHOW("stat through file", stat("f/x", &st));
	SHOW("symlink dangling", symlink("missing", "dl"));
	SHOW("stat dangling", stat("dl", &st));
	SHOW("lstat dangling", lstat("dl", &st));
	SHOW("symlink loop", symlink("loop", "loop"));
	SHOW("stat loop", stat("loop", &st));
	SHOW("fstat bad fd", fstat(1000, &st));
	SHOW("stat /dev/null", stat("/dev/null", &st));
	show("/dev/null", &st);
	YES("/dev/null rdev 1:3", major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	int p[2];
	pipe(p);
	SHOW("fstat pipe", fstat(p[0], &st));
	printf("pipe is fifo: %s\n", S_ISFIFO(st.st_mode) ? "yes" : "no");
	char name[] = "x";
	SHOW("stat /", stat("/", &st));
	show("/", &st);
	(void)name;
	unlink("f"); unlink("f2"); unlink("l"); unlink("dl"); unlink("loop"); rmdir("d");
	close(dfd);
	scratch_done();
	return 0;
}
