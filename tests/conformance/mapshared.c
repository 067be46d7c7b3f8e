/* MAP_SHARED file mappings are the file: what is written through one is
 * seen by read() and by every other mapping of the file (in this
 * process, a forked child, and a process that opened and mapped it on
 * its own), write() is seen through them, msync and munmap write back,
 * the mapping outlives its fd, a truncated file's pages past the end are
 * SIGBUS, futexes in a file mapping are shared between processes, and
 * /dev/shm is a place for such files. Also mmap's and mprotect's errors
 * for files opened without the access asked for. */
#include "conf.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static char path[64];

static int status_of(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int file_has(int fd, off_t at, const char *s)
{
	char buf[64] = { 0 };
	size_t n = strlen(s);
	return pread(fd, buf, n, at) == (ssize_t)n && memcmp(buf, s, n) == 0;
}

static sigjmp_buf jb;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(jb, 1);
}

/* Reads one byte at p; 1 if that was SIGBUS (its si_code in bus_code). */
static int read_faults(volatile char *p)
{
	bus_code = 0;
	if (sigsetjmp(jb, 1))
		return 1;
	(void)*p;
	return 0;
}

static long futex(int *uaddr, int op, int val, long timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000 };
	return syscall(SYS_futex, uaddr, op, val, timeout_ms ? &ts : NULL, NULL, 0);
}

static void coherence(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char page[PAGE];
	for (int i = 0; i < 3; i++) {
		memset(page, 'a' + i, PAGE);
		if (write(fd, page, PAGE) != PAGE)
			printf("write failed\n");
	}
	char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	YES("mmap shared rw", m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	YES("mapping shows the file", m[0] == 'a' && m[PAGE] == 'b' && m[3 * PAGE - 1] == 'c');
	memcpy(m + 100, "hello", 5);
	YES("store seen by pread", file_has(fd, 100, "hello"));
	SHOW("pwrite", pwrite(fd, "world", 5, 5000));
	YES("pwrite seen through the mapping", memcmp(m + 5000, "world", 5) == 0);

	/* A second mapping of the same file in this process. */
	char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	YES("second mapping at an offset", m2 != MAP_FAILED && memcmp(m2 + 5000 - PAGE, "world", 5) == 0);
	m[PAGE + 8] = 'Z';
	YES("store seen through the second mapping", m2 != MAP_FAILED && m2[8] == 'Z');
	if (m2 != MAP_FAILED)
		munmap(m2, PAGE);

	/* A forked child's inherited mapping, and one of its own. */
	pid_t pid = xfork();
	if (pid == 0) {
		int ok = memcmp(m + 100, "hello", 5) == 0;
		memcpy(m + 2 * PAGE + 16, "child", 5);
		int cfd = open(path, O_RDWR);
		char *c = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (c == MAP_FAILED)
			_exit(2);
		ok = ok && memcmp(c + 2 * PAGE + 16, "child", 5) == 0;
		memcpy(c + 2 * PAGE + 32, "own", 3);
		_exit(ok ? 0 : 1);
	}
	SHOW("child", status_of(pid));
	YES("child's store through the inherited mapping seen", memcmp(m + 2 * PAGE + 16, "child", 5) == 0);
	YES("child's store through its own mapping seen", memcmp(m + 2 * PAGE + 32, "own", 3) == 0);
	YES("and by pread", file_has(fd, 2 * PAGE + 32, "own"));

	/* write() from, and read() into, pages of a mapping not touched yet. */
	char *fresh = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int copy = open(path, O_RDWR);
	char back[16] = { 0 };
	YES("pwrite from an untouched mapping", fresh != MAP_FAILED && pwrite(copy, fresh + 100, 5, 200) == 5 && file_has(fd, 200, "hello"));
	if (fresh != MAP_FAILED)
		munmap(fresh, 3 * PAGE);
	fresh = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	YES("pread into an untouched mapping", fresh != MAP_FAILED && pread(copy, fresh + 2 * PAGE + 48, 5, 5000) == 5 &&
	    pread(fd, back, 5, 2 * PAGE + 48) == 5 && memcmp(back, "world", 5) == 0);
	if (fresh != MAP_FAILED)
		munmap(fresh, 3 * PAGE);
	close(copy);

	/* msync and its errors. */
	SHOW("msync MS_SYNC", msync(m, 3 * PAGE, MS_SYNC));
	SHOW("msync MS_ASYNC", msync(m, PAGE, MS_ASYNC));
	SHOW("msync MS_ASYNC|MS_SYNC", msync(m, PAGE, MS_ASYNC | MS_SYNC));
	SHOW("msync unknown flag", msync(m, PAGE, 8));
	SHOW("msync unaligned", msync(m + 1, PAGE, MS_SYNC));
	SHOW("msync length 0", msync(m, 0, MS_SYNC));

	/* The mapping outlives its fd; munmap leaves the bytes in the file. */
	close(fd);
	memcpy(m + 300, "after close", 11);
	SHOW("munmap", munmap(m, 3 * PAGE));
	SHOW("msync unmapped", msync(m, PAGE, MS_SYNC));
	fd = open(path, O_RDONLY);
	YES("store after close and munmap in the file", file_has(fd, 300, "after close"));
	close(fd);
}

static void truncation(void)
{
	int fd = open(path, O_RDWR);
	char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		printf("mmap failed\n");
		return;
	}
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	YES("last page readable", !read_faults(m + 2 * PAGE));
	SHOW("ftruncate to one page", ftruncate(fd, PAGE));
	YES("first page still readable", !read_faults(m) && m[0] == 'a');
	YES("page past the end is SIGBUS", read_faults(m + 2 * PAGE));
	SHOW("si_code (BUS_ADRERR)", bus_code);
	pid_t pid = xfork();
	if (pid == 0)
		_exit(read_faults(m + PAGE + 1) ? bus_code : 0);
	SHOW("child's SIGBUS si_code", status_of(pid));
	SHOW("ftruncate back to three pages", ftruncate(fd, 3 * PAGE));
	YES("grown page reads zero", !read_faults(m + 2 * PAGE) && m[2 * PAGE] == 0 && m[2 * PAGE + 16] == 0);
	m[2 * PAGE] = 'q';
	YES("and takes stores", file_has(fd, 2 * PAGE, "q"));
	signal(SIGBUS, SIG_DFL);
	munmap(m, 3 * PAGE);
	close(fd);
}

