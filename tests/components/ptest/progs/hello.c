/* A glibc static program: its start-up makes the calls real binaries make
 * (brk, arch_prctl, set_tid_address, ... with the rest answered ENOSYS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *p = malloc(100000);
	if (!p)
		return 3;
	memset(p, 'x', 100000);
	char *q = malloc(300000); /* above the mmap threshold */
	if (!q)
		return 4;
	q[299999] = 1;
	free(q);
	printf("hello from glibc, argc=%d argv[0]=%s\n", argc, argv[0]);
	fflush(stdout);
	return 7;
}
