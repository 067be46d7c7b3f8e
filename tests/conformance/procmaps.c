/* Linux's view of our own address space, as its /proc shows it:
 * /proc/self/maps (a mapped file with its offset, device, inode and path;
 * an anonymous mapping's range and permissions as mmap'd, mprotect'd and
 * partly munmap'd; the executable, [heap] and [stack]), /proc/self/statm
 * and status growing as memory is mapped and as it is touched, and
 * shrinking as it is unmapped. Only properties are printed, never
 * addresses: the two kernels lay memory out differently. */
#include "conf.h"
#include <sys/mman.h>

#define P 4096UL

struct line {
	unsigned long start, end, offset, inode;
	unsigned int major, minor;
	char perms[5];
	char name[256];
};

static char text[1 << 16];

/* The whole of a /proc file, with raw reads (no stdio: its buffers would
 * be memory of their own, changing what is measured). */
static const char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r;

	text[0] = 0;
	if (fd < 0)
		return text;
	while (n < (ssize_t)sizeof text - 1 &&
	       (r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += r;
	text[n] = 0;
	close(fd);
	return text;
}

/* The maps line holding `addr`; 0 if none. */
static int find(unsigned long addr, struct line *l)
{
	const char *at = slurp("/proc/self/maps");

	while (*at) {
		const char *nl = strchr(at, '\n');
		int used = 0;

		memset(l, 0, sizeof *l);
		if (sscanf(at, "%lx-%lx %4s %lx %x:%x %lu %n", &l->start, &l->end,
			   l->perms, &l->offset, &l->major, &l->minor, &l->inode,
			   &used) >= 7) {
			size_t len = nl ? (size_t)(nl - at) : strlen(at);
			if (used > 0 && (size_t)used < len) {
				size_t n = len - used;
				if (n >= sizeof l->name)
					n = sizeof l->name - 1;
				memcpy(l->name, at + used, n);
				l->name[n] = 0;
			}
			if (l->start <= addr && addr < l->end)
				return 1;
		}
		if (!nl)
			break;
		at = nl + 1;
	}
	return 0;
}

static void perms_of(const char *label, unsigned long addr)
{
	struct line l;

	if (find(addr, &l))
		printf("%s: %s\n", label, l.perms);
	else
		printf("%s: not mapped\n", label);
}

/* statm's fields, in pages: size resident shared text lib data dt. */
static void statm(unsigned long v[7])
{
	memset(v, 0, 7 * sizeof v[0]);
	sscanf(slurp("/proc/self/statm"), "%lu %lu %lu %lu %lu %lu %lu", &v[0],
	       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]);
}

/* A "Name:   N kB" line of /proc/self/status; -1 if missing. */
static long status_kb(const char *name)
{
	const char *s = strstr(slurp("/proc/self/status"), name);
	long v = -1;

	if (s)
		sscanf(s + strlen(name), ":%ld kB", &v);
	return v;
}

static int local_on_stack(void)
{
	volatile int here = 1;
	struct line l;

	return find((unsigned long)&here, &l) && !strcmp(l.name, "[stack]") &&
	       !strcmp(l.perms, "rw-p");
}

