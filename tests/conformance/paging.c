/* Memory backed on first touch and shared by fork: a big mapping touched
 * sparsely, the kernel's own writes into pages never touched, private
 * pages each side of a fork writes (each sees its own), MAP_SHARED pages
 * both sides see, protections and unmaps of partly touched ranges, and
 * the si_code of faults on pages that were never backed. */
#include "conf.h"
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096UL

static sigjmp_buf jb;
static volatile int got_code;
static volatile uintptr_t got_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

static const char *code_name(int c)
{
	return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
}

/* Touches p (a write if `write`) and says what came of it. */
static void probe(const char *label, volatile unsigned char *p, int write)
{
	got_code = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		printf("%s: no fault\n", label);
		return;
	}
	printf("%s: SIGSEGV %s at the address: %s\n", label, code_name(got_code),
	       got_addr == (uintptr_t)p ? "yes" : "no");
}

static unsigned char *priv, *shared, *untouched_shared;
static int p2c[2], c2p[2];

/* Writes its own values, checks them, then reads what the parent wrote
 * after the fork (the private page must not show it, the shared one must). */
static int child_cow(void)
{
	int bad = 0;
	if (priv[0] != 'p' || shared[0] != 's')
		bad |= 1;
	priv[0] = 'c';
	shared[8] = 'c';
	untouched_shared[0] = 'u';
	if (priv[0] != 'c')
		bad |= 2;
	char go;
	if (write(c2p[1], "w", 1) != 1 || read(p2c[0], &go, 1) != 1)
		bad |= 4;
	/* The parent has written priv[1] and shared[16] by now. */
	if (priv[1] != 0)
		bad |= 8;
	if (shared[16] != 'P')
		bad |= 16;
	/* A kernel write into a private page shared with the parent. */
	if (write(c2p[1], "k", 1) != 1 || read(p2c[0], priv + 2 * PG, 1) != 1 || priv[2 * PG] != 'K')
		bad |= 32;
	return bad;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	/* A big mapping, touched at a few places far apart. */
	size_t big = 32UL << 20;
	unsigned char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	YES("32 MiB anonymous mmap", m != MAP_FAILED);
	int zero = 1, kept = 1;
	for (size_t off = 0; off < big; off += 1UL << 20)
		zero &= m[off + 123] == 0;
	for (size_t off = 0; off < big; off += 3UL << 20)
		m[off + 7] = (unsigned char)(off >> 20);
	for (size_t off = 0; off < big; off += 3UL << 20)
		kept &= m[off + 7] == (unsigned char)(off >> 20);
	YES("untouched pages read as zero", zero);
	YES("sparse writes kept", kept);

	/* The kernel writing into and reading from pages never touched. */
	int fds[2];
	pipe(fds);
	write(fds[1], "hello", 5);
	SHOW("read() into an untouched page", read(fds[0], m + 5 * PG + 100, 5));
	YES("its bytes arrived", memcmp(m + 5 * PG + 100, "hello", 5) == 0);
	SHOW("write() from an untouched page", write(fds[1], m + 9 * PG, 3));
	char back[3] = { 1, 1, 1 };
	read(fds[0], back, 3);
	YES("it wrote zeros", back[0] == 0 && back[1] == 0 && back[2] == 0);
	SHOW("read() across an untouched page boundary", (write(fds[1], "abcdefgh", 8), read(fds[0], m + 12 * PG - 4, 8)));
	YES("both pages got their part", memcmp(m + 12 * PG - 4, "abcdefgh", 8) == 0);

	/* Protections and unmaps of a range partly touched. */
	unsigned char *r = m + 20 * PG;
	r[0] = 'a';
	r[2 * PG] = 'c';
	SHOW("mprotect a partly touched range read-only", mprotect(r, 4 * PG, PROT_READ));
	YES("touched pages keep their contents", r[0] == 'a' && r[2 * PG] == 'c');
	YES("untouched read-only pages read as zero", r[PG] == 0 && r[3 * PG] == 0);
	probe("write to an untouched read-only page", r + 3 * PG + 8, 1);
	probe("write to a touched read-only page", r + 8, 1);
	printf("kernel write into an untouched read-only page: %s\n",
	       (write(fds[1], "x", 1), read(fds[0], r + PG, 1) < 0 ? ename(errno) : "ok"));
	{ char c; read(fds[0], &c, 1); }
	SHOW("mprotect it back to read-write", mprotect(r, 4 * PG, PROT_READ | PROT_WRITE));
	r[PG] = 'b';
	r[3 * PG] = 'd';
	YES("all four pages writable again", r[0] == 'a' && r[PG] == 'b' && r[2 * PG] == 'c' && r[3 * PG] == 'd');
	SHOW("mprotect PROT_NONE", mprotect(r, 4 * PG, PROT_NONE));
	probe("read of a PROT_NONE page", r + 16, 0);
	SHOW("mprotect back", mprotect(r, 4 * PG, PROT_READ | PROT_WRITE));
	YES("contents kept across PROT_NONE", r[0] == 'a' && r[3 * PG] == 'd');
	SHOW("munmap the middle two pages", munmap(r + PG, 2 * PG));
	probe("read of an unmapped page", r + PG + 5, 0);
	YES("the outer pages are untouched by it", r[0] == 'a' && r[3 * PG] == 'd');
	SHOW("MADV_DONTNEED a touched private page", madvise(r, PG, MADV_DONTNEED));
	YES("it reads as zero", r[0] == 0);
	unsigned char *g = mremap(m, 16 * PG, 64 * PG, MREMAP_MAYMOVE);
	YES("mremap a partly touched range bigger", g != MAP_FAILED);
	YES("its contents moved with it", memcmp(g + 5 * PG + 100, "hello", 5) == 0 && g[7] == 0 && g[63 * PG] == 0);
	munmap(g, 64 * PG);

	/* Fork: private pages copied on write, shared ones shared. */
	priv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	untouched_shared = shared + 2 * PG;
	priv[0] = 'p';
	priv[2 * PG] = 'q';
	shared[0] = 's';
	pipe(p2c);
	pipe(c2p);
	pid_t pid = xfork();
	if (pid == 0)
		_exit(child_cow());
	char c;
	read(c2p[0], &c, 1);
	YES("parent's private page unchanged by the child", priv[0] == 'p');
	YES("parent sees the child's shared write", shared[8] == 'c');
	YES("parent sees the child's write to a shared page untouched at fork", untouched_shared[0] == 'u');
	priv[1] = 'P';
	shared[16] = 'P';
	write(p2c[1], "g", 1);
	read(c2p[0], &c, 1);
	write(p2c[1], "K", 1);
	int st = 0;
	waitpid(pid, &st, 0);
	printf("cow child: %s %d\n", WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	YES("parent's page the child read() into unchanged", priv[2 * PG] == 'q');
	SHOW("MADV_DONTNEED a shared page", madvise(shared, PG, MADV_DONTNEED));
	YES("it keeps its contents", shared[0] == 's' && shared[8] == 'c');

	/* Pages untouched before the fork, touched by the child only. */
	unsigned char *later = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid = xfork();
	if (pid == 0)
		_exit(later[PG] == 0 && (later[PG] = 'x') == 'x' ? 0 : 1);
	waitpid(pid, &st, 0);
	printf("child touching a page untouched at fork: %d\n", WEXITSTATUS(st));
	YES("parent's stays zero", later[PG] == 0);
	return 0;
}
