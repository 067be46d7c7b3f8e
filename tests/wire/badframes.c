/*
 * Malformed and random Ethernet frames at one machine on the wire, from a
 * packet socket (tests/suites/55-wire runs it on the Linux side, at
 * cellux):
 *   badframes IFACE DST-MAC DST-IP N
 * sends N frames from IFACE to DST-MAC, cycling through kinds of damage
 * aimed at the layers a receiving stack parses: truncated headers, wrong
 * IPv4/TCP/UDP/ICMP checksums, length fields far beyond the frame (up to
 * 65535), bad header lengths, fragments that never complete, IPv6 with a
 * huge payload length, broken ARP, and frames of random bytes and random
 * length; back to back, a flood. DST-IP (IPv4, the target's address) makes
 * the IP-level frames reach its IP layer rather than be dropped as not for
 * it. The generator is seeded, so a failure can be replayed. The frames go
 * in bursts of BURST, each back to back, and after each one a ping to
 * DST-IP waits (up to a few seconds) until the target has answered: the
 * wire is first in, first out, so by then it has taken in the whole burst,
 * and what it counts does not depend on how the host shares its CPUs
 * between the two machines (unpaced, a target that falls behind makes the
 * host drop the rest from the socket between them). Prints "badframes sent
 * S of N, P of B pauses unanswered" (a full transmit queue is retried, not
 * counted as sent twice) and exits 0 when all went out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)seed;
}

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static uint8_t dst_mac[6], src_mac[6];
static uint32_t dst_ip, src_ip;

/* Ethernet header of type `type`; returns the payload's start. */
static uint8_t *eth(uint8_t *f, uint16_t type)
{
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = type >> 8;
	f[13] = type;
	return f + 14;
}

/* A well-formed IPv4 header for `proto` with `payload` bytes after it. */
static uint8_t *ipv4(uint8_t *ip, uint8_t proto, size_t payload)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (20 + payload) >> 8;
	ip[3] = 20 + payload;
	ip[4] = rnd();
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	uint16_t c = csum(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c;
	return ip + 20;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

/* Frame number i into f; returns its length. */
static size_t make(uint8_t *f, unsigned i)
{
	uint8_t *ip, *l4;
	size_t n;
	switch (i % 14) {
	case 0: /* truncated: the Ethernet header and a sliver of IPv4 */
		ip = eth(f, ETHERTYPE_IP);
		fill(ip, 6);
		ip[0] = 0x45;
		return 14 + 6;
	case 1: /* IPv4 with a wrong header checksum */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_UDP, 40);
		fill(l4, 40);
		ip[10] ^= 0x5a;
		return 14 + 60;
	case 2: /* IPv4 total length 65535 in a short frame */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_TCP, 40);
		fill(l4, 40);
		ip[2] = ip[3] = 0xff;
		ip[10] = ip[11] = 0;
		n = csum(ip, 20);
		ip[10] = n >> 8;
		ip[11] = n;
		return 14 + 60;
	case 3: /* IPv4 header length below 5 words, then above the frame */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_UDP, 20);
		fill(l4, 20);
		ip[0] = (i & 16) ? 0x42 : 0x4f;
		return 14 + 40;
	case 4: /* TCP to port 80 with a wrong checksum and random flags */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_TCP, 20 + 32);
		fill(l4, 52);
		l4[2] = 0;
		l4[3] = 80;
		l4[12] = 0x50;
		return 14 + 20 + 52;
	case 5: /* TCP whose data offset points past the segment */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_TCP, 20);
		fill(l4, 20);
		l4[2] = 0;
		l4[3] = 80;
		l4[12] = 0xf0;
		l4[13] = 0x02;
		return 14 + 40;
	case 6: /* UDP with a length of 65535 and a wrong checksum, to port 7 */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_UDP, 8 + 16);
		fill(l4, 24);
		l4[2] = 0;
		l4[3] = 7;
		l4[4] = l4[5] = 0xff;
		return 14 + 20 + 24;
	case 7: /* ICMP echo request with a wrong checksum */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_ICMP, 64);
		fill(l4, 64);
		l4[0] = 8;
		l4[1] = 0;
		return 14 + 20 + 64;
	case 8: /* a first fragment (more fragments) whose rest never comes */
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, IPPROTO_UDP, 512);
		fill(l4, 512);
		ip[6] = 0x20;
		ip[7] = i & 0x1f;
		ip[10] = ip[11] = 0;
		n = csum(ip, 20);
		ip[10] = n >> 8;
		ip[11] = n;
		return 14 + 20 + 512;
	case 9: /* IPv6 with payload length 65535 and random next headers */
		ip = eth(f, ETHERTYPE_IPV6);
		fill(ip, 40 + 48);
		ip[0] = 0x60;
		ip[4] = ip[5] = 0xff;
		ip[24] = 0xfd;
		return 14 + 40 + 48;
	case 10: /* ARP with nonsense hardware and protocol lengths */
		ip = eth(f, ETHERTYPE_ARP);
		fill(ip, 28);
		ip[0] = 0;
		ip[1] = 1;
		ip[2] = 8;
		ip[3] = 0;
		return 14 + 28;
	case 11: /* a bare Ethernet header */
		eth(f, rnd() & 1 ? ETHERTYPE_IP : ETHERTYPE_IPV6);
		return 14;
	case 12: /* random bytes after a random EtherType, random length */
		n = 14 + rnd() % 1501;
		fill(eth(f, rnd()), n - 14);
		return n;
	default: /* random IPv4 payload of any protocol, valid header */
		n = rnd() % 1481;
		ip = eth(f, ETHERTYPE_IP);
		l4 = ipv4(ip, rnd(), n);
		fill(l4, n);
		return 14 + 20 + n;
	}
}

