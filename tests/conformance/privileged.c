/* A process cannot leave user mode (issue 11's invariants 1 and 4):
 * privileged instructions, interrupt vectors the kernel keeps for itself,
 * ring-0 selectors and returns to ring 0 each end in the signal Linux
 * gives for them, the process going on; and a syscall made with every
 * register wild (stack pointer included, flags with DF, AC and NT set) comes
 * back with Linux's result and the process's registers as Linux keeps
 * them. Either path into the server (the kernel's or the fast one) must
 * hold up the same. (QEMU's TCG reads a far return's stack as a
 * supervisor access, which SMAP refuses: the process's page fault has no
 * user bit, and it is SIGSEGV there too, never a page to back.) */
#include "conf.h"
#include <setjmp.h>

static sigjmp_buf back;

static void on_signal(int sig)
{
	siglongjmp(back, sig);
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGILL: return "SIGILL";
	case SIGBUS: return "SIGBUS";
	case SIGTRAP: return "SIGTRAP";
	case SIGFPE: return "SIGFPE";
	}
	return "another signal";
}

static const char *attempt(void (*f)(void))
{
	int sig = sigsetjmp(back, 1);
	if (sig)
		return signame(sig);
	f();
	return "no signal";
}

static void do_hlt(void) { __asm__ volatile("hlt"); }
static void do_cli(void) { __asm__ volatile("cli"); }
static void do_sti(void) { __asm__ volatile("sti"); }
static void do_read_cr3(void) { unsigned long v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); }
static void do_write_cr3(void) { __asm__ volatile("mov %0, %%cr3" :: "r"(0UL)); }
static void do_write_cr0(void) { __asm__ volatile("mov %0, %%cr0" :: "r"(0UL)); }
static void do_rdmsr(void) { __asm__ volatile("rdmsr" :: "c"(0xc0000080) : "eax", "edx"); }
static void do_wrmsr(void) { __asm__ volatile("wrmsr" :: "c"(0xc0000082), "a"(0), "d"(0)); }
static void do_inb(void) { __asm__ volatile("inb $0x80, %%al" ::: "eax"); }
static void do_outb(void) { __asm__ volatile("outb %%al, $0x80" :: "a"(0)); }
static void do_invlpg(void) { __asm__ volatile("invlpg (%0)" :: "r"(0x1000UL) : "memory"); }
static void do_wbinvd(void) { __asm__ volatile("wbinvd"); }
static void do_lgdt(void)
{
	struct { unsigned short limit; unsigned long base; } __attribute__((packed)) d = { 0, 0 };
	__asm__ volatile("lgdt %0" :: "m"(d));
}
static void do_lidt(void)
{
	struct { unsigned short limit; unsigned long base; } __attribute__((packed)) d = { 0, 0 };
	__asm__ volatile("lidt %0" :: "m"(d));
}
static void do_ltr(void) { __asm__ volatile("ltr %w0" :: "r"(0x28)); }
static void do_swapgs(void) { __asm__ volatile("swapgs"); }
static void do_sysret(void) { __asm__ volatile("sysretq"); }
/* Selectors 0x08, 0x10, 0x18 with RPL 0: the kernel's (on Linux and on
 * cellux, whatever each GDT holds there). */
static void do_load_ds_0x10(void) { __asm__ volatile("mov %0, %%ds" :: "r"(0x10)); }
static void do_load_ss_0x18(void) { __asm__ volatile("mov %0, %%ss" :: "r"(0x18)); }
static void do_lret_ring0(void)
{
	/* A far return to cs 0x08 (RPL 0): to a more privileged level. */
	__asm__ volatile("pushq $0x08\n\tleaq 1f(%%rip), %%rax\n\tpushq %%rax\n\tlretq\n1:" ::: "rax", "memory");
}
static void do_iret_ring0(void)
{
	/* An IRET frame naming ring 0 for cs and ss. */
	__asm__ volatile(
		"movq %%rsp, %%rax\n\t"
		"pushq $0x18\n\tpushq %%rax\n\tpushfq\n\tpushq $0x10\n\t"
		"leaq 1f(%%rip), %%rax\n\tpushq %%rax\n\tiretq\n1:" ::: "rax", "memory");
}
/* Vectors the kernel takes for exceptions and interrupts: software
 * interrupts to them are refused (their gates are for ring 0 only). */
static void do_int_0x0e(void) { __asm__ volatile("int $0x0e"); }
static void do_int_0x20(void) { __asm__ volatile("int $0x20"); }
static void do_int_0x40(void) { __asm__ volatile("int $0x40"); }
static void do_int_0xff(void) { __asm__ volatile("int $0xff"); }

