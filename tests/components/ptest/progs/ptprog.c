/* The process test program: argv[1] names the behaviour under test; the
 * harness checks the exit status (code << 8, or the killing signal). */
#include "sys.h"

__asm__(".text\n.global _start\n_start:\n"
	"  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call cmain\n  ud2\n");

static volatile u64 sink;
static u64 tls_block[4] = { 0x7715000011112222UL, 0, 0, 0 };

static void t_brk(int fault)
{
	char *base = (char *)sc1(NR_brk, 0);
	CHECK(base != 0 && ((u64)base & 0xfff) == 0, 10);
	char *top = (char *)sc1(NR_brk, base + 5 * PAGE + 100);
	CHECK(top == base + 5 * PAGE + 100, 11);
	for (u64 i = 0; i < 5 * PAGE + 100; i += 512)
		base[i] = (char)i;
	for (u64 i = 0; i < 5 * PAGE + 100; i += 512)
		CHECK(base[i] == (char)i, 12);
	CHECK((char *)sc1(NR_brk, base + PAGE) == base + PAGE, 13);
	CHECK(base[0] == 0 && base[512] == (char)512, 14);
	CHECK((char *)sc1(NR_brk, 0x1000) == base + PAGE, 15);
	if (fault)
		base[3 * PAGE] = 1; /* freed by the shrink: SIGSEGV */
	exit_(0);
}