#define BURST 100

/*
 * Pings dst_ip from raw ICMP socket `icmp` and waits for the answer to
 * this one (sequence `seq`), trying 5 times a second apart; returns
 * whether it came.
 */
static int settle(int icmp, uint16_t seq)
{
	uint16_t id = getpid() & 0xffff;
	struct sockaddr_in to = { .sin_family = AF_INET };
	memcpy(&to.sin_addr, &dst_ip, 4);
	for (int tries = 0; tries < 5; tries++) {
		uint8_t q[16] = { 8, 0, 0, 0, id >> 8, id, seq >> 8, seq };
		uint16_t c = csum(q, sizeof q);
		q[2] = c >> 8;
		q[3] = c;
		if (sendto(icmp, q, sizeof q, 0, (struct sockaddr *)&to, sizeof to) != sizeof q)
			return 0;
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			long ms = 1000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
			struct pollfd p = { .fd = icmp, .events = POLLIN };
			if (ms <= 0 || poll(&p, 1, ms) <= 0)
				break;
			uint8_t r[1500];
			ssize_t n = recv(icmp, r, sizeof r, 0);
			if (n < 20)
				continue;
			size_t h = (r[0] & 15) * 4;
			/* An echo reply (type 0) to this very request. */
			if ((size_t)n >= h + 8 && r[h] == 0 && r[h + 4] == (uint8_t)(id >> 8) && r[h + 5] == (uint8_t)id &&
			    r[h + 6] == (uint8_t)(seq >> 8) && r[h + 7] == (uint8_t)seq)
				return 1;
		}
	}
	return 0;
}

static int mac(const char *s, uint8_t *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6;
}

int main(int argc, char **argv)
{
	if (argc != 5 || !mac(argv[2], dst_mac) || inet_pton(AF_INET, argv[3], &dst_ip) != 1) {
		fprintf(stderr, "usage: badframes IFACE DST-MAC DST-IPV4 N\n");
		return 2;
	}
	unsigned total = atoi(argv[4]);
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s < 0) {
		perror("badframes: socket");
		return 2;
	}
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
	if (ioctl(s, SIOCGIFINDEX, &ifr) != 0) {
		perror("badframes: SIOCGIFINDEX");
		return 2;
	}
	int index = ifr.ifr_ifindex;
	if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0) {
		perror("badframes: SIOCGIFHWADDR");
		return 2;
	}
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFADDR, &ifr) != 0) {
		perror("badframes: SIOCGIFADDR");
		return 2;
	}
	memcpy(&src_ip, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, 4);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = index, .sll_halen = 6 };
	memcpy(to.sll_addr, dst_mac, 6);
	int icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (icmp < 0) {
		perror("badframes: ICMP socket");
		return 2;
	}
	unsigned sent = 0, pauses = 0, unanswered = 0;
	for (unsigned i = 0; i < total; i++) {
		if (i > 0 && i % BURST == 0) {
			pauses++;
			unanswered += !settle(icmp, pauses);
		}
		uint8_t f[1514];
		size_t n = make(f, i);
		for (int tries = 0; tries < 1000; tries++) {
			if (sendto(s, f, n, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)n) {
				sent++;
				break;
			}
			if (errno != ENOBUFS && errno != EAGAIN) {
				fprintf(stderr, "badframes: frame %u (%zu bytes): %s\n", i, n, strerror(errno));
				break;
			}
			usleep(1000);
		}
	}
	printf("badframes sent %u of %u, %u of %u pauses unanswered\n", sent, total, unanswered, pauses);
	return sent == total ? 0 : 1;
}
