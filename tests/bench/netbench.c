/*
 * The network benchmarks of scripts/bench over the wire between two QEMU
 * machines (scripts/run --wire, scripts/bench-linux --wire): the side
 * measured runs the clients, the peer (always Debian's Linux) the servers.
 *
 *   netbench serve                 the peer: a sink on TCP 5001 (reads to
 *                                  EOF, answers one byte) and an echo on
 *                                  5002, each connection in a child
 *   netbench stream HOST MIB N     N transfers of MIB MiB to HOST's sink:
 *                                  raw tcp-stream median=MB/s
 *   netbench rr HOST N             N round trips of 1 byte with HOST's
 *                                  echo, TCP_NODELAY: raw tcp-rr median=us
 *
 * The clients' sockets have 20 s send and receive timeouts: a transfer or
 * round trip that stalls ends the run with `raw NAME failed: ...` and
 * status 1 instead of hanging (scripts/bench reports it as missing).
 * After each measurement, the events per iteration (events.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include "events.h"

#define SINK_PORT 5001
#define ECHO_PORT 5002
#define CHUNK (64u << 10)
#define RR_WARMUP 100

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void failed(const char *name, const char *what)
{
	printf("raw %s failed: %s: %s\n", name, what, strerror(errno));
	exit(1);
}

static int listen_on(int port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 16) != 0) {
		perror("netbench: listen");
		exit(2);
	}
	return l;
}

static void sink(int s)
{
	static char buf[CHUNK];
	while (read(s, buf, sizeof buf) > 0)
		;
	write(s, "k", 1);
}

static void echo(int s)
{
	int one = 1;
	char b[64];
	ssize_t n;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while ((n = read(s, b, sizeof b)) > 0)
		if (write(s, b, n) != n)
			break;
}

/* Accepts on `port` forever, each connection served by `handle` in a child. */
static void serve_port(int port, void (*handle)(int))
{
	int l = listen_on(port);
	for (;;) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			continue;
		if (fork() == 0) {
			handle(s);
			_exit(0);
		}
		close(s);
	}
}

static int serve(void)
{
	signal(SIGCHLD, SIG_IGN);
	if (fork() == 0)
		serve_port(ECHO_PORT, echo);
	serve_port(SINK_PORT, sink);
	return 0;
}

/* A connection to HOST:port with the stall timeouts. */
static int dial(const char *name, const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		failed(name, "not an IPv4 address");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 20, 0 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		failed(name, "connect");
	return s;
}

static int stream(const char *host, int mib, int n)
{
	static char buf[CHUNK];
	double samples[n];
	struct events e0, e1;
	memset(buf, 'x', sizeof buf);
	iterations = n;
	read_events(&e0);
	for (int i = 0; i < n; i++) {
		double t0 = now_s();
		int s = dial("tcp-stream", host, SINK_PORT);
		for (size_t left = (size_t)mib << 20; left > 0;) {
			ssize_t w = write(s, buf, left < sizeof buf ? left : sizeof buf);
			if (w <= 0)
				failed("tcp-stream", "write");
			left -= w;
		}
		/* Done when the peer has read it all: its answer after our EOF. */
		shutdown(s, SHUT_WR);
		char k;
		if (read(s, &k, 1) != 1)
			failed("tcp-stream", "the sink's answer");
		close(s);
		samples[i] = mib * 1.048576 / (now_s() - t0);
	}
	read_events(&e1);
	report("tcp-stream", samples, n, "MB/s", 1);
	report_events("tcp-stream", &e0, &e1);
	return 0;
}

static int rr(const char *host, int n)
{
	double *samples = malloc(n * sizeof *samples);
	int s = dial("tcp-rr", host, ECHO_PORT), one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct events e0, e1;
	iterations = n + RR_WARMUP;
	read_events(&e0);
	for (int i = -RR_WARMUP; i < n; i++) {
		char c = 'r';
		double t0 = now_s();
		if (write(s, &c, 1) != 1)
			failed("tcp-rr", "write");
		if (read(s, &c, 1) != 1)
			failed("tcp-rr", "read");
		if (i >= 0)
			samples[i] = (now_s() - t0) * 1e6;
	}
	read_events(&e1);
	close(s);
	report("tcp-rr", samples, n, "us", 0);
	report_events("tcp-rr", &e0, &e1);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	if (argc == 5 && strcmp(argv[1], "stream") == 0)
		return stream(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "rr") == 0)
		return rr(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: netbench serve | stream HOST MIB N | rr HOST N\n");
	return 2;
}
