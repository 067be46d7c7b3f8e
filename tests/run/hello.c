/* A static C program for tests/suites/45-run: output through stdio,
 * arguments, the environment the first process gets, and the cwd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char cwd[256];
	printf("argc=%d", argc);
	for (int i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\nPATH=%s\nHOME=%s\n", getenv("PATH"), getenv("HOME"));
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	fprintf(stderr, "to stderr\n");
	return 3;
}
