/* Raw Linux system calls for the freestanding test programs: no libc, so
 * every call the program makes is exactly the one the test means. */
#ifndef PT_SYS_H
#define PT_SYS_H

typedef unsigned long u64;

static inline long sc6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define sc1(n, a) sc6(n, (long)(a), 0, 0, 0, 0, 0)
#define sc2(n, a, b) sc6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sc3(n, a, b, c) sc6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

enum {
	NR_write = 1, NR_mmap = 9, NR_mprotect = 10, NR_munmap = 11, NR_brk = 12,
	NR_mremap = 25, NR_madvise = 28, NR_getpid = 39, NR_arch_prctl = 158,
	NR_set_tid_address = 218, NR_exit_group = 231,
};
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define PAGE 4096UL

static inline void *mmap_anon(void *addr, u64 len, int prot, int flags)
{
	return (void *)sc6(NR_mmap, (long)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static inline __attribute__((noreturn)) void exit_(int code)
{
	sc1(NR_exit_group, code);
	for (;;)
		;
}

static inline u64 len_(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static inline int eq_(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline void say(const char *s)
{
	sc3(NR_write, 1, s, len_(s));
}

/* A failed check exits with its own code, so the harness names it. */
#define CHECK(cond, code)                                               \
	do {                                                            \
		if (!(cond)) {                                          \
			say("check failed: " #cond "\n");               \
			exit_(code);                                    \
		}                                                       \
	} while (0)

#endif
