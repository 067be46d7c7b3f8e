/*
 * /init of the Linux baseline's initramfs (scripts/bench-linux): plays the
 * part cellux's LKL server plays in a one-shot run, so the Linux side runs
 * the same command the same way. Loads the disk and ext4 modules from
 * /modules (in file-name order: scripts/bench-linux numbers them in
 * dependency order), mounts the virtio-blk disk, the same ext4 image
 * cellux boots from, as the root of the command (proc, sysfs, devtmpfs,
 * devpts and a tmpfs on /dev/shm too, as the server mounts them), brings
 * the loopback interface up as the server does, runs the command in /run (each argument
 * NUL-terminated, as cellux's boot archive entry `run`) in a child chrooted
 * there with / as cwd and the server's environment, waits, prints "linux-init status=N" (N as a shell
 * reports it), syncs and powers off.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DISK "/dev/vda"
#define ROOT "/mnt"

static void power_off(int status)
{
	printf("linux-init status=%d\n", status);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static void die(const char *what)
{
	fprintf(stderr, "linux-init: %s: %s\n", what, strerror(errno));
	power_off(125);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* init_module with the file's bytes: finit_module would do, but this works
 * whatever the kernel thinks of the initramfs's file flags. */
static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die(path);
	char *image = malloc(st.st_size);
	if (!image || read(fd, image, st.st_size) != st.st_size)
		die(path);
	close(fd);
	if (syscall(SYS_init_module, image, (unsigned long)st.st_size, "") != 0 && errno != EEXIST)
		die(path);
	free(image);
}

static void load_modules(void)
{
	struct dirent **names;
	int n = scandir("/modules", &names, NULL, by_name);
	if (n < 0)
		die("/modules");
	for (int i = 0; i < n; i++) {
		char path[512];
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "/modules/%s", names[i]->d_name);
			load_module(path);
		}
		free(names[i]);
	}
	free(names);
}

static void mount_root(void)
{
	/* The disk may show up a little after virtio_blk's init returns. */
	for (int i = 0; access(DISK, F_OK) != 0; i++) {
		if (i == 500)
			die(DISK);
		usleep(10000);
	}
	mkdir(ROOT, 0755);
	if (mount(DISK, ROOT, "ext4", 0, NULL) != 0)
		die("mount " DISK);
	if (mount("proc", ROOT "/proc", "proc", 0, NULL) != 0 ||
	    mount("sysfs", ROOT "/sys", "sysfs", 0, NULL) != 0 ||
	    mount("devtmpfs", ROOT "/dev", "devtmpfs", 0, NULL) != 0)
		die("mount proc, sysfs or devtmpfs under " ROOT);
	/* /dev/pts and /dev/shm as the server mounts them (rootdisk.rs). */
	mkdir(ROOT "/dev/pts", 0755);
	mkdir(ROOT "/dev/shm", 01777);
	if (mount("devpts", ROOT "/dev/pts", "devpts", 0, NULL) != 0 ||
	    mount("tmpfs", ROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
		die("mount devpts or /dev/shm under " ROOT);
}

/* The loopback interface up, as the server brings it up at boot
 * (components/lklsrv/src/boot/net.rs): Linux leaves it down. */
static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		die("lo flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		die("lo up");
	close(s);
}

/* Not the kernel command line: QEMU's microvm appends its own words to it. */
static char **read_command(void)
{
	static char text[4096];
	static char *argv[64];
	int fd = open("/run", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		die("/run");
	int argc = 0;
	for (char *p = text; p < text + n && argc < 63; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	return argv;
}

int main(void)
{
	char **argv = read_command();
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
		die("mount devtmpfs");
	load_modules();
	mount_root();
	loopback_up();

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *env[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", "TERM=linux", NULL};
		if (chroot(ROOT) != 0 || chdir("/") != 0)
			die("chroot " ROOT);
		execve(argv[0], argv, env);
		fprintf(stderr, "linux-init: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("linux-init run-us=%lld\n", (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000);
	umount2(ROOT "/dev/shm", MNT_DETACH);
	umount2(ROOT "/dev/pts", MNT_DETACH);
	umount2(ROOT "/dev", MNT_DETACH);
	umount2(ROOT "/sys", MNT_DETACH);
	umount2(ROOT "/proc", MNT_DETACH);
	umount(ROOT);
	power_off(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}
