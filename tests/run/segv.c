/* Dereferences NULL: the process must die of SIGSEGV (status 139). */
#include <stdio.h>

int main(void)
{
	volatile int *p = 0;
	printf("before\n");
	fflush(stdout);
	return *p;
}
