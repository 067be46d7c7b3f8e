/* Mutated executables for scripts/stress: COUNT mutations of a static
 * ELF binary, each written to a scratch file and run through execve by a
 * child at uid 65534 (stdin /dev/null, output discarded).
 *
 *   mutate BINARY COUNT SEED
 *
 * Mutations: flipped bits and bytes in the ELF header and the program
 * headers, random bytes anywhere, truncations, huge sizes and offsets,
 * overlapping segments, bad entry points, wrong machine and class, bad
 * header counts and sizes. Each mutant must be refused by execve with
 * ENOEXEC, EINVAL, ENOMEM, EACCES, ENOENT, EIO or E2BIG, or run and end
 * (by a signal or an exit); one still running after RUN_S seconds is
 * SIGKILLed and must then end. Anything else (another errno, a process
 * SIGKILL cannot end) is printed as
 *   bad mutant=I seed=S kind=K: why
 * Last line:
 *   mutate binary=B mutants=N refused=R signalled=K exited=E timed_out=T bad=X errnos=ENOEXEC:n,...
 * Exit status 1 when any was bad. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define RUN_S 10
#define KILL_S 20

static const char *kinds[] = {
	"header-bits", "phdr-bits", "header-bytes", "anywhere-bytes", "truncate", "huge-sizes",
	"huge-offset", "overlap", "entry", "machine", "class", "phnum", "phentsize", "memsz-below-filesz",
};
#define KINDS (sizeof kinds / sizeof kinds[0])

static uint64_t huge(void)
{
	static const uint64_t v[] = { (uint64_t)-1, 1ULL << 63, 1ULL << 47, 0xffffffff, 0x7fffffffffff, 0xffff800000000000ULL };
	return below(2) ? v[below(sizeof v / sizeof v[0])] : next();
}

/* Applies mutation `kind` to the image in `m` (len bytes); returns the
 * new length. */
static size_t mutate(unsigned char *m, size_t len, int kind)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m;
	size_t phoff = eh->e_phoff, phnum = eh->e_phnum;
	int phok = phoff + phnum * sizeof(Elf64_Phdr) <= len && phnum > 0;
	Elf64_Phdr *ph = phok ? (Elf64_Phdr *)(m + phoff) : NULL;
	switch (kind) {
	case 0: for (int i = 1 + below(4); i > 0; i--) { size_t o = below(sizeof *eh); m[o] ^= 1 << below(8); } break;
	case 1: if (ph) for (int i = 1 + below(4); i > 0; i--) { size_t o = phoff + below(phnum * sizeof *ph); m[o] ^= 1 << below(8); } break;
	case 2: for (int i = 1 + below(4); i > 0; i--) m[below(sizeof *eh)] = next(); break;
	case 3: for (int i = 1 + below(64); i > 0; i--) m[below(len)] = next(); break;
	case 4: return below(len);
	case 5: if (ph) { Elf64_Phdr *p = &ph[below(phnum)]; if (below(2)) p->p_filesz = huge(); else p->p_memsz = huge(); } break;
	case 6: if (ph) { Elf64_Phdr *p = &ph[below(phnum)]; if (below(2)) p->p_offset = huge(); else p->p_vaddr = huge(); } else eh->e_phoff = huge(); break;
	case 7: if (ph && phnum > 1) { Elf64_Phdr *a = &ph[below(phnum)], *b = &ph[below(phnum)]; b->p_vaddr = a->p_vaddr + below(a->p_memsz + 1); b->p_offset = a->p_offset; } break;
	case 8: eh->e_entry = below(2) ? huge() : eh->e_entry + below(4096) - 2048; break;
	case 9: eh->e_machine = below(2) ? EM_386 : (uint16_t)next(); break;
	case 10: eh->e_ident[EI_CLASS] = below(2) ? ELFCLASS32 : (unsigned char)next(); break;
	case 11: eh->e_phnum = below(2) ? 0xffff : (uint16_t)next(); break;
	case 12: eh->e_phentsize = (uint16_t)below(128); break;
	case 13: if (ph) { Elf64_Phdr *p = &ph[below(phnum)]; p->p_memsz = p->p_filesz / (2 + below(4)); } break;
	}
	return len;
}