static const struct {
	const char *what;
	void (*f)(void);
} cases[] = {
	{ "hlt", do_hlt }, { "cli", do_cli }, { "sti", do_sti },
	{ "mov from cr3", do_read_cr3 }, { "mov to cr3", do_write_cr3 }, { "mov to cr0", do_write_cr0 },
	{ "rdmsr", do_rdmsr }, { "wrmsr", do_wrmsr }, { "in", do_inb }, { "out", do_outb },
	{ "invlpg", do_invlpg }, { "wbinvd", do_wbinvd }, { "lgdt", do_lgdt }, { "lidt", do_lidt },
	{ "ltr", do_ltr }, { "swapgs", do_swapgs }, { "sysret", do_sysret },
	{ "mov 0x10 to ds", do_load_ds_0x10 }, { "mov 0x18 to ss", do_load_ss_0x18 },
	{ "lret to ring 0", do_lret_ring0 }, { "iret to ring 0", do_iret_ring0 },
	{ "int 0x0e", do_int_0x0e }, { "int 0x20", do_int_0x20 }, { "int 0x40", do_int_0x40 },
	{ "int 0xff", do_int_0xff },
};

/* The registers a wild syscall comes back with, and the stack pointer it
 * was made with, kept where no register is needed to reach them. */
unsigned long wild_saved_rsp, wild_after[16];

/* Syscall `nr` with every other general register, rsp included, set to
 * a wild value and DF, AC, NT set in rflags (NT once made the kernel's
 * own iretq fault); records the registers after it
 * (rax, rbx, rdx, rsi, rdi, rbp, r8-r10, r12-r15, rsp, rflags). */
static void wild_syscall(long nr, unsigned long wild)
{
	__asm__ volatile(
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"mov %%rsp, wild_saved_rsp(%%rip)\n\t"
		"pushfq\n\torq $0x44400, (%%rsp)\n\tpopfq\n\t"
		"mov %1, %%rbx\n\tmov %1, %%rdx\n\tmov %1, %%rsi\n\tmov %1, %%rdi\n\tmov %1, %%rbp\n\t"
		"mov %1, %%r8\n\tmov %1, %%r9\n\tmov %1, %%r10\n\tmov %1, %%r12\n\tmov %1, %%r13\n\t"
		"mov %1, %%r14\n\tmov %1, %%r15\n\tmov %1, %%rsp\n\t"
		"syscall\n\t"
		"mov %%rax, wild_after+0(%%rip)\n\tmov %%rbx, wild_after+8(%%rip)\n\tmov %%rdx, wild_after+16(%%rip)\n\t"
		"mov %%rsi, wild_after+24(%%rip)\n\tmov %%rdi, wild_after+32(%%rip)\n\tmov %%rbp, wild_after+40(%%rip)\n\t"
		"mov %%r8, wild_after+48(%%rip)\n\tmov %%r9, wild_after+56(%%rip)\n\tmov %%r10, wild_after+64(%%rip)\n\t"
		"mov %%r12, wild_after+72(%%rip)\n\tmov %%r13, wild_after+80(%%rip)\n\tmov %%r14, wild_after+88(%%rip)\n\t"
		"mov %%r15, wild_after+96(%%rip)\n\tmov %%rsp, wild_after+104(%%rip)\n\t"
		"mov wild_saved_rsp(%%rip), %%rsp\n\t"
		"pushfq\n\tpop %%rax\n\tmov %%rax, wild_after+112(%%rip)\n\t"
		"pushfq\n\tandq $~0x44400, (%%rsp)\n\tpopfq\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\tpop %%rbp\n\tpop %%rbx"
		: "+a"(nr) : "r"(wild) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static void show_wild(const char *what, long nr, unsigned long wild)
{
	wild_syscall(nr, wild);
	long rax = (long)wild_after[0];
	int kept = 1;
	for (int i = 1; i < 14; i++)
		kept &= wild_after[i] == wild;
	printf("%s: rax %s, registers kept %s, DF %s, AC %s\n", what,
	       rax < 0 && rax > -4096 ? ename((int)-rax) : rax > 0 ? "> 0" : "0",
	       kept ? "yes" : "no", wild_after[14] & 0x400 ? "kept" : "cleared",
	       wild_after[14] & 0x40000 ? "kept" : "cleared");
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_NODEFER | SA_ONSTACK };
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE };
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);

	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
		printf("%s: %s\n", cases[i].what, attempt(cases[i].f));

	/* Wild values: a kernel address, a server-region address, a
	 * non-canonical one, all ones. */
	unsigned long wilds[] = { 0xffffffff81000000UL, 0xffffc00000400000UL, 0x8000000012345678UL, ~0UL };
	for (unsigned i = 0; i < sizeof wilds / sizeof wilds[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "getppid, registers %#lx", wilds[i]);
		show_wild(what, SYS_getppid, wilds[i]);
		snprintf(what, sizeof what, "write, registers %#lx", wilds[i]);
		show_wild(what, SYS_write, wilds[i]);
		snprintf(what, sizeof what, "nr 100000, registers %#lx", wilds[i]);
		show_wild(what, 100000, wilds[i]);
	}
	/* Still whole afterwards. */
	SHOW("getppid works", getppid() > 0);
	return 0;
}
