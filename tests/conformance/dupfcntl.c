/* dup/dup2/dup3/fcntl: lowest free fd, shared offsets, close-on-exec. */
#include "conf.h"

int main(void)
{
	scratch();
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	write(fd, "abcdef", 6);
	lseek(fd, 0, SEEK_SET);

	int d = dup(fd);
	YES("dup gives the lowest free fd", d == fd + 1);
	char c;
	read(d, &c, 1);
	printf("read via dup: %c\n", c);
	SHOW("offset shared", lseek(fd, 0, SEEK_CUR));
	SHOW("dup clears FD_CLOEXEC", fcntl(d, F_GETFD));
	close(fd);
	int again = dup(d);
	YES("closed fd reused first", again == fd);
	close(again);

	SHOW("dup2 to 20", dup2(d, 20));
	SHOW("dup2 same fd", dup2(d, d) == d);
	SHOW("dup2 bad old", dup2(1000, 21));
	SHOW("dup2 onto open fd", dup2(20, d) == d);
	SHOW("dup3 with O_CLOEXEC", dup3(d, 22, O_CLOEXEC));
	SHOW("F_GETFD after dup3", fcntl(22, F_GETFD));
	SHOW("dup3 same fd", dup3(d, d, 0));
	SHOW("dup3 bad flags", dup3(d, 23, 0x1234));
	SHOW("F_SETFD cloexec", fcntl(20, F_SETFD, FD_CLOEXEC));
	SHOW("F_GETFD", fcntl(20, F_GETFD));
	SHOW("F_SETFD 0", fcntl(20, F_SETFD, 0));
	SHOW("F_GETFD", fcntl(20, F_GETFD));
	SHOW("F_GETFL accmode", fcntl(20, F_GETFL) & O_ACCMODE);
	SHOW("F_SETFL O_APPEND|O_NONBLOCK", fcntl(20, F_SETFL, O_APPEND | O_NONBLOCK));
	SHOW("F_GETFL has O_APPEND", (fcntl(20, F_GETFL) & O_APPEND) != 0);
	SHOW("F_GETFL shared through dup", (fcntl(d, F_GETFL) & O_NONBLOCK) != 0);
	SHOW("F_DUPFD_CLOEXEC from 30", fcntl(20, F_DUPFD_CLOEXEC, 30));
	SHOW("F_GETFD on it", fcntl(30, F_GETFD));
	SHOW("F_DUPFD from 30", fcntl(20, F_DUPFD, 30));
	SHOW("F_GETFD on it", fcntl(31, F_GETFD));
	SHOW("F_DUPFD negative", fcntl(20, F_DUPFD, -1));
	SHOW("fcntl bad fd", fcntl(1000, F_GETFD));
	SHOW("fcntl bad cmd", fcntl(20, 9999));
	int r = open("f", O_RDONLY | O_CLOEXEC);
	SHOW("O_CLOEXEC at open", fcntl(r, F_GETFD));
	SHOW("F_GETFL rdonly", fcntl(r, F_GETFL) & O_ACCMODE);
	close(r);
	SHOW("F_GETFL stdout is open", fcntl(1, F_GETFL) >= 0);
	close(20); close(22); close(30); close(31); close(d);
	SHOW("F_GETFD closed", fcntl(30, F_GETFD));
	unlink("f");
	scratch_done();
	return 0;
}