static void t_mmap(void)
{
	u64 *a = mmap_anon(0, 3 * PAGE, PROT_READ | PROT_WRITE, 0);
	CHECK((long)a > 0 && ((u64)a & 0xfff) == 0, 20);
	for (int i = 0; i < 3; i++) {
		CHECK(a[i * 512] == 0, 21);
		a[i * 512] = 100 + i;
	}
	u64 *m = mmap_anon(a + 512, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
	CHECK(m == a + 512, 22);
	CHECK(a[0] == 100 && a[512] == 0 && a[1024] == 102, 23);
	CHECK(sc2(NR_munmap, a, 3 * PAGE) == 0, 24);
	u64 *h = mmap_anon((void *)0x50000000, PAGE, PROT_READ | PROT_WRITE, 0);
	CHECK(h == (u64 *)0x50000000, 25);
	h[10] = 5;
	CHECK(sc6(NR_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1) == -22, 26);
	exit_(0);
}

static void t_munmap_fault(void)
{
	u64 *a = mmap_anon(0, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
	a[0] = 1;
	a[512] = 2;
	CHECK(sc2(NR_munmap, a + 512, PAGE) == 0, 30);
	CHECK(a[0] == 1, 31);
	sink = a[512]; /* SIGSEGV */
	exit_(32);
}

static void t_mprotect_fault(void)
{
	u64 *a = mmap_anon(0, PAGE, PROT_READ | PROT_WRITE, 0);
	a[0] = 7;
	CHECK(sc3(NR_mprotect, a, PAGE, PROT_READ) == 0, 40);
	CHECK(a[0] == 7, 41);
	a[0] = 8; /* SIGSEGV */
	exit_(42);
}

static void t_mremap(void)
{
	u64 *a = mmap_anon(0, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
	a[512] = 0xabc;
	/* Pin the page above so growing has to move. */
	mmap_anon(a + 1024, PAGE, PROT_READ, MAP_FIXED);
	CHECK(sc6(NR_mremap, (long)a, 2 * PAGE, 4 * PAGE, 0, 0, 0) == -12, 50);
	u64 *b = (u64 *)sc6(NR_mremap, (long)a, 2 * PAGE, 4 * PAGE, 1, 0, 0);
	CHECK((long)b > 0 && b != a, 51);
	CHECK(b[512] == 0xabc && b[1536] == 0, 52);
	b[1536] = 1;
	CHECK((u64 *)sc6(NR_mremap, (long)b, 4 * PAGE, PAGE, 0, 0, 0) == b, 53);
	CHECK((u64 *)sc6(NR_mremap, (long)b, PAGE, 2 * PAGE, 0, 0, 0) == b, 54);
	CHECK(b[512] == 0, 55);
	exit_(0);
}

static void t_madvise(void)
{
	u64 *a = mmap_anon(0, PAGE, PROT_READ | PROT_WRITE, 0);
	a[3] = 99;
	CHECK(sc3(NR_madvise, a, PAGE, 3) == 0 && a[3] == 99, 60);
	CHECK(sc3(NR_madvise, a, PAGE, 4) == 0 && a[3] == 0, 61);
	exit_(0);
}

static void t_fs(void)
{
	CHECK(sc2(NR_arch_prctl, 0x1002, tls_block) == 0, 70);
	u64 v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	CHECK(v == 0x7715000011112222UL, 71);
	u64 got = 0;
	CHECK(sc2(NR_arch_prctl, 0x1003, &got) == 0 && got == (u64)tls_block, 72);
	CHECK(sc2(NR_arch_prctl, 0x9999, 0) == -22, 73);
	exit_(0);
}

static void t_auxv(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	CHECK(argc == 3, 80);
	CHECK(eq_(argv[0], "/bin/ptprog") && eq_(argv[2], "hello world"), 81);
	int env = 0;
	char **e = envp;
	for (; *e; e++)
		env |= eq_(*e, "CELLUX=1");
	CHECK(env, 82);
	u64 *aux = (u64 *)(e + 1), pagesz = 0, entry = 0, phdr = 0, phnum = 0;
	unsigned char *rnd = 0;
	char *execfn = 0;
	for (; aux[0]; aux += 2) {
		if (aux[0] == 6) pagesz = aux[1];
		if (aux[0] == 25) rnd = (unsigned char *)aux[1];
		if (aux[0] == 9) entry = aux[1];
		if (aux[0] == 3) phdr = aux[1];
		if (aux[0] == 5) phnum = aux[1];
		if (aux[0] == 31) execfn = (char *)aux[1];
	}
	CHECK(pagesz == 4096, 83);
	CHECK(rnd != 0, 84);
	int nonzero = 0;
	for (int i = 0; i < 16; i++)
		nonzero |= rnd[i];
	CHECK(nonzero, 85);
	extern char _start[];
	CHECK(entry == (u64)_start, 86);
	/* AT_PHDR points at this image's own program headers (PT_LOAD = 1 among them). */
	CHECK(phdr != 0 && phnum > 0 && *(unsigned *)phdr <= 7, 87);
	CHECK(execfn && eq_(execfn, "/bin/ptprog"), 88);
	CHECK(((u64)sp & 15) == 0, 89);
	exit_(0);
}

static void t_enosys(void)
{
	CHECK(sc6(1000, 0, 0, 0, 0, 0, 0) == -38, 90);
	CHECK(sc6(-1L, 0, 0, 0, 0, 0, 0) == -38, 91);
	CHECK(sc6(0x40000000 + 39, 0, 0, 0, 0, 0, 0) == -38, 92);
	CHECK(sc6(NR_getpid, 0, 0, 0, 0, 0, 0) == -38, 93); /* forwarded: no Linux yet */
	CHECK(sc1(NR_set_tid_address, &sink) == 1, 94);
	exit_(0);
}

static void t_efault(void)
{
	CHECK(sc2(NR_arch_prctl, 0x1003, 0x10) == -14, 100);
	CHECK(sc2(NR_arch_prctl, 0x1003, 0xffff800000000000UL) == -14, 101);
	CHECK(sc3(NR_write, 1, 0x10, 4) == -14, 102);
	/* A read-only page is a bad destination too. */
	u64 *ro = mmap_anon(0, PAGE, PROT_READ, 0);
	CHECK(sc2(NR_arch_prctl, 0x1003, ro) == -14, 103);
	exit_(0);
}

void cmain(long *sp)
{
	char **argv = (char **)(sp + 1);
	const char *t = sp[0] > 1 ? argv[1] : "";
	if (eq_(t, "exit42")) exit_(42);
	if (eq_(t, "hello")) { say("hello from a cellux process\n"); exit_(0); }
	if (eq_(t, "brk")) t_brk(0);
	if (eq_(t, "brkfault")) t_brk(1);
	if (eq_(t, "mmap")) t_mmap();
	if (eq_(t, "munmapfault")) t_munmap_fault();
	if (eq_(t, "mprotectfault")) t_mprotect_fault();
	if (eq_(t, "mremap")) t_mremap();
	if (eq_(t, "madvise")) t_madvise();
	if (eq_(t, "fs")) t_fs();
	if (eq_(t, "auxv")) t_auxv(sp);
	if (eq_(t, "enosys")) t_enosys();
	if (eq_(t, "efault")) t_efault();
	if (eq_(t, "null")) sink = *(volatile u64 *)0;
	if (eq_(t, "ud2")) __asm__ volatile("ud2");
	if (eq_(t, "int3")) __asm__ volatile("int3");
	if (eq_(t, "div0")) {
		volatile long z = 0;
		sink = 100 / z;
	}
	if (eq_(t, "gp")) __asm__ volatile("cli");
	exit_(127);
}
