/* Unix-domain sockets (a socketpair, a named socket, fd passing) and
 * loopback TCP between a parent and its child. */
#include "conf.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static void unix_pair(void)
{
	int sv[2];
	SHOW("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	SHOW("write a->b", write(sv[0], "ping", 4));
	SHOW("write b->a", write(sv[1], "pong!", 5));
	char buf[16] = { 0 };
	SHOW("read b", read(sv[1], buf, sizeof buf));
	printf("b got %s\n", buf);
	memset(buf, 0, sizeof buf);
	SHOW("read a", read(sv[0], buf, sizeof buf));
	printf("a got %s\n", buf);
	struct ucred cr;
	socklen_t len = sizeof cr;
	SHOW("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
	YES("peer pid is us", cr.pid == getpid());
	SHOW("shutdown write", shutdown(sv[0], SHUT_WR));
	SHOW("read EOF", read(sv[1], buf, sizeof buf));
	close(sv[0]);
	signal(SIGPIPE, SIG_IGN);
	SHOW("write to closed peer", write(sv[1], "x", 1));
	close(sv[1]);

	SHOW("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	send(sv[0], "one", 3, 0);
	send(sv[0], "three", 5, 0);
	SHOW("dgram keeps boundaries", recv(sv[1], buf, sizeof buf, 0));
	SHOW("second datagram", recv(sv[1], buf, sizeof buf, 0));
	SHOW("nothing left (MSG_DONTWAIT)", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));

	/* An fd through SCM_RIGHTS: a pipe's read end. */
	int p[2];
	if (pipe(p) != 0)
		exit(99);
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = { "f", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	SHOW("sendmsg SCM_RIGHTS", sendmsg(sv[0], &mh, 0));
	close(p[0]);
	char one;
	iov.iov_base = &one;
	memset(cbuf, 0, sizeof cbuf);
	mh.msg_controllen = sizeof cbuf;
	SHOW("recvmsg", recvmsg(sv[1], &mh, 0));
	cm = CMSG_FIRSTHDR(&mh);
	int got = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	YES("got an fd", got >= 0);
	SHOW("write the pipe", write(p[1], "via", 3));
	memset(buf, 0, sizeof buf);
	SHOW("read through the passed fd", read(got, buf, sizeof buf));
	close(got);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void unix_named(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, "sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	SHOW("bind named", bind(l, (struct sockaddr *)&a, sizeof a));
	SHOW("bind again", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a));
	struct stat st;
	YES("a socket file", stat("sock", &st) == 0 && S_ISSOCK(st.st_mode));
	SHOW("listen", listen(l, 4));
	pid_t c = xfork();
	if (c == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
			_exit(90);
		if (write(s, "hi from child", 13) != 13)
			_exit(91);
		char b[8] = { 0 };
		_exit(read(s, b, sizeof b) == 3 && strcmp(b, "ack") == 0 ? 0 : 92);
	}
	int s = accept(l, NULL, NULL);
	YES("accept", s >= 0);
	char buf[32] = { 0 };
	SHOW("read from child", read(s, buf, sizeof buf));
	printf("got %s\n", buf);
	struct ucred cr;
	socklen_t len = sizeof cr;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len);
	YES("peer pid is the child", cr.pid == c);
	SHOW("write ack", write(s, "ack", 3));
	int status;
	waitpid(c, &status, 0);
	printf("child status %d\n", WEXITSTATUS(status));
	struct sockaddr_un b;
	socklen_t bl = sizeof b;
	SHOW("getsockname", getsockname(l, (struct sockaddr *)&b, &bl));
	printf("name %s\n", b.sun_path);
	close(s);
	close(l);
	SHOW("unlink", unlink("sock"));
	int x = socket(AF_UNIX, SOCK_STREAM, 0);
	SHOW("connect to nobody", connect(x, (struct sockaddr *)&a, sizeof a));
	close(x);
}

static void tcp(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	SHOW("SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	SHOW("bind 127.0.0.1:0", bind(l, (struct sockaddr *)&a, sizeof a));
	socklen_t al = sizeof a;
	SHOW("getsockname", getsockname(l, (struct sockaddr *)&a, &al));
	YES("got a port", a.sin_port != 0);
	SHOW("listen", listen(l, 4));
	int gone[2];
	if (pipe(gone) != 0)
		exit(99);
	pid_t c = xfork();
	if (c == 0) {
		close(gone[0]);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
			_exit(90);
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char big[100000];
		memset(big, 'q', sizeof big);
		size_t done = 0;
		while (done < sizeof big) {
			ssize_t n = write(s, big + done, sizeof big - done);
			if (n <= 0)
				_exit(91);
			done += n;
		}
		shutdown(s, SHUT_WR);
		char b[8] = { 0 };
		_exit(read(s, b, sizeof b) == 4 && memcmp(b, "done", 4) == 0 ? 0 : 92);
	}
	/* Accept only once the child connected, or see it gone (its end of
	 * `gone` closes when it exits), rather than wait forever. */
	close(gone[1]);
	struct pollfd pf[2] = { { l, POLLIN, 0 }, { gone[0], POLLIN, 0 } };
	poll(pf, 2, -1);
	close(gone[0]);
	if (!(pf[0].revents & POLLIN)) {
		int status;
		waitpid(c, &status, 0);
		printf("child could not connect: status %d\n", WEXITSTATUS(status));
		close(l);
		return;
	}
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	int s = accept(l, (struct sockaddr *)&peer, &pl);
	YES("accept", s >= 0);
	YES("peer is 127.0.0.1", peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	size_t total = 0, qs = 0;
	char buf[4096];
	ssize_t n;
	while ((n = read(s, buf, sizeof buf)) > 0) {
		total += n;
		for (ssize_t i = 0; i < n; i++)
			qs += buf[i] == 'q';
	}
	printf("read %zu bytes, all q %s, then %zd\n", total, qs == total ? "yes" : "no", n);
	SHOW("write done", write(s, "done", 4));
	int status;
	waitpid(c, &status, 0);
	printf("child status %d\n", WEXITSTATUS(status));
	close(s);
	close(l);
	int x = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("connect to the closed port", connect(x, (struct sockaddr *)&a, sizeof a));
	close(x);

	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(u, (struct sockaddr *)&ua, sizeof ua);
	al = sizeof ua;
	getsockname(u, (struct sockaddr *)&ua, &al);
	SHOW("udp sendto", sendto(v, "datagram", 8, 0, (struct sockaddr *)&ua, sizeof ua));
	memset(buf, 0, sizeof buf);
	SHOW("udp recv", recv(u, buf, sizeof buf, 0));
	printf("udp got %s\n", buf);
	close(u);
	close(v);
}

int main(void)
{
	scratch();
	unix_pair();
	unix_named();
	tcp();
	scratch_done();
	return 0;
}