int main(void)
{
	struct line l;
	struct stat st;
	char exe[256] = { 0 };
	unsigned long before[7], after[7];

	scratch();

	/* A file mapped from its second page: path, offset, device, inode. */
	int fd = open("mapped-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char page[P];
	for (int i = 0; i < 3; i++) {
		memset(page, 'a' + i, sizeof page);
		write(fd, page, sizeof page);
	}
	fstat(fd, &st);
	char *f = mmap(NULL, 2 * P, PROT_READ, MAP_PRIVATE, fd, P);
	YES("private file mapped", f != MAP_FAILED);
	YES("maps has it", find((unsigned long)f, &l));
	printf("private file perms: %s\n", l.perms);
	printf("private file offset: %lx\n", l.offset);
	YES("private file range exact",
	    l.start == (unsigned long)f && l.end == (unsigned long)f + 2 * P);
	YES("private file device and inode",
	    l.major == major(st.st_dev) && l.minor == minor(st.st_dev) &&
	    l.inode == st.st_ino);
	char want[512];
	snprintf(want, sizeof want, "%s/mapped-file", scratch_dir);
	YES("private file path", !strcmp(l.name, want));
	YES("private file bytes", f[0] == 'b' && f[P] == 'c');

	char *s = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	YES("shared file mapped", s != MAP_FAILED);
	find((unsigned long)s, &l);
	printf("shared file perms: %s offset %lx\n", l.perms, l.offset);
	YES("shared file path", !strcmp(l.name, want));
	close(fd);
	YES("still shown after close", find((unsigned long)s, &l) && !strcmp(l.name, want));
	munmap(s, P);
	YES("shared file gone after munmap", !find((unsigned long)s, &l));
	munmap(f, 2 * P);

	/* An anonymous mapping, reprotected and partly unmapped. */
	char *a = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	YES("anonymous mapped", a != MAP_FAILED);
	find((unsigned long)a, &l);
	printf("anonymous: %s offset %lx dev %x:%x inode %lu name '%s'\n", l.perms,
	       l.offset ? 1UL : 0UL, l.major, l.minor, l.inode, l.name);
	YES("anonymous covers its range",
	    l.start <= (unsigned long)a && l.end >= (unsigned long)a + 4 * P);
	mprotect(a + P, P, PROT_READ);
	mprotect(a + 3 * P, P, PROT_NONE);
	perms_of("page 0", (unsigned long)a);
	perms_of("page 1", (unsigned long)a + P);
	perms_of("page 2", (unsigned long)a + 2 * P);
	perms_of("page 3", (unsigned long)a + 3 * P);
	find((unsigned long)a + P, &l);
	YES("read-only part exact",
	    l.start == (unsigned long)a + P && l.end == (unsigned long)a + 2 * P);
	find((unsigned long)a, &l);
	YES("first part ends at the change", l.end == (unsigned long)a + P);
	munmap(a + 2 * P, P);
	perms_of("page 2 unmapped", (unsigned long)a + 2 * P);
	perms_of("page 3 after", (unsigned long)a + 3 * P);
	mprotect(a + P, P, PROT_READ | PROT_WRITE | PROT_EXEC);
	perms_of("page 1 rwx", (unsigned long)a + P);

	/* The executable's text and the stack; the heap once brk grows. */
	readlink("/proc/self/exe", exe, sizeof exe - 1);
	find((unsigned long)&main, &l);
	YES("main in the executable", !strcmp(l.name, exe));
	printf("main's perms: %s\n", l.perms);
	YES("local on [stack] rw-p", local_on_stack());
	unsigned long brk0 = syscall(SYS_brk, 0);
	for (int i = 1; i <= 3; i++)
		syscall(SYS_brk, brk0 + i * P);
	YES("brk grown", syscall(SYS_brk, 0) == (long)(brk0 + 3 * P));
	YES("heap named", find(brk0 + P, &l) && !strcmp(l.name, "[heap]"));
	printf("heap perms: %s\n", l.perms);
	YES("heap grown step by step is one mapping",
	    l.start <= brk0 && l.end == brk0 + 3 * P);
	syscall(SYS_brk, brk0);

	/* A hole mapped again as its neighbours are: one mapping again. */
	char *two = mmap(NULL, 4 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + P, 2 * P);
	YES("hole made", !find((unsigned long)two + P, &l));
	mmap(two + P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	YES("refilled hole joins its neighbours",
	    find((unsigned long)two, &l) && l.start <= (unsigned long)two &&
	    l.end >= (unsigned long)two + 4 * P);
	munmap(two, 4 * P);

	/* statm and status: mapped memory adds to the size at once, to the
	 * resident set only as it is touched. */
	const unsigned long n = 1024;
	statm(before);
	char *big = mmap(NULL, n * P, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	statm(after);
	YES("size grows by the mapping", after[0] - before[0] == n);
	YES("untouched is not resident", after[1] < before[1] + n / 8);
	YES("data grows by the mapping", after[5] - before[5] == n);
	long vm_size = status_kb("VmSize"), vm_rss = status_kb("VmRSS");
	statm(after);
	YES("VmSize is statm's size", vm_size == (long)(after[0] * (P / 1024)));
	for (unsigned long i = 0; i < n; i++)
		big[i * P] = 1;
	statm(after);
	YES("touched is resident", after[1] >= before[1] + n);
	long rss_touched = status_kb("VmRSS");
	YES("VmRSS grows by the touched pages", rss_touched >= vm_rss + (long)(n * (P / 1024)));
	YES("RssAnon at least the touched pages", status_kb("RssAnon") >= (long)(n * (P / 1024)));
	munmap(big, n * P);
	statm(after);
	YES("size back after munmap", after[0] == before[0]);
	YES("VmPeak keeps the peak", status_kb("VmPeak") >= vm_size);
	/* Linux's count lags by a few per-CPU batches: most of the peak. */
	long rss_now = status_kb("VmRSS");
	YES("VmHWM keeps the peak",
	    status_kb("VmHWM") >= rss_now + (long)(n * (P / 1024)) * 3 / 4);
	YES("resident back after munmap", after[1] < before[1] + n / 8);
	YES("VmExe nonzero", status_kb("VmExe") > 0);
	YES("VmStk nonzero", status_kb("VmStk") > 0);
	YES("VmData nonzero", status_kb("VmData") > 0);
	YES("VmPeak at least VmSize", status_kb("VmPeak") >= status_kb("VmSize"));

	/* stat's vsize (bytes) and rss (pages) are statm's size and resident. */
	unsigned long vsize = 0;
	long rss = 0;
	const char *stat_line = slurp("/proc/self/stat");
	const char *close_paren = strrchr(stat_line, ')');
	if (close_paren)
		sscanf(close_paren + 2,
		       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %*u %lu %ld",
		       &vsize, &rss);
	statm(after);
	YES("stat vsize is statm size", vsize == after[0] * P);
	YES("stat rss is nonzero", rss > 0);

	unlink("mapped-file");
	scratch_done();
	return 0;
}
