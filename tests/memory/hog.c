/* A memory hog: takes memory 1 MiB at a time and writes every page of
 * it, until the allocation fails (exit 2) or something kills it. It
 * reports every 64 MiB it holds, so the log shows how far it got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t mib = 0;

	for (;;) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("hog: malloc failed holding %zu MiB\n", mib);
			return 2;
		}
		memset(p, 0x5a, 1 << 20);
		mib++;
		if (mib % 64 == 0) {
			printf("hog: %zu MiB\n", mib);
			fflush(stdout);
		}
	}
}
