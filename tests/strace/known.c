/* A static program whose system calls are known, for tests/suites/44-strace:
 * each is made with syscall(2) so no libc choice adds or hides one, in an
 * order the suite checks the trace against. */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, 0);
	syscall(SYS_getppid);
	syscall(SYS_openat, AT_FDCWD, "/no/such/file", O_RDONLY);
	syscall(SYS_write, 1, "hi\n", 3);
	syscall(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);
	syscall(999);
	long pid = syscall(SYS_fork);
	if (pid == 0)
		syscall(SYS_exit_group, 5);
	int st;
	syscall(SYS_wait4, pid, &st, 0, 0);
	syscall(SYS_exit_group, 3);
	return 0;
}
