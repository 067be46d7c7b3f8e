/*
 * UDP echo for tests/suites/55-wire, both sides of the wire:
 *   udpecho serve PORT          echoes every datagram back to its sender
 *   udpecho send HOST PORT N    N numbered datagrams, one at a time, each
 *                               waiting for its echo (1 s, resent up to 5
 *                               times); prints "echoed K of N (R resent)"
 *                               and exits 0 when every echo came back
 *                               with the bytes sent
 * HOST is numeric (IPv4 or IPv6); the server answers both.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(const char *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)), .sin6_addr = IN6ADDR_ANY_INIT };
	/* One IPv6 socket takes IPv4 as well (v4-mapped): both families' echoes. */
	int s = socket(AF_INET6, SOCK_DGRAM, 0), no = 0;
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("udpecho: bind");
		return 2;
	}
	for (;;) {
		char buf[2048];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			perror("udpecho: recvfrom");
			return 2;
		}
		sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

static int send_n(const char *host, const char *port, int n)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };
	struct sockaddr *a = (struct sockaddr *)&a4;
	socklen_t al = sizeof a4;
	if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		a = (struct sockaddr *)&a6;
		al = sizeof a6;
	} else if (inet_pton(AF_INET, host, &a4.sin_addr) != 1) {
		fprintf(stderr, "udpecho: not a numeric address: %s\n", host);
		return 2;
	}
	int s = socket(a->sa_family, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, a, al) != 0) {
		perror("udpecho: connect");
		return 2;
	}
	int echoed = 0, resent = 0;
	for (int i = 0; i < n; i++) {
		char msg[256], got[2048];
		/* Lengths vary so a short or merged echo shows. */
		int len = snprintf(msg, sizeof msg, "datagram %d of %d ", i, n);
		for (; len < 20 + (i * 37) % 200; len++)
			msg[len] = 'a' + (i + len) % 26;
		for (int attempt = 0; attempt < 6; attempt++) {
			if (attempt)
				resent++;
			if (send(s, msg, len, 0) != len)
				continue;
			struct pollfd pf = { s, POLLIN, 0 };
			int matched = 0;
			/* Echoes of earlier resends may still arrive: skip them. */
			while (!matched && poll(&pf, 1, 1000) == 1) {
				ssize_t g = recv(s, got, sizeof got, 0);
				matched = g == len && memcmp(got, msg, len) == 0;
			}
			if (matched) {
				echoed++;
				break;
			}
		}
	}
	printf("echoed %d of %d (%d resent)\n", echoed, n, resent);
	return echoed == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_n(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: udpecho serve PORT | udpecho send HOST PORT N\n");
	return 2;
}
