/* Futexes that processes share: a futex call without FUTEX_PRIVATE_FLAG
 * on MAP_SHARED memory wakes a waiter in another process (raw futex,
 * and what the libcs build on it: process-shared mutexes, condition
 * variables, semaphores and barriers), while the same call on private
 * memory after fork stays within its process, even where both still
 * read one copy-on-write page. */
#include "conf.h"
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

/* musl's headers have no linux/futex.h; the uapi values. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static long futex(int *uaddr, int op, int val, long timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000 };
	return syscall(SYS_futex, uaddr, op, val, timeout_ms ? &ts : NULL, NULL, 0);
}

/* Waits while *w is 0; 1 if a wake (or the value) ended it, 0 on the
 * timeout. */
static int wait_for_one(int *w, long timeout_ms)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0) {
		if (futex(w, FUTEX_WAIT, 0, timeout_ms) == -1 && errno == ETIMEDOUT)
			return 0;
	}
	return 1;
}

static void set_and_wake(int *w)
{
	usleep(200 * 1000);
	__atomic_store_n(w, 1, __ATOMIC_RELEASE);
	futex(w, FUTEX_WAKE, 1, 0);
}

static int status_of(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct pingpong {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn;
	int count;
	sem_t sem;
	pthread_barrier_t bar;
};

enum { ROUNDS = 100 };

static void play(struct pingpong *p, int me)
{
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&p->m);
		while (p->turn != me)
			pthread_cond_wait(&p->c, &p->m);
		p->count++;
		p->turn = !me;
		pthread_cond_broadcast(&p->c);
		pthread_mutex_unlock(&p->m);
	}
}

int main(void)
{
	/* A broken wake hangs rather than fails: end it. */
	alarm(120);
	char *shm = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 1;

	/* Parent waits, child wakes; the page was touched before fork. */
	int *w = (int *)shm;
	*w = 0;
	pid_t pid = xfork();
	if (pid == 0) {
		set_and_wake(w);
		_exit(0);
	}
	YES("shared: parent woken by child", wait_for_one(w, 10000));
	printf("shared: child status %d\n", status_of(pid));

	/* Child waits, parent wakes; a page nobody touched before fork. */
	int *w2 = (int *)(shm + 4096);
	pid = xfork();
	if (pid == 0)
		_exit(wait_for_one(w2, 10000) ? 0 : 1);
	set_and_wake(w2);
	printf("shared: child woken by parent, status %d\n", status_of(pid));

	/* Process-shared mutex and condition variable: turns in strict
	 * alternation. */
	struct pingpong *p = (struct pingpong *)(shm + 2 * 4096);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_barrierattr_t ba;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	SHOW("pshared: mutex init", pthread_mutex_init(&p->m, &ma));
	SHOW("pshared: cond init", pthread_cond_init(&p->c, &ca));
	SHOW("pshared: sem init", sem_init(&p->sem, 1, 0));
	SHOW("pshared: barrier init", pthread_barrier_init(&p->bar, &ba, 2));
	p->turn = 0;
	p->count = 0;
	pid = xfork();
	if (pid == 0) {
		play(p, 1);
		/* Posts while the parent may sleep in sem_wait. */
		for (int i = 0; i < ROUNDS; i++) {
			if (i % 10 == 0)
				usleep(1000);
			sem_post(&p->sem);
		}
		int mine = 0;
		for (int i = 0; i < ROUNDS; i++)
			mine += pthread_barrier_wait(&p->bar) == PTHREAD_BARRIER_SERIAL_THREAD;
		_exit(mine);
	}
	play(p, 0);
	int got = 0;
	for (int i = 0; i < ROUNDS; i++)
		got += sem_wait(&p->sem) == 0;
	int serial = 0;
	for (int i = 0; i < ROUNDS; i++)
		serial += pthread_barrier_wait(&p->bar) == PTHREAD_BARRIER_SERIAL_THREAD;
	serial += status_of(pid);
	printf("pshared: turns taken %d\n", p->count);
	printf("pshared: semaphore waits %d\n", got);
	YES("pshared: one serial waiter per barrier round", serial == ROUNDS);

	/* Private memory: after fork both read one copy-on-write page, yet
	 * a shared-op wake in the parent does not reach the child's wait at
	 * the same address. */
	static int priv;
	pid = xfork();
	if (pid == 0) {
		long r = futex(&priv, FUTEX_WAIT, 0, 1500);
		_exit(r == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	usleep(300 * 1000);
	SHOW("private: wake from the other process", futex(&priv, FUTEX_WAKE, 1, 0));
	printf("private: child timed out, status %d\n", status_of(pid));

	/* Bad addresses are refused as with private calls. */
	SHOW("shared: misaligned", futex((int *)(shm + 1), FUTEX_WAIT, 0, 10));
	SHOW("shared: unmapped", futex((int *)8, FUTEX_WAIT, 0, 10));
	SHOW("shared: value differs", futex(w, FUTEX_WAIT, 0, 10));
	return 0;
}
