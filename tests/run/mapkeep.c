/* Data written through MAP_SHARED file mappings survives a reboot
 * (tests/suites/45-run, two runs on one --image disk). `write` stores a
 * line through a shared mapping of each of two new files, one unmapped
 * with munmap, the other left mapped when the process exits, neither
 * msync'd nor written with write(); `check`, in the next boot, prints
 * what each file holds there. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
static const char *const files[] = { "/keep-munmap", "/keep-exit" };

static int store(const char *path, int unmap)
{
	char line[64];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 2 * PAGE) != 0)
		return 1;
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	close(fd);
	snprintf(line, sizeof line, "kept through a mapping: %s", path);
	memcpy(m + PAGE + 10, line, strlen(line));
	if (unmap && munmap(m, 2 * PAGE) != 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "write") == 0) {
		for (int i = 0; i < 2; i++)
			if (store(files[i], i == 0))
				return 1;
		printf("written\n");
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		char buf[64] = { 0 };
		int fd = open(files[i], O_RDONLY);
		if (fd < 0 || pread(fd, buf, sizeof buf - 1, PAGE + 10) < 0)
			return 1;
		printf("%s\n", buf);
	}
	return 0;
}
