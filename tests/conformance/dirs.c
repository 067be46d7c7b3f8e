/* mkdir/rmdir/chdir/getcwd. */
#include "conf.h"

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

int main(void)
{
	char cwd[4096], small[4];
	scratch();

	SHOW("getcwd", getcwd(cwd, sizeof cwd) ? 0 : -1);
	YES("getcwd is the scratch folder", strcmp(cwd, scratch_dir) == 0);
	SHOW("raw getcwd returns length with NUL", syscall(SYS_getcwd, cwd, sizeof cwd) == (long)strlen(scratch_dir) + 1);
	SHOW("getcwd too small", getcwd(small, sizeof small) ? 0 : -1);
	SHOW("mkdir a", mkdir("a", 0755));
	SHOW("mkdir a again", mkdir("a", 0755));
	SHOW("mkdir a/b", mkdir("a/b", 0700));
	SHOW("mkdir in missing", mkdir("x/y", 0755));
	SHOW("mkdirat", mkdirat(AT_FDCWD, "a/c", 0755));
	int fd = open("a/file", O_CREAT | O_WRONLY, 0644);
	close(fd);
	SHOW("mkdir under a file", mkdir("a/file/x", 0755));
	SHOW("rmdir non-empty", rmdir("a"));
	SHOW("rmdir a file", rmdir("a/file"));
	SHOW("rmdir missing", rmdir("zzz"));
	SHOW("rmdir .", rmdir("."));
	SHOW("chdir a/b", chdir("a/b"));
	getcwd(cwd, sizeof cwd);
	YES("getcwd ends with /a/b", ends_with(cwd, "/a/b"));
	YES("getcwd starts with scratch", strncmp(cwd, scratch_dir, strlen(scratch_dir)) == 0);
	SHOW("chdir ..", chdir(".."));
	getcwd(cwd, sizeof cwd);
	YES("getcwd ends with /a", ends_with(cwd, "/a"));
	SHOW("chdir missing", chdir("missing"));
	SHOW("chdir to a file", chdir("file"));
	fd = open("c", O_RDONLY | O_DIRECTORY);
	YES("open dir O_DIRECTORY", fd > 2);
	SHOW("fchdir", fchdir(fd));
	close(fd);
	getcwd(cwd, sizeof cwd);
	YES("getcwd ends with /a/c", ends_with(cwd, "/a/c"));
	SHOW("chdir /", chdir("/"));
	getcwd(cwd, sizeof cwd);
	printf("cwd now [%s]\n", cwd);
	SHOW("chdir back", chdir(scratch_dir));
	SHOW("rmdir a/b", rmdir("a/b"));
	SHOW("rmdir a/c/", rmdir("a/c/"));
	SHOW("unlink a dir", unlink("a"));
	SHOW("unlink a/file", unlink("a/file"));
	SHOW("rmdir a", rmdir("a"));
	SHOW("rmdir a again", rmdir("a"));
	SHOW("mkdir removed cwd", ({ mkdir("gone", 0755); chdir("gone"); rmdir("../gone"); }));
	SHOW("getcwd of removed dir", getcwd(cwd, sizeof cwd) ? 0 : -1);
	SHOW("create in removed dir", open("x", O_CREAT | O_WRONLY, 0644));
	scratch_done();
	return 0;
}
