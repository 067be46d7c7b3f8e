/* brk/mmap/munmap/mprotect/mremap: results, contents kept across moves,
 * and protections seen through the kernel's user copies (a read into a
 * read-only page is EFAULT, not a crash). */
#include "conf.h"
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL

static int pipe_fds[2];

/* Whether the kernel may write to p (read(2) into it) / read from it. */
static const char *kwrite(void *p)
{
	write(pipe_fds[1], "k", 1);
	long r = read(pipe_fds[0], p, 1);
	if (r < 0) {
		char c;
		read(pipe_fds[0], &c, 1);
		return ename(errno);
	}
	return "ok";
}

static const char *kread(void *p)
{
	long r = write(pipe_fds[1], p, 1);
	if (r < 0)
		return ename(errno);
	char c;
	read(pipe_fds[0], &c, 1);
	return "ok";
}

int main(void)
{
	pipe(pipe_fds);

	/* brk */
	uintptr_t b0 = syscall(SYS_brk, 0);
	YES("brk(0) page aligned or not, nonzero", b0 != 0);
	uintptr_t b1 = syscall(SYS_brk, b0 + 3 * PG);
	YES("brk grows", b1 == b0 + 3 * PG);
	memset((void *)b0, 0x5a, 3 * PG);
	YES("new break memory writable", ((unsigned char *)b0)[3 * PG - 1] == 0x5a);
	printf("kernel write into brk area: %s\n", kwrite((void *)(b0 + PG)));
	YES("brk shrinks", (uintptr_t)syscall(SYS_brk, b0 + PG) == b0 + PG);
	YES("brk grows again", (uintptr_t)syscall(SYS_brk, b0 + 2 * PG) == b0 + 2 * PG);
	YES("regrown page is zero", ((unsigned char *)b0)[PG + 10] == 0);
	YES("brk below start refused (unchanged)", (uintptr_t)syscall(SYS_brk, b0 - 64 * PG) == b0 + 2 * PG);
	YES("brk huge refused (unchanged)", (uintptr_t)syscall(SYS_brk, b0 + (1UL << 46)) == b0 + 2 * PG);
	syscall(SYS_brk, b0);
	void *s = sbrk(0);
	YES("sbrk(0) agrees", s != (void *)-1);

	/* anonymous mmap */
	unsigned char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	YES("mmap anonymous", m != MAP_FAILED);
	YES("mmap page aligned", ((uintptr_t)m & (PG - 1)) == 0);
	YES("anonymous memory is zero", m[0] == 0 && m[4 * PG - 1] == 0);
	for (int i = 0; i < 4; i++)
		m[i * PG] = 'a' + i;
	SHOW("mprotect page 1 read-only", mprotect(m + PG, PG, PROT_READ));
	YES("read-only page still readable", m[PG] == 'b');
	printf("kernel write into read-only page: %s\n", kwrite(m + PG));
	printf("kernel read from read-only page: %s\n", kread(m + PG));
	SHOW("mprotect page 2 none", mprotect(m + 2 * PG, PG, PROT_NONE));
	printf("kernel read from PROT_NONE page: %s\n", kread(m + 2 * PG));
	SHOW("mprotect page 2 back to rw", mprotect(m + 2 * PG, PG, PROT_READ | PROT_WRITE));
	YES("contents kept across PROT_NONE", m[2 * PG] == 'c');
	SHOW("mprotect unaligned", syscall(SYS_mprotect, m + 1, PG, PROT_READ));
	SHOW("mprotect bad prot", mprotect(m, PG, 0x100));
	SHOW("munmap page 3", munmap(m + 3 * PG, PG));
	printf("kernel read from unmapped page: %s\n", kread(m + 3 * PG));
	SHOW("mprotect over a hole", mprotect(m, 4 * PG, PROT_READ));
	SHOW("munmap unaligned", munmap(m + 1, PG));
	SHOW("munmap length 0", munmap(m, 0));
	SHOW("munmap already unmapped", munmap(m + 3 * PG, PG));
	SHOW("mmap length 0", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	SHOW("mmap neither private nor shared", (long)mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0));
	SHOW("mmap 32 TiB anonymous", (long)mmap(NULL, 1UL << 45, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	SHOW("mmap bad fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1000, 0));
	SHOW("mmap unaligned offset", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 5));

	/* MAP_FIXED over the unmapped page, then MAP_FIXED_NOREPLACE on a used one */
	unsigned char *f = mmap(m + 3 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	YES("MAP_FIXED lands where asked", f == m + 3 * PG);
	YES("MAP_FIXED page is fresh", f[0] == 0);
	SHOW("MAP_FIXED_NOREPLACE on a used page",
	     (long)mmap(m, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
	unsigned char *g = mmap(m, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	YES("MAP_FIXED replaces a mapping", g == m && g[0] == 0);

	/* mremap */
	mprotect(m, 4 * PG, PROT_READ | PROT_WRITE);
	m[0] = 'A';
	m[PG] = 'B';
	unsigned char *r = mremap(m, 2 * PG, PG, 0);
	YES("mremap shrink in place", r == m && r[0] == 'A');
	printf("kernel read from the page shrunk off: %s\n", kread(m + PG));
	SHOW("mremap grow without MAYMOVE, blocked", (long)mremap(m, PG, 3 * PG, 0));
	unsigned char *big = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 64; i++)
		big[i * PG] = (unsigned char)i;
	munmap(m + 2 * PG, 2 * PG);
	unsigned char *mv = mremap(big, 64 * PG, 256 * PG, MREMAP_MAYMOVE);
	YES("mremap MAYMOVE grow", mv != MAP_FAILED);
	int same = 1;
	for (int i = 0; i < 64; i++)
		same &= mv[i * PG] == (unsigned char)i;
	YES("mremap keeps contents", same);
	YES("mremap grown part is zero", mv[255 * PG] == 0);
	mv[255 * PG] = 1;
	if (mv != big)
		printf("kernel read from the old place: %s\n", kread(big));
	else
		printf("kernel read from the old place: EFAULT\n");
	SHOW("mremap unaligned", (long)mremap(mv + 1, PG, 2 * PG, MREMAP_MAYMOVE));
	SHOW("mremap bad flags", (long)mremap(mv, PG, 2 * PG, 0x80));
	SHOW("mremap size 0", (long)mremap(mv, PG, 0, MREMAP_MAYMOVE));
	SHOW("munmap moved", munmap(mv, 256 * PG));
	SHOW("munmap rest", munmap(m, PG));

	/* a private file mapping sees the file; writes stay private */
	char path[] = "/tmp/conf-mmap-XXXXXX";
	int fd = mkstemp(path);
	char data[2 * PG];
	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = 'a' + i % 26;
	write(fd, data, sizeof data);
	unsigned char *fm = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	YES("file mmap at offset", fm != MAP_FAILED && memcmp(fm, data + PG, PG) == 0);
	fm[0] = '!';
	char back;
	pread(fd, &back, 1, PG);
	YES("private write does not reach the file", back == data[PG]);
	munmap(fm, 2 * PG);
	unsigned char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	YES("read-only file mapping", ro != MAP_FAILED && ro[25] == 'z');
	printf("kernel write into read-only file mapping: %s\n", kwrite(ro));
	munmap(ro, PG);

	/* a private mapping of a file of some megabytes and a bit, at an
	 * offset: every byte the file's, the rest of the last page zero */
	size_t flen = (3 << 20) + 100;
	unsigned char *src = malloc(flen);
	for (size_t i = 0; i < flen; i++)
		src[i] = (unsigned char)(i * 7 + i / 4093);
	YES("big file written", ftruncate(fd, 0) == 0 && pwrite(fd, src, flen, 0) == (ssize_t)flen);
	size_t len = flen - PG;
	unsigned char *bm = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, PG);
	int tail_zero = bm != MAP_FAILED;
	for (size_t i = len; tail_zero && i < (len + PG - 1) / PG * PG; i++)
		tail_zero = bm[i] == 0;
	YES("big private mapping shows the file", bm != MAP_FAILED && memcmp(bm, src + PG, len) == 0);
	YES("big private mapping's last page ends in zeros", tail_zero);
	munmap(bm, len);
	free(src);
	close(fd);
	unlink(path);
	return 0;
}
