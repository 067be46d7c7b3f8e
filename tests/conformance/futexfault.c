/* Futex operations that must write the futex word, on a word the caller
 * may read but not write: Linux answers EFAULT. Each of these fails its
 * atomic update and then asks the kernel to fault the page in writable
 * (fault_in_user_writeable), which on cellux's MMU-less Linux was a
 * BUG() that took the whole server down. Each runs in a child too, so a
 * server that survived one call but not the process's exit shows. */
#include "conf.h"
#include <sys/mman.h>
#include <sys/wait.h>

/* musl's headers have no linux/futex.h; the uapi values. */
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_PRIVATE_FLAG 128
/* FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0): store 1, wake if old == 0 */
#define WAKE_OP_SET_1 ((1 << 12) | (0 << 28) | (0 << 24) | 0)

static long futex(void *uaddr, int op, long val, void *timeout, void *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static void calls(const char *who, int *ro, int *rw)
{
	char label[96];
#define L(s) (snprintf(label, sizeof label, "%s: %s", who, s), label)
	SHOW(L("LOCK_PI on a read-only word"), futex(ro, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	SHOW(L("LOCK_PI private on a read-only word"), futex(ro, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
	SHOW(L("TRYLOCK_PI on a read-only word"), futex(ro, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	SHOW(L("UNLOCK_PI on a read-only word we do not own"), futex(ro, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	SHOW(L("WAKE_OP with a read-only second word"), futex(rw, FUTEX_WAKE_OP, 1, (void *)1L, ro, WAKE_OP_SET_1));
	YES(L("read-only word still 0"), *ro == 0);
	SHOW(L("LOCK_PI on a writable word"), futex(rw, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	YES(L("writable word now holds our tid"), (*rw & 0x3fffffff) == (int)syscall(SYS_gettid));
	SHOW(L("UNLOCK_PI on it"), futex(rw, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	YES(L("writable word back to 0"), *rw == 0);
#undef L
}

int main(void)
{
	int *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED || rw == MAP_FAILED) {
		perror("mmap");
		return 99;
	}
	calls("parent", ro, rw);

	pid_t pid = xfork();
	if (pid == 0) {
		calls("child", ro, rw);
		fflush(stdout);
		_exit(7);
	}
	int st = 0;
	SHOW("waitpid", waitpid(pid, &st, 0) == pid);
	YES("child exited 7", WIFEXITED(st) && WEXITSTATUS(st) == 7);
	SHOW("still answering: getppid > 0", getppid() > 0);
	return 0;
}
