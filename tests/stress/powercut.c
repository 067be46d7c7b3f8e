/* The workload and the checker of scripts/stress's power cuts.
 *
 *   powercut write ROUND  appends chunks to files /pc/ROUND-F (a new file
 *                         every few chunks), fsyncs each chunk (and the
 *                         folder for a new file) and only then prints
 *                         `synced NAME SIZE`, until the power goes
 *   powercut check        prints `have NAME SIZE GOOD` for every file in
 *                         /pc: its size and how many bytes from the start
 *                         hold the pattern they were written with
 *
 * The pattern is a function of the file's name and the offset, so the
 * checker needs nothing but the file; scripts/stress holds every synced
 * size against the GOOD the next boot finds. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/pc"
#define CHUNKS_PER_FILE 8

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static unsigned char pattern(uint32_t h, uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL ^ h;
	x ^= x >> 29;
	return (unsigned char)(x >> (8 * (off & 7)));
}

static int write_all(int fd, const unsigned char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return -1;
		b += w;
		n -= w;
	}
	return 0;
}

static int workload(const char *round)
{
	mkdir(DIR_, 0755);
	int dir = open(DIR_, O_RDONLY | O_DIRECTORY);
	if (dir < 0) {
		perror(DIR_);
		return 1;
	}
	fsync(dir);
	static unsigned char chunk[65536];
	uint64_t seq = 0;
	for (int f = 0;; f++) {
		char name[64];
		snprintf(name, sizeof name, "%s-%d", round, f);
		uint32_t h = name_hash(name);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || fsync(dir) != 0) {
			perror(name);
			return 1;
		}
		uint64_t size = 0;
		for (int c = 0; c < CHUNKS_PER_FILE; c++) {
			/* Sizes that are not block multiples, so partial blocks count. */
			size_t n = 1 + (seq++ * 7919) % sizeof chunk;
			for (size_t i = 0; i < n; i++)
				chunk[i] = pattern(h, size + i);
			if (write_all(fd, chunk, n) != 0 || fsync(fd) != 0) {
				perror("write/fsync");
				return 1;
			}
			size += n;
			printf("synced %s %llu\n", name, (unsigned long long)size);
			fflush(stdout);
		}
		close(fd);
	}
}

static int check(void)
{
	DIR *d = opendir(DIR_);
	if (!d) {
		printf("no %s: %s\n", DIR_, strerror(errno));
		return 0;
	}
	struct dirent *e;
	static unsigned char b[65536];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300];
		snprintf(path, sizeof path, "%s/%s", DIR_, e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("unreadable %s %s\n", e->d_name, strerror(errno));
			continue;
		}
		uint32_t h = name_hash(e->d_name);
		uint64_t off = 0, good = 0;
		int bad = 0;
		ssize_t r;
		while ((r = read(fd, b, sizeof b)) > 0) {
			for (ssize_t i = 0; i < r && !bad; i++, good++)
				if (b[i] != pattern(h, off + i))
					bad = 1;
			off += r;
		}
		if (bad)
			good--;
		close(fd);
		printf("have %s %llu %llu\n", e->d_name, (unsigned long long)off, (unsigned long long)good);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return workload(argv[2]);
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return check();
	fprintf(stderr, "usage: powercut write ROUND | powercut check\n");
	return 2;
}