/* A futex without FUTEX_PRIVATE_FLAG in a file mapping: a waiter in a
 * process that mapped the file on its own is woken by another's wake. */
static void futexes(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		int *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
		if (w == MAP_FAILED)
			_exit(2);
		while (__atomic_load_n(&w[8], __ATOMIC_ACQUIRE) == 0) {
			if (futex(&w[8], FUTEX_WAIT, 0, 10000) == -1 && errno == ETIMEDOUT)
				_exit(1);
		}
		_exit(0);
	}
	int fd = open(path, O_RDWR);
	int *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	usleep(300 * 1000);
	__atomic_store_n(&w[8], 1, __ATOMIC_RELEASE);
	futex(&w[8], FUTEX_WAKE, 1, 0);
	SHOW("shared futex waiter woken (0)", status_of(pid));
	munmap(w, PAGE);

	/* The waker's word on a page it never touched: the value set with
	 * pwrite, the wake through a fresh mapping. */
	pid = xfork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		int *cw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, PAGE);
		if (cw == MAP_FAILED)
			_exit(2);
		while (__atomic_load_n(&cw[16], __ATOMIC_ACQUIRE) == 0) {
			if (futex(&cw[16], FUTEX_WAIT, 0, 10000) == -1 && errno == ETIMEDOUT)
				_exit(1);
		}
		_exit(0);
	}
	usleep(300 * 1000);
	int one = 1;
	if (pwrite(fd, &one, sizeof one, PAGE + 16 * sizeof(int)) != sizeof one)
		printf("pwrite failed\n");
	w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	futex(&w[16], FUTEX_WAKE, 1, 0);
	SHOW("woken through an untouched page (0)", status_of(pid));
	munmap(w, PAGE);
	close(fd);
}

static void dev_shm(void)
{
	char name[64];
	snprintf(name, sizeof name, "/dev/shm/mapshared-%d", (int)getpid());
	int fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	YES("/dev/shm file", fd >= 0);
	if (fd < 0)
		return;
	SHOW("ftruncate", ftruncate(fd, 2 * PAGE));
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	YES("mmap it", m != MAP_FAILED);
	pid_t pid = xfork();
	if (pid == 0) {
		int cfd = open(name, O_RDWR);
		char *c = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (c == MAP_FAILED)
			_exit(2);
		memcpy(c + PAGE, "shm", 3);
		_exit(0);
	}
	SHOW("child", status_of(pid));
	YES("child's store seen", m != MAP_FAILED && memcmp(m + PAGE, "shm", 3) == 0);
	YES("and by pread", file_has(fd, PAGE, "shm"));
	unlink(name);
	close(fd);
}

static void errors(void)
{
	int ro = open(path, O_RDONLY);
	int wo = open(path, O_WRONLY);
	SHOW("shared rw of a read-only fd", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
	SHOW("shared of a write-only fd", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED ? -1 : 0);
	SHOW("shared of a closed fd", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 999, 0) == MAP_FAILED ? -1 : 0);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	SHOW("shared of a directory", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dir, 0) == MAP_FAILED ? -1 : 0);
	char *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	YES("shared ro of a read-only fd", m != MAP_FAILED);
	SHOW("mprotect it writable", mprotect(m, PAGE, PROT_READ | PROT_WRITE));
	SHOW("mprotect it read-only", mprotect(m, PAGE, PROT_READ));
	munmap(m, PAGE);
	m = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ro, 0);
	SHOW("mprotect a private one writable", mprotect(m, PAGE, PROT_READ | PROT_WRITE));
	munmap(m, PAGE);
	close(ro);
	close(wo);
	close(dir);
}

int main(void)
{
	alarm(120);
	snprintf(path, sizeof path, "/tmp/mapshared-%d", (int)getpid());
	coherence();
	truncation();
	futexes();
	dev_shm();
	errors();
	unlink(path);
	return 0;
}
