/* Sockets beyond sockets.c (issue 15): non-blocking connect, poll and
 * epoll readiness on TCP sockets (EPOLLRDHUP, edge-triggered), socket
 * options and their errors, SO_REUSEADDR against TIME_WAIT, SO_RCVTIMEO,
 * shutdown, numeric getaddrinfo/getnameinfo for IPv4 and IPv6, TCP over
 * IPv6 loopback and v4-mapped peers, ancillary data cut short
 * (MSG_CTRUNC) and SCM_CREDENTIALS over Unix sockets. All on loopback. */
#include "conf.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

/* A listening TCP socket on 127.0.0.1, its address in *a. */
static int listener(struct sockaddr_in *a)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof *a;
	if (bind(l, (struct sockaddr *)a, sizeof *a) != 0 || getsockname(l, (struct sockaddr *)a, &al) != 0 || listen(l, 8) != 0)
		exit(99);
	return l;
}

/* The revents of a poll of fd for `events`, waiting up to `ms`. */
static const char *ready_in(int fd, short events, int ms)
{
	static char b[64];
	struct pollfd p = { fd, events, 0 };
	int n = poll(&p, 1, ms);
	snprintf(b, sizeof b, "%d%s%s%s%s%s", n, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
		 p.revents & POLLRDHUP ? " RDHUP" : "", p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "");
	return b;
}

/* The same without waiting: what is ready now. */
static const char *ready(int fd, short events)
{
	return ready_in(fd, events, 0);
}

