/* getdents64: every entry once across small-buffer calls, d_type,
 * the errors for a file, a bad fd and a buffer too small for one entry. */
#include "conf.h"
#include <dirent.h>

struct d64 {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path, size_t bufsize)
{
	char buf[4096] __attribute__((aligned(8)));
	char *names[64];
	int n = 0, calls = 0, bad = 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	for (;;) {
		long r = syscall(SYS_getdents64, fd, buf, bufsize);
		if (r < 0) {
			printf("getdents64 %s: -1 %s\n", path, ename(errno));
			break;
		}
		if (r == 0)
			break;
		calls++;
		for (long pos = 0; pos < r;) {
			struct d64 *d = (struct d64 *)(buf + pos);
			if (d->reclen == 0 || d->reclen % 8 != 0 || pos + d->reclen > r) {
				bad++;
				break;
			}
			char tmp[300];
			snprintf(tmp, sizeof tmp, "%s:%s", d->name,
				 d->type == DT_DIR ? "dir" : d->type == DT_REG ? "reg" :
				 d->type == DT_LNK ? "lnk" : d->type == DT_UNKNOWN ? "unknown" : "other");
			if (n < 64)
				names[n++] = strdup(tmp);
			pos += d->reclen;
		}
	}
	qsort(names, n, sizeof *names, cmp);
	printf("%s with %zu-byte buffer: %d entries, several calls: %s, malformed: %d\n", path, bufsize, n,
	       calls > 1 ? "yes" : "no", bad);
	for (int i = 0; i < n; i++) {
		printf("  %s\n", names[i]);
		free(names[i]);
	}
	SHOW("  at end again", syscall(SYS_getdents64, fd, buf, bufsize));
	SHOW("  lseek 0", lseek(fd, 0, SEEK_SET));
	YES("  entries again after rewind", syscall(SYS_getdents64, fd, buf, bufsize) > 0);
	close(fd);
}

int main(void)
{
	char buf[4096] __attribute__((aligned(8)));
	scratch();
	mkdir("d", 0755);
	mkdir("d/sub", 0755);
	close(open("d/a", O_CREAT | O_WRONLY, 0644));
	close(open("d/b", O_CREAT | O_WRONLY, 0644));
	symlink("a", "d/link");
	char name[40];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "d/file-with-a-longer-name-%02d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	list("d", 4096);
	list("d", 100);
	list("d/sub", 4096);

	int fd = open("d", O_RDONLY | O_DIRECTORY);
	SHOW("buffer too small", syscall(SYS_getdents64, fd, buf, 8));
	close(fd);
	fd = open("d/a", O_RDONLY);
	SHOW("getdents64 on a file", syscall(SYS_getdents64, fd, buf, sizeof buf));
	close(fd);
	SHOW("getdents64 bad fd", syscall(SYS_getdents64, 1000, buf, sizeof buf));

	/* readdir, as each libc uses getdents64 its own way */
	DIR *dir = opendir("d");
	int count = 0;
	struct dirent *e;
	while ((e = readdir(dir)))
		count++;
	closedir(dir);
	printf("readdir count: %d\n", count);

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "d/file-with-a-longer-name-%02d", i);
		unlink(name);
	}
	unlink("d/a"); unlink("d/b"); unlink("d/link"); rmdir("d/sub"); rmdir("d");
	scratch_done();
	return 0;
}