static const char *ename(int e)
{
	static char other[16];
	switch (e) {
	case ENOEXEC: return "ENOEXEC"; case EINVAL: return "EINVAL"; case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES"; case ENOENT: return "ENOENT"; case EIO: return "EIO"; case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT"; case ETXTBSY: return "ETXTBSY"; case EPERM: return "EPERM";
	}
	snprintf(other, sizeof other, "errno%d", e);
	return other;
}

static int accepted(int e)
{
	return e == ENOEXEC || e == EINVAL || e == ENOMEM || e == EACCES || e == ENOENT || e == EIO || e == E2BIG;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mutate BINARY COUNT SEED\n");
		return 2;
	}
	const char *bin = argv[1];
	long count = atol(argv[2]);
	uint64_t seed = strtoull(argv[3], NULL, 0);
	int fd = open(bin, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(bin);
		return 2;
	}
	size_t len0 = st.st_size;
	unsigned char *orig = malloc(len0), *m = malloc(len0);
	if (!orig || !m || read(fd, orig, len0) != (ssize_t)len0) {
		perror("reading the binary");
		return 2;
	}
	close(fd);
	char dir[] = "/tmp/mutate.XXXXXX";
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0) {
		perror("mkdtemp");
		return 2;
	}
	char path[64];
	snprintf(path, sizeof path, "%s/mutant", dir);
	long refused = 0, signalled = 0, exited = 0, timed_out = 0, bad = 0;
	long errs[256] = { 0 };
	for (long i = 0; i < count; i++) {
		rng_seed(seed * 0x100000001b3ULL ^ (uint64_t)i * 0xff51afd7ed558ccdULL);
		memcpy(m, orig, len0);
		int kind = below(KINDS);
		size_t len = mutate(m, len0, kind);
		unlink(path);
		int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
		if (out < 0 || write(out, m, len) != (ssize_t)len || close(out) != 0) {
			perror("writing the mutant");
			return 2;
		}
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0) {
			perror("pipe");
			return 2;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(99);
			char *av[] = { "mutant", NULL }, *ev[] = { "PATH=/bin", NULL };
			execve(path, av, ev);
			int e = errno;
			if (write(p[1], &e, sizeof e) != sizeof e)
				_exit(98);
			_exit(97);
		}
		close(p[1]);
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		int e = 0;
		ssize_t got = read(p[0], &e, sizeof e);
		close(p[0]);
		double t0 = now(), killed = 0;
		int status = 0;
		for (;;) {
			pid_t r = waitpid(pid, &status, WNOHANG);
			if (r == pid)
				break;
			if (!killed && now() - t0 > RUN_S) {
				kill(pid, SIGKILL);
				killed = now();
				timed_out++;
			} else if (killed && now() - killed > KILL_S) {
				printf("bad mutant=%ld seed=%llu kind=%s: SIGKILL did not end it\n", i, (unsigned long long)seed, kinds[kind]);
				bad++;
				break;
			}
			usleep(20 * 1000);
		}
		if (got == sizeof e) {
			refused++;
			errs[e & 255]++;
			if (!accepted(e)) {
				printf("bad mutant=%ld seed=%llu kind=%s: execve said %s\n", i, (unsigned long long)seed, kinds[kind], ename(e));
				bad++;
			}
		} else if (WIFSIGNALED(status)) {
			signalled++;
		} else {
			exited++;
		}
	}
	unlink(path);
	rmdir(dir);
	printf("mutate binary=%s mutants=%ld refused=%ld signalled=%ld exited=%ld timed_out=%ld bad=%ld errnos=", bin, count,
	       refused, signalled, exited, timed_out, bad);
	const char *sep = "";
	for (int e = 0; e < 256; e++)
		if (errs[e]) {
			printf("%s%s:%ld", sep, ename(e), errs[e]);
			sep = ",";
		}
	printf("\n");
	return bad ? 1 : 0;
}
