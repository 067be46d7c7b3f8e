/* __thread variables and the FS base: initial values from the TLS image,
 * zeroed .tbss, the libc's thread pointer (%fs:0 points to itself) agreeing
 * with arch_prctl(ARCH_GET_FS), and a switch of FS base seen by %fs loads. */
#include "conf.h"
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#include <stdint.h>

static __thread int initialised = 42;
static __thread char text[16] = "tls image";
static __thread long zeroed[64];

static long raw_arch_prctl(int code, unsigned long addr)
{
	/* A raw syscall: with FS switched away, errno (a TLS variable) must
	 * not be touched. */
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "0"(SYS_arch_prctl), "D"(code), "S"(addr) : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	printf("initialised: %d\n", initialised);
	printf("text: %s\n", text);
	int all_zero = 1;
	for (int i = 0; i < 64; i++)
		all_zero &= zeroed[i] == 0;
	YES(".tbss zero", all_zero);
	initialised++;
	zeroed[63] = 7;
	printf("after writes: %d %ld\n", initialised, zeroed[63]);

	uintptr_t fs = 0, self;
	SHOW("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	YES("%fs:0 is the FS base", self == fs);
	YES("__thread variable below the FS base", (uintptr_t)&initialised < fs && fs - (uintptr_t)&initialised < 65536);

	/* A block of our own as thread pointer: %fs loads must see it. */
	static uintptr_t block[4];
	block[0] = (uintptr_t)block;
	block[1] = 0x1234;
	long r1 = raw_arch_prctl(ARCH_SET_FS, (unsigned long)block);
	uintptr_t seen, got = 0;
	__asm__ volatile("mov %%fs:8, %0" : "=r"(seen));
	long r2 = raw_arch_prctl(ARCH_GET_FS, (unsigned long)&got);
	long r3 = raw_arch_prctl(ARCH_SET_FS, fs);
	printf("ARCH_SET_FS to our block: %ld\n", r1);
	YES("%fs:8 reads our block", seen == 0x1234);
	YES("ARCH_GET_FS gives our block", r2 == 0 && got == (uintptr_t)block);
	printf("ARCH_SET_FS back: %ld\n", r3);
	printf("initialised again: %d\n", initialised);
	SHOW("ARCH_SET_FS non-canonical", syscall(SYS_arch_prctl, ARCH_SET_FS, 0x800000000000UL));
	SHOW("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0));
	SHOW("ARCH_GET_FS to a bad pointer", syscall(SYS_arch_prctl, ARCH_GET_FS, 8));
	return 0;
}
