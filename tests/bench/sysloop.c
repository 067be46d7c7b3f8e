/*
 * scripts/profile's workload: `sysloop N NR` makes system call NR (a
 * number; no arguments) N times and exits. A run with N = 0 is the
 * baseline whose blocks the profile subtracts.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	long nr = argc > 2 ? atol(argv[2]) : 110;

	for (long i = 0; i < n; i++)
		syscall(nr);
	return 0;
}
