/* Data written through MAP_SHARED file mappings survives a reboot
 * (tests/suites/45-run, two runs on one --image disk). `write` stores a
 * line through a shared mapping of each of two new files, one unmapped
 * with munmap, the other left mapped when the process exits, neither
 * msync'd nor written with write(); `check`, in the next boot, prints
 * what each file holds there. `again` writes through a mapping, fsyncs,
 * writes the same page again through it and fsyncs again, then prints
 * what the disk holds (read from the root disk's device at the file's
 * block, past the file's page cache): the second write, as the page was
 * made dirty again by it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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

static int again(void)
{
	int fd = open("/keep-again", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PAGE) != 0)
		return 1;
	char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	memcpy(m, "first write ", 12);
	if (fsync(fd) != 0)
		return 1;
	memcpy(m, "second write", 12);
	if (fsync(fd) != 0)
		return 1;
	/* The root disk (the device mounted on /) at the file's first block. */
	char line[256], dev[128] = "";
	FILE *mounts = fopen("/proc/mounts", "r");
	while (mounts && fgets(line, sizeof line, mounts))
		if (sscanf(line, "%127s / ", dev) == 1 && strstr(line, " / "))
			break;
	int bsz = 0, blk = 0;
	if (ioctl(fd, FIGETBSZ, &bsz) != 0 || ioctl(fd, FIBMAP, &blk) != 0 || blk == 0)
		return 2;
	int disk = open(dev, O_RDONLY);
	char buf[16] = { 0 };
	if (disk < 0 || pread(disk, buf, 12, (off_t)blk * bsz) != 12)
		return 3;
	printf("%.12s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "again") == 0)
		return again();
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
