/* Threads (pthread_create: clone with CLONE_VM|CLONE_THREAD|... and
 * CLONE_CHILD_CLEARTID for join) and futexes: mutexes, condition
 * variables, barriers, many short-lived threads, thread-local storage,
 * signals to one thread and to the process, raw futex requeue and
 * bitset wake-ups, set_tid_address's clear-and-wake at thread exit, and
 * exit_group from a thread that is not the main one. Only relations are
 * printed (never tids). Waits for "the other thread is blocked" are
 * retried until they hold, never timed. */
#include "conf.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* <linux/futex.h> values (musl-gcc has no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
/* struct robust_list_head: list, futex_offset, list_op_pending. */
#define ROBUST_LIST_HEAD_SIZE (3 * sizeof(long))

static long futex(uint32_t *uaddr, int op, uint32_t val, uintptr_t val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* Threads here run on 256 KiB stacks: cellux backs every mapped page
 * eagerly, so glibc's default 8 MiB stacks (and the ones it caches) would
 * cost 8 MiB each for real, and fork copies them all. One thread below
 * uses the default attributes. */
static pthread_attr_t small;

static int spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, &small, fn, arg);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- mutex and counter ---- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		if (i % 100 == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

static void *doubles(void *arg)
{
	return (void *)((long)arg * 2);
}

/* ---- condition variable: a one-slot queue ---- */
static pthread_cond_t cv_put = PTHREAD_COND_INITIALIZER, cv_got = PTHREAD_COND_INITIALIZER;
static int slot_full, slot_value;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 100; i++) {
		pthread_mutex_lock(&lock);
		while (slot_full)
			pthread_cond_wait(&cv_got, &lock);
		slot_value = i;
		slot_full = 1;
		pthread_cond_signal(&cv_put);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* ---- barrier ---- */
static pthread_barrier_t barrier;
static int serial_count, before_barrier, after_saw_all = 1;

static void *at_barrier(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&before_barrier, 1, __ATOMIC_SEQ_CST);
	int r = pthread_barrier_wait(&barrier);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
	else if (r != 0)
		printf("barrier wait: %d\n", r);
	if (__atomic_load_n(&before_barrier, __ATOMIC_SEQ_CST) != 4)
		after_saw_all = 0;
	return NULL;
}

/* ---- thread-local storage ---- */
static __thread int tls_value = 17;
static __thread char tls_zero[128];

static void *tls_thread(void *arg)
{
	long id = (long)arg;
	int ok = tls_value == 17;
	for (int i = 0; i < 128; i++)
		ok &= tls_zero[i] == 0;
	tls_value = 1000 + (int)id;
	tls_zero[0] = (char)id;
	for (int i = 0; i < 50; i++)
		sched_yield();
	ok &= tls_value == 1000 + (int)id && tls_zero[0] == (char)id;
	return (void *)(long)ok;
}

/* ---- signals ---- */
static volatile pid_t handled_in;
static volatile int handled_sig;

static void on_signal(int sig)
{
	handled_in = gettid_();
	handled_sig = sig;
}

static volatile pid_t waiter_tid;
static volatile int stop_waiting;

/* Waits with SIGUSR1/SIGUSR2 unblocked until told to stop. */
static void *signal_waiter(void *arg)
{
	(void)arg;
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	waiter_tid = gettid_();
	while (!stop_waiting)
		sigsuspend(&none);
	return NULL;
}

static int timedwait_result;
static void *timed_waiter(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	waiter_tid = gettid_();
	struct timespec ts = { 30, 0 };
	timedwait_result = sigtimedwait(&set, NULL, &ts);
	return NULL;
}

/* ---- calls made from a thread ---- */
static void *misc_calls(void *arg)
{
	(void)arg;
	YES("thread: gettid differs from getpid", gettid_() != getpid());
	SHOW("thread: sched_yield", sched_yield());
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	YES("thread: sched_getaffinity has a cpu", sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 1);
	struct rlimit rl;
	SHOW("thread: prlimit64 NOFILE", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl));
	unsigned char buf[16];
	SHOW("thread: getrandom 16", syscall(SYS_getrandom, buf, sizeof buf, 0));
	void *head;
	size_t len = 0;
	SHOW("thread: get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len));
	YES("thread: robust list length", len == ROBUST_LIST_HEAD_SIZE);
	return NULL;
}

/* ---- a thread blocked in read leaves its siblings free ---- */
static int blocked_pipe[2];
static void *blocked_reader(void *arg)
{
	(void)arg;
	char buf[8];
	return (void *)read(blocked_pipe[0], buf, sizeof buf);
}

/* ---- raw futexes ---- */
static uint32_t fa, fb, fc;
static int woke_with[2];

