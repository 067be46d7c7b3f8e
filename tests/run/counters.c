/* A static C program for tests/suites/45-run: /proc/cellux/counters as a
 * process sees it. Reads it, makes 1000 getppid calls (with the argument
 * `faults`: writes the first byte of each of 1000 fresh pages of an
 * anonymous private mapping, 1000 demand-paging faults unless something
 * backs more than the page that faulted), reads it again and prints
 * `name delta` per counter. Exits 1, saying why on stderr, when the
 * file is missing, a line is not `name value` (name of [a-z0-9_], value
 * decimal), the two readings name different counters, or one went down:
 * the counters only ever grow. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MAX 64
#define CALLS 1000
#define PAGE 4096

struct reading {
	int n;
	char name[MAX][40];
	unsigned long long value[MAX];
};

static int parse_line(const char *line, char *name, unsigned long long *value)
{
	const char *p = line;
	int len = 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
		if (len == 39)
			return -1;
		name[len++] = *p++;
	}
	name[len] = 0;
	if (len == 0 || *p++ != ' ' || *p < '0' || *p > '9')
		return -1;
	*value = 0;
	while (*p >= '0' && *p <= '9')
		*value = *value * 10 + (unsigned long long)(*p++ - '0');
	return *p == 0 ? 0 : -1;
}

static int take(struct reading *r)
{
	static char text[8192];
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/cellux/counters", O_RDONLY);
	if (fd < 0) {
		perror("counters: /proc/cellux/counters");
		return -1;
	}
	while (len < sizeof(text) - 1 && (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = 0;
	if (len == 0 || text[len - 1] != '\n') {
		fprintf(stderr, "counters: empty, or no newline at the end\n");
		return -1;
	}
	r->n = 0;
	for (char *line = text, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		*end = 0;
		if (r->n == MAX || parse_line(line, r->name[r->n], &r->value[r->n]) != 0) {
			fprintf(stderr, "counters: bad line '%s'\n", line);
			return -1;
		}
		r->n++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct reading a, b;
	int faults = argc > 1 && strcmp(argv[1], "faults") == 0;
	volatile char *pages = 0;
	if (faults) {
		pages = mmap(0, CALLS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pages == MAP_FAILED) {
			perror("counters: mmap");
			return 1;
		}
	}
	if (take(&a) != 0)
		return 1;
	for (int i = 0; i < CALLS; i++) {
		if (faults)
			pages[i * PAGE] = 1;
		else
			syscall(SYS_getppid);
	}
	if (take(&b) != 0)
		return 1;
	if (a.n != b.n) {
		fprintf(stderr, "counters: %d counters, then %d\n", a.n, b.n);
		return 1;
	}
	for (int i = 0; i < a.n; i++) {
		if (strcmp(a.name[i], b.name[i]) != 0 || b.value[i] < a.value[i]) {
			fprintf(stderr, "counters: %s %llu, then %s %llu\n", a.name[i], a.value[i], b.name[i],
				b.value[i]);
			return 1;
		}
		printf("%s %llu\n", a.name[i], b.value[i] - a.value[i]);
	}
	return 0;
}