static void nonblocking_connect(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	/* Linux answers EINPROGRESS even on loopback, where the handshake
	 * may already be over. */
	YES("non-blocking connect: 0 or EINPROGRESS", r == 0 || errno == EINPROGRESS);
	struct pollfd p = { c, POLLOUT, 0 };
	SHOW("poll until writable", poll(&p, 1, 5000));
	int err = -1;
	socklen_t el = sizeof err;
	SHOW("SO_ERROR", getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
	printf("SO_ERROR value %d\n", err);
	SHOW("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
	/* The server's side of the handshake may end just after the client's. */
	printf("listener: %s\n", ready_in(l, POLLIN, 5000));
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	YES("accept4", s >= 0);
	SHOW("listener O_NONBLOCK", fcntl(l, F_SETFL, O_NONBLOCK));
	SHOW("accept, none pending", accept(l, NULL, NULL));
	char b[8];
	SHOW("recv, nothing yet", recv(s, b, sizeof b, 0));
	close(s);
	close(c);
	close(l);

	/* A refused non-blocking connect: the error now or through SO_ERROR. */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof a);
	if (r != 0 && errno == EINPROGRESS) {
		p.fd = c;
		poll(&p, 1, 5000);
		el = sizeof err;
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	} else {
		err = r == 0 ? 0 : errno;
	}
	printf("refused non-blocking connect: %s\n", err ? ename(err) : "connected");
	close(c);
}

static void readiness(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("connect", connect(c, (struct sockaddr *)&a, sizeof a));
	int s = accept(l, NULL, NULL);
	printf("poll fresh: %s\n", ready(s, POLLIN | POLLOUT | POLLRDHUP));

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 7 };
	SHOW("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	SHOW("epoll_ctl ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	SHOW("epoll_ctl DEL of an fd not added", epoll_ctl(ep, EPOLL_CTL_DEL, c, &ev));
	SHOW("epoll_ctl ADD itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	SHOW("epoll_ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	SHOW("epoll_ctl bad op", epoll_ctl(ep, 99, s, &ev));
	SHOW("epoll_wait nothing", epoll_wait(ep, &ev, 1, 0));
	SHOW("epoll_wait maxevents 0", epoll_wait(ep, &ev, 0, 0));
	SHOW("write 5", write(c, "hello", 5));
	struct epoll_event got[4];
	SHOW("epoll_wait data", epoll_wait(ep, got, 4, 5000));
	printf("event u32 %u IN %d RDHUP %d\n", got[0].data.u32, !!(got[0].events & EPOLLIN), !!(got[0].events & EPOLLRDHUP));
	SHOW("edge-triggered: not again", epoll_wait(ep, got, 4, 0));
	printf("poll with data: %s\n", ready(s, POLLIN | POLLOUT | POLLRDHUP));
	char b[16];
	SHOW("read", read(s, b, sizeof b));
	SHOW("shutdown peer write", shutdown(c, SHUT_WR));
	SHOW("epoll_wait RDHUP", epoll_wait(ep, got, 4, 5000));
	printf("event IN %d RDHUP %d HUP %d\n", !!(got[0].events & EPOLLIN), !!(got[0].events & EPOLLRDHUP), !!(got[0].events & EPOLLHUP));
	printf("poll after peer's shutdown: %s\n", ready(s, POLLIN | POLLOUT | POLLRDHUP));
	SHOW("read EOF", read(s, b, sizeof b));
	ev.events = EPOLLOUT;
	SHOW("epoll_ctl MOD to OUT", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	SHOW("epoll_wait OUT", epoll_wait(ep, got, 4, 5000));
	printf("event OUT %d\n", !!(got[0].events & EPOLLOUT));
	SHOW("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL));
	SHOW("epoll_wait after DEL", epoll_wait(ep, got, 4, 0));
	close(c);
	/* Give the peer's FIN/close time to arrive (loopback: immediate). */
	struct pollfd p = { s, POLLIN, 0 };
	poll(&p, 1, 1000);
	printf("poll after peer's close: %s\n", ready(s, POLLIN | POLLOUT | POLLRDHUP));
	signal(SIGPIPE, SIG_IGN);
	/* The first write after the peer closed draws its RST; the second
	 * then fails. */
	write(s, "x", 1);
	poll(&p, 1, 1000);
	SHOW("write to a reset peer", write(s, "x", 1));
	close(s);
	close(ep);
	close(l);
}

static void options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v = 0, one = 1;
	socklen_t vl = sizeof v;
#define GET(label, level, name) do { v = -1; vl = sizeof v; SHOW(label, getsockopt(s, level, name, &v, &vl)); printf("  = %d (len %u)\n", v, vl); } while (0)
	GET("SO_TYPE", SOL_SOCKET, SO_TYPE);
	GET("SO_DOMAIN", SOL_SOCKET, SO_DOMAIN);
	GET("SO_PROTOCOL", SOL_SOCKET, SO_PROTOCOL);
	GET("SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN);
	GET("SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE);
	SHOW("set SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
	GET("SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE);
	GET("TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY);
	SHOW("set TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	GET("TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY);
	int want = 65536;
	SHOW("set SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &want, sizeof want));
	GET("SO_RCVBUF (Linux doubles it)", SOL_SOCKET, SO_RCVBUF);
	SHOW("set SO_SNDBUF", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &want, sizeof want));
	GET("SO_SNDBUF", SOL_SOCKET, SO_SNDBUF);
	GET("IP_TTL", IPPROTO_IP, IP_TTL);
	struct linger lg = { 1, 3 }, lg2;
	SHOW("set SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	vl = sizeof lg2;
	SHOW("get SO_LINGER", getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &vl));
	printf("  = on %d, %d s\n", lg2.l_onoff, lg2.l_linger);
	SHOW("unknown level", getsockopt(s, 12345, 1, &v, &vl));
	vl = sizeof v;
	SHOW("unknown SOL_SOCKET option", getsockopt(s, SOL_SOCKET, 12345, &v, &vl));
	SHOW("setsockopt short optlen", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, 1));
	vl = sizeof v;
	SHOW("getsockopt to a wild pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &vl));
	SHOW("getsockopt, wild optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8));
	SHOW("setsockopt from a wild pointer", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (void *)8, sizeof one));
	vl = sizeof v;
	SHOW("getsockopt on a file", getsockopt(0, SOL_SOCKET, SO_TYPE, &v, &vl));
	SHOW("getsockopt on a closed fd", getsockopt(999, SOL_SOCKET, SO_TYPE, &v, &vl));
	SHOW("socket of an unknown family", socket(12345, SOCK_STREAM, 0));
	SHOW("socket of an unknown protocol", socket(AF_INET, SOCK_STREAM, 12345));
	SHOW("bind a short address", bind(s, (struct sockaddr *)&v, 2));
	SHOW("listen, then SO_ACCEPTCONN", listen(s, 1));
	GET("SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN);
	close(s);

	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	s = u;
	GET("IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY);
	GET("SO_TYPE (udp6)", SOL_SOCKET, SO_TYPE);
	close(u);
#undef GET
}

static void reuseaddr(void)
{
	/* A listener with SO_REUSEADDR, as servers have it: the connection it
	 * accepts inherits it, and a later bind needs it too. */
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("SO_REUSEADDR on the listener", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(l, (struct sockaddr *)&a, &al) != 0 || listen(l, 8) != 0)
		exit(99);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	int s = accept(l, NULL, NULL);
	int other = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("bind the listening port", bind(other, (struct sockaddr *)&a, sizeof a));
	close(other);
	/* The server side closes first: its port goes into TIME_WAIT. */
	close(s);
	char b[4];
	read(c, b, sizeof b);
	close(c);
	close(l);
	int x = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("rebind in TIME_WAIT", bind(x, (struct sockaddr *)&a, sizeof a));
	close(x);
	x = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("SO_REUSEADDR", setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	SHOW("rebind in TIME_WAIT with SO_REUSEADDR", bind(x, (struct sockaddr *)&a, sizeof a));
	SHOW("listen there", listen(x, 1));
	int y = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	SHOW("a second bind while it listens, both SO_REUSEADDR", bind(y, (struct sockaddr *)&a, sizeof a));
	close(y);
	close(x);
}

static long ms_since(struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void timeouts_shutdown(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	int s = accept(l, NULL, NULL);
	struct timeval tv = { 0, 200000 }, back;
	SHOW("SO_RCVTIMEO 200 ms", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	socklen_t bl = sizeof back;
	SHOW("get SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &back, &bl));
	printf("  = %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char b[8];
	SHOW("recv times out", recv(s, b, sizeof b, 0));
	long ms = ms_since(&t0);
	YES("after about 200 ms", ms >= 150 && ms < 5000);
	struct timeval bad = { 0, 2000000 };
	SHOW("SO_RCVTIMEO with usec >= 1e6", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad));
	SHOW("SO_SNDTIMEO", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));

	SHOW("shutdown bad how", shutdown(s, 7));
	SHOW("shutdown SHUT_RD", shutdown(s, SHUT_RD));
	SHOW("recv after SHUT_RD", recv(s, b, sizeof b, 0));
	signal(SIGPIPE, SIG_IGN);
	SHOW("shutdown SHUT_WR", shutdown(s, SHUT_WR));
	SHOW("write after SHUT_WR", write(s, "x", 1));
	SHOW("peer reads EOF", read(c, b, sizeof b));
	SHOW("peer's shutdown SHUT_RDWR in CLOSE_WAIT", shutdown(c, SHUT_RDWR));
	int u = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("shutdown unconnected", shutdown(u, SHUT_RDWR));
	SHOW("shutdown a file", shutdown(0, SHUT_RDWR));
	close(u);
	close(c);
	close(s);
	close(l);
}

static void names(void)
{
	const char *hosts[] = { "127.0.0.1", "::1", "::ffff:10.1.2.3", "fd00:9::1", "1.2.3.256", "localhost-not-numeric" };
	for (unsigned i = 0; i < sizeof hosts / sizeof *hosts; i++) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
		struct addrinfo *ai = NULL;
		int r = getaddrinfo(hosts[i], "8080", &hints, &ai);
		if (r != 0) {
			printf("getaddrinfo %s: %s\n", hosts[i], r == EAI_NONAME ? "EAI_NONAME" : "other error");
			continue;
		}
		char h[64], p[16];
		int g = getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV);
		printf("getaddrinfo %s: family %s, %s port %s (%d)\n", hosts[i], ai->ai_family == AF_INET ? "inet" : "inet6", h, p, g);
		freeaddrinfo(ai);
	}
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int r = getaddrinfo("::1", "80", &hints, &ai);
	printf("getaddrinfo ::1 as AF_INET: %s\n", r == 0 ? "found" : "error");
	if (r == 0)
		freeaddrinfo(ai);
}

static void ipv6(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	SHOW("bind [::1]:0", bind(l, (struct sockaddr *)&a, sizeof a));
	socklen_t al = sizeof a;
	getsockname(l, (struct sockaddr *)&a, &al);
	SHOW("listen", listen(l, 4));
	int c = socket(AF_INET6, SOCK_STREAM, 0);
	SHOW("connect [::1]", connect(c, (struct sockaddr *)&a, sizeof a));
	struct sockaddr_in6 peer;
	socklen_t pl = sizeof peer;
	int s = accept(l, (struct sockaddr *)&peer, &pl);
	char h[64];
	inet_ntop(AF_INET6, &peer.sin6_addr, h, sizeof h);
	printf("peer %s, len %u\n", h, pl);
	SHOW("send", send(c, "six", 3, 0));
	char b[8] = { 0 };
	SHOW("recv", recv(s, b, sizeof b, 0));
	printf("got %s\n", b);
	close(s);
	close(c);
	close(l);

	/* A dual-stack listener on [::] and an IPv4 client: a v4-mapped peer. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	int no = 0;
	SHOW("IPV6_V6ONLY off", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no));
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	SHOW("bind [::]:0", bind(l, (struct sockaddr *)&any, sizeof any));
	al = sizeof any;
	getsockname(l, (struct sockaddr *)&any, &al);
	listen(l, 4);
	c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = any.sin6_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	SHOW("connect 127.0.0.1 to it", connect(c, (struct sockaddr *)&v4, sizeof v4));
	pl = sizeof peer;
	s = accept(l, (struct sockaddr *)&peer, &pl);
	inet_ntop(AF_INET6, &peer.sin6_addr, h, sizeof h);
	printf("v4 peer seen as %s\n", h);
	close(s);
	close(c);
	close(l);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 nobody = { .sin6_family = AF_INET6, .sin6_port = any.sin6_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	SHOW("connect to a closed [::1] port", connect(c, (struct sockaddr *)&nobody, sizeof nobody));
	close(c);
}

static void unix_ancillary(void)
{
	int sv[2];
	SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* Two fds into room for one: MSG_CTRUNC, and the one that fits. */
	int fds[2] = { 0, 1 };
	char cbuf[CMSG_SPACE(sizeof fds)];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = { "f", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	SHOW("sendmsg two fds", sendmsg(sv[0], &mh, 0));
	/* CMSG_LEN, not CMSG_SPACE: the padding would hold a second int. */
	char small[CMSG_SPACE(sizeof(int))], one;
	memset(small, 0, sizeof small);
	iov.iov_base = &one;
	struct msghdr rh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = CMSG_LEN(sizeof(int)) };
	SHOW("recvmsg with room for one", recvmsg(sv[1], &rh, 0));
	YES("MSG_CTRUNC", rh.msg_flags & MSG_CTRUNC);
	cm = CMSG_FIRSTHDR(&rh);
	YES("one SCM_RIGHTS fd arrived", cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)));
	if (cm && cm->cmsg_type == SCM_RIGHTS) {
		for (unsigned i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int got;
			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof got);
			close(got);
		}
	}
	SHOW("sendmsg a bad fd", ({ memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), (int[]){ 999, 998 }, sizeof fds); sendmsg(sv[0], &mh, 0); }));
	/* The system call itself: musl's sendmsg copies the control data
	 * before the kernel sees it, and would crash on the wild pointer. */
	SHOW("sendmsg a wild control pointer", ({ struct msghdr w = mh; w.msg_control = (void *)8; syscall(SYS_sendmsg, sv[0], &w, 0); }));
	close(sv[0]);
	close(sv[1]);

	/* Credentials: SO_PASSCRED on the receiver, SCM_CREDENTIALS comes with
	 * each message, our own unless we send other ones. */
	SHOW("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	int on = 1;
	SHOW("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
	SHOW("send", send(sv[0], "c", 1, 0));
	char cb[CMSG_SPACE(sizeof(struct ucred))];
	rh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb };
	SHOW("recvmsg", recvmsg(sv[1], &rh, 0));
	cm = CMSG_FIRSTHDR(&rh);
	struct ucred cr = { 0 };
	if (cm && cm->cmsg_type == SCM_CREDENTIALS)
		memcpy(&cr, CMSG_DATA(cm), sizeof cr);
	YES("SCM_CREDENTIALS with our pid, uid, gid", cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid());
	struct ucred lie = { .pid = 1, .uid = 0, .gid = 0 };
	char sb[CMSG_SPACE(sizeof lie)];
	memset(sb, 0, sizeof sb);
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = sb, .msg_controllen = sizeof sb };
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof lie);
	memcpy(CMSG_DATA(cm), &lie, sizeof lie);
	/* Root may name another pid only with CAP_SYS_ADMIN in its pid
	 * namespace: answers differ with privilege, so only our own is sent. */
	lie.pid = getpid();
	lie.uid = getuid();
	lie.gid = getgid();
	memcpy(CMSG_DATA(cm), &lie, sizeof lie);
	SHOW("sendmsg our own credentials", sendmsg(sv[0], &mh, 0));
	rh.msg_controllen = sizeof cb;
	SHOW("recvmsg", recvmsg(sv[1], &rh, 0));
	cm = CMSG_FIRSTHDR(&rh);
	YES("credentials came", cm && cm->cmsg_type == SCM_CREDENTIALS);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	nonblocking_connect();
	readiness();
	options();
	reuseaddr();
	timeouts_shutdown();
	names();
	ipv6();
	unix_ancillary();
	return 0;
}