static void *wait_on_a(void *arg)
{
	long shared = (long)arg;
	long r;
	do
		r = futex(&fa, shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
	while (r == -1 && errno == EINTR);
	return (void *)r;
}

static void *wait_bitset(void *arg)
{
	long bit = (long)arg;
	long r;
	do
		r = futex(&fc, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, NULL, (uint32_t)bit);
	while (r == -1 && errno == EINTR);
	__atomic_store_n(&woke_with[bit - 1], 1, __ATOMIC_SEQ_CST);
	return (void *)r;
}

/* set_tid_address from a thread, then a raw exit: Linux clears the word
 * and wakes its futex. */
static uint32_t tid_word = 1;
static void *raw_exit(void *arg)
{
	(void)arg;
	syscall(SYS_set_tid_address, &tid_word);
	syscall(SYS_exit, 0);
	return NULL;
}

/* Requeues until `want` waiters have moved from fa to fb. */
static long requeue_all(int op, int want)
{
	long moved = 0;
	while (moved < want) {
		long r = futex(&fa, op, 0, INT_MAX, &fb, 0);
		if (r < 0)
			return r;
		moved += r;
		sched_yield();
	}
	return moved;
}

static void *exits_group(void *arg)
{
	(void)arg;
	_exit(7);
}

static void *spins_forever(void *arg)
{
	(void)arg;
	for (volatile int i = 0;; i++)
		;
	return NULL;
}

static void *blocks_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t[8];
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 256 * 1024);

	void *dflt;
	SHOW("pthread_create with default attributes", pthread_create(&t[0], NULL, doubles, (void *)21));
	pthread_join(t[0], &dflt);
	printf("its value: %ld\n", (long)dflt);

	/* mutex */
	for (long i = 0; i < 4; i++)
		spawn(&t[i], count, (void *)i);
	int same = 1;
	for (long i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		same &= r == (void *)i;
	}
	printf("mutex counter: %ld\n", counter);
	YES("join returns the thread's value", same);

	/* condition variable */
	spawn(&t[0], producer, NULL);
	long sum = 0;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		while (!slot_full)
			pthread_cond_wait(&cv_put, &lock);
		sum += slot_value;
		slot_full = 0;
		pthread_cond_signal(&cv_got);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t[0], NULL);
	printf("condvar queue sum: %ld\n", sum);

	/* barrier */
	pthread_barrier_init(&barrier, NULL, 4);
	for (int i = 0; i < 4; i++)
		spawn(&t[i], at_barrier, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("barrier serial threads: %d\n", serial_count);
	YES("barrier: all arrived before any left", after_saw_all);

	/* many short-lived threads */
	long total = 0;
	int created = 0;
	for (long i = 0; i < 200; i++) {
		pthread_t x;
		void *r;
		if (spawn(&x, doubles, (void *)i) != 0)
			break;
		created++;
		pthread_join(x, &r);
		total += (long)r;
	}
	printf("short-lived threads: %d, sum %ld\n", created, total);

	/* TLS */
	int tls_ok = 1;
	for (long i = 0; i < 4; i++)
		spawn(&t[i], tls_thread, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		tls_ok &= r == (void *)1;
	}
	YES("tls: each thread its own, from the image", tls_ok);
	YES("tls: main's untouched", tls_value == 17 && tls_zero[0] == 0);

	/* calls from a thread */
	fflush(stdout);
	spawn(&t[0], misc_calls, NULL);
	pthread_join(t[0], NULL);

	/* tgkill to one thread; then a process-directed signal, which only
	 * that thread leaves unblocked */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t usr;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr, NULL);
	spawn(&t[0], signal_waiter, NULL);
	while (!waiter_tid)
		sched_yield();
	SHOW("tgkill SIGUSR1 to the thread", syscall(SYS_tgkill, getpid(), waiter_tid, SIGUSR1));
	while (!handled_sig)
		sched_yield();
	YES("handler ran in the target thread", handled_in == waiter_tid && handled_sig == SIGUSR1);
	handled_sig = 0;
	SHOW("kill SIGUSR2 to the process", kill(getpid(), SIGUSR2));
	while (!handled_sig)
		sched_yield();
	YES("process signal ran in the unblocking thread", handled_in == waiter_tid && handled_sig == SIGUSR2);
	stop_waiting = 1;
	SHOW("tkill SIGUSR1 to wake it", syscall(SYS_tkill, waiter_tid, SIGUSR1));
	pthread_join(t[0], NULL);
	SHOW("tgkill to a tid not in this process", syscall(SYS_tgkill, getpid(), 0x3fffffff, SIGUSR1));

	/* rt_sigtimedwait in a thread, woken by tgkill */
	waiter_tid = 0;
	spawn(&t[0], timed_waiter, NULL);
	while (!waiter_tid)
		sched_yield();
	syscall(SYS_tgkill, getpid(), waiter_tid, SIGUSR1);
	pthread_join(t[0], NULL);
	printf("sigtimedwait in a thread: %d\n", timedwait_result);
	pthread_sigmask(SIG_UNBLOCK, &usr, NULL);

	/* While a thread blocks in read, main maps, touches and unmaps
	 * memory (a change of the shared address space) and only then
	 * writes what the reader waits for. */
	if (pipe(blocked_pipe) != 0)
		return 1;
	spawn(&t[0], blocked_reader, NULL);
	for (int i = 0; i < 20; i++)
		sched_yield();
	int mapped_ok = 1;
	for (int i = 0; i < 8; i++) {
		char *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			mapped_ok = 0;
			break;
		}
		m[0] = m[65535] = (char)i;
		mapped_ok &= m[0] == (char)i && munmap(m, 65536) == 0;
	}
	YES("mmap/munmap while a sibling blocks in read", mapped_ok);
	SHOW("write to the blocked reader", write(blocked_pipe[1], "abc", 3));
	void *got;
	pthread_join(t[0], &got);
	printf("the reader read: %ld\n", (long)got);

	/* futex requeue: two waiters on fa (one private, one shared futex
	 * op: both private to this process's memory, keyed the same way
	 * only if the op agrees, so each kind is requeued with its own) */
	spawn(&t[0], wait_on_a, (void *)0);
	spawn(&t[1], wait_on_a, (void *)0);
	printf("cmp_requeue moved: %ld\n", requeue_all(FUTEX_CMP_REQUEUE_PRIVATE, 2));
	SHOW("cmp_requeue with a stale value", futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &fb, 5));
	SHOW("wake fa after requeue", futex(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	SHOW("wake fb one", futex(&fb, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	SHOW("wake fb rest", futex(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("requeued waiter %d returned: %ld\n", i, (long)r);
	}
	spawn(&t[0], wait_on_a, (void *)1);
	printf("shared requeue moved: %ld\n", requeue_all(FUTEX_REQUEUE, 1));
	SHOW("shared wake fb", futex(&fb, FUTEX_WAKE, 1, 0, NULL, 0));
	pthread_join(t[0], NULL);
	SHOW("wait with a changed value", futex(&fa, FUTEX_WAIT_PRIVATE, 1, 0, NULL, 0));

	/* bitset: only the waiter whose bits match is woken */
	spawn(&t[0], wait_bitset, (void *)1);
	spawn(&t[1], wait_bitset, (void *)2);
	long woken = 0;
	while (woken < 1) {
		woken += futex(&fc, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0, NULL, 1);
		sched_yield();
	}
	pthread_join(t[0], NULL);
	YES("bitset 1 woke the bit-1 waiter only", woke_with[0] && !__atomic_load_n(&woke_with[1], __ATOMIC_SEQ_CST));
	woken = 0;
	while (woken < 1) {
		woken += futex(&fc, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0, NULL, 2);
		sched_yield();
	}
	pthread_join(t[1], NULL);
	YES("bitset 2 woke the other", woke_with[1]);
	SHOW("wait_bitset with mask 0", futex(&fc, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, NULL, 0));

	/* set_tid_address + exit: the word is cleared and its futex woken */
	spawn(&t[0], raw_exit, NULL);
	for (;;) {
		uint32_t v = __atomic_load_n(&tid_word, __ATOMIC_SEQ_CST);
		if (v == 0)
			break;
		futex(&tid_word, FUTEX_WAIT, v, 0, NULL, 0);
	}
	printf("tid word after the thread's exit: %u\n", tid_word);

	/* Private futexes of two processes at the same address are two
	 * futexes: the parent's wakes never reach the forked child's waiter
	 * (told apart by Linux through each process's own mm). */
	int ready[2], done[2];
	if (pipe(ready) != 0 || pipe(done) != 0)
		return 1;
	fa = 0;
	fflush(stdout);
	pid_t other = fork();
	if (other == 0) {
		spawn(&t[0], wait_on_a, (void *)0);
		/* Best effort only: the wakes below must find nobody either way. */
		for (int i = 0; i < 20; i++)
			sched_yield();
		char c = 1;
		write(ready[1], &c, 1);
		read(done[0], &c, 1);
		requeue_all(FUTEX_CMP_REQUEUE_PRIVATE, 1);
		futex(&fb, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0);
		pthread_join(t[0], NULL);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	long stray = 0;
	for (int i = 0; i < 20; i++) {
		stray += futex(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0);
		stray += futex(&fa, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
		usleep(2000);
	}
	printf("wakes that reached the other process: %ld\n", stray);
	write(done[1], &c, 1);
	int ost;
	waitpid(other, &ost, 0);
	printf("other process exit status: %d\n", WIFEXITED(ost) ? WEXITSTATUS(ost) : -1);

	/* exit_group from a thread that is not the main one, with a
	 * sibling blocked in pause, one busy in user mode and main blocked
	 * in join */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		spawn(&t[1], blocks_forever, NULL);
		spawn(&t[2], spins_forever, NULL);
		spawn(&t[0], exits_group, NULL);
		pthread_join(t[0], NULL);
		_exit(99);
	}
	int st;
	SHOW("waitpid for the exit_group child", waitpid(child, &st, 0) == child);
	printf("child exit status: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
