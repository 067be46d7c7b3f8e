/* open/read/write/lseek/pread/pwrite/close/unlink/rename/truncate. */
#include "conf.h"

int main(void)
{
	char buf[64];
	struct stat st;
	scratch();

	int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0644);
	YES("open O_CREAT|O_EXCL gives fd above 2", fd > 2);
	SHOW("open O_EXCL again", open("f", O_CREAT | O_EXCL | O_RDWR, 0644));
	SHOW("write", write(fd, "hello, world", 12));
	SHOW("lseek SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
	SHOW("lseek SEEK_SET 7", lseek(fd, 7, SEEK_SET));
	memset(buf, 0, sizeof buf);
	SHOW("read 10 at 7", read(fd, buf, 10));
	printf("read got [%s]\n", buf);
	SHOW("read at EOF", read(fd, buf, 10));
	SHOW("lseek SEEK_END -5", lseek(fd, -5, SEEK_END));
	SHOW("lseek negative", lseek(fd, -100, SEEK_SET));
	SHOW("lseek bad whence", lseek(fd, 0, 42));
	SHOW("pwrite at 0", pwrite(fd, "HELLO", 5, 0));
	SHOW("offset unchanged by pwrite", lseek(fd, 0, SEEK_CUR));
	memset(buf, 0, sizeof buf);
	SHOW("pread 12 at 0", pread(fd, buf, 12, 0));
	printf("pread got [%s]\n", buf);
	SHOW("pread past end", pread(fd, buf, 5, 100));
	SHOW("pwrite past end", pwrite(fd, "!", 1, 20));
	SHOW("fstat", fstat(fd, &st));
	printf("size with hole: %ld\n", (long)st.st_size);
	SHOW("pread in hole", pread(fd, buf, 3, 14));
	YES("hole reads zeros", buf[0] == 0 && buf[1] == 0 && buf[2] == 0);
	SHOW("ftruncate 5", ftruncate(fd, 5));
	SHOW("fstat", fstat(fd, &st));
	printf("size: %ld\n", (long)st.st_size);
	SHOW("close", close(fd));
	SHOW("close again", close(fd));
	SHOW("write closed fd", write(fd, "x", 1));
	SHOW("read closed fd", read(fd, buf, 1));

	SHOW("truncate to 3", truncate("f", 3));
	SHOW("stat", stat("f", &st));
	printf("size: %ld\n", (long)st.st_size);
	SHOW("truncate missing", truncate("nope", 0));

	fd = open("f", O_WRONLY | O_APPEND);
	YES("open O_APPEND", fd > 2);
	SHOW("lseek 0", lseek(fd, 0, SEEK_SET));
	SHOW("append write", write(fd, "abc", 3));
	SHOW("offset after append", lseek(fd, 0, SEEK_CUR));
	SHOW("read on O_WRONLY", read(fd, buf, 1));
	close(fd);
	fd = open("f", O_RDONLY);
	memset(buf, 0, sizeof buf);
	SHOW("read back", read(fd, buf, sizeof buf));
	printf("content [%s]\n", buf);
	SHOW("write on O_RDONLY", write(fd, "x", 1));
	close(fd);

	SHOW("rename f g", rename("f", "g"));
	SHOW("open old name", open("f", O_RDONLY));
	SHOW("stat new name", stat("g", &st));
	printf("size: %ld\n", (long)st.st_size);
	fd = open("h", O_CREAT | O_WRONLY, 0600);
	SHOW("write h", write(fd, "h", 1));
	close(fd);
	SHOW("rename g over h", rename("g", "h"));
	SHOW("stat h", stat("h", &st));
	printf("size: %ld\n", (long)st.st_size);
	SHOW("rename missing", rename("g", "x"));
	OKAY("open O_TRUNC", fd = open("h", O_RDWR | O_TRUNC));
	SHOW("fstat", fstat(fd, &st));
	printf("size: %ld\n", (long)st.st_size);
	close(fd);
	SHOW("open O_DIRECTORY on file", open("h", O_RDONLY | O_DIRECTORY));
	SHOW("open missing", open("missing", O_RDONLY));
	SHOW("open in missing dir", open("missing/x", O_CREAT | O_WRONLY, 0644));
	SHOW("unlink h", unlink("h"));
	SHOW("unlink again", unlink("h"));
	SHOW("lseek on pipe", ({ int p[2]; pipe(p); long r = lseek(p[0], 0, SEEK_SET); int e = errno; close(p[0]); close(p[1]); errno = e; r; }));
	scratch_done();
	return 0;
}
