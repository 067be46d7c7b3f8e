/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between cellux's library-mode Linux (arch/lkl overlay in
 * lkl/overlay) and whatever hosts it: the hosted std implementation in the
 * `lkl` crate (lkl/src/host) and, later, the LKL server component on the
 * microkernel. Linux reaches its host only through `struct lkl_host_ops`;
 * the host reaches Linux only through the lkl_* entry points below, which
 * are the only global symbols of the built object.
 *
 * The Rust mirror is lkl/src/ffi.rs; keep the two in step.
 *
 * Syscall ABI: the library speaks x86_64 Linux's syscall ABI (numbers of
 * arch/x86/entry/syscalls/syscall_64.tbl, x86_64 uapi struct layouts), so a
 * syscall trapped from a static x86_64 binary is forwarded unchanged.
 */
#ifndef CELLUX_LKL_HOST_H
#define CELLUX_LKL_HOST_H

#ifdef __cplusplus
extern "C" {
#endif

struct lkl_sem;
struct lkl_mutex;
struct lkl_tls_key;
struct lkl_timer;

/* A host thread handle; 0 is never a valid thread. */
typedef unsigned long lkl_thread_t;

/* Saved execution context for jmp_buf_set/jmp_buf_longjmp. */
struct lkl_jmp_buf {
	unsigned long regs[16];
};

struct lkl_host_ops {
	/* Console: Linux's printk and console output. May be NULL. */
	void (*print)(const char *str, int len);
	/* Linux panicked: never returns. */
	void (*panic)(void);

	/* Counting semaphores. */
	struct lkl_sem *(*sem_alloc)(int count);
	void (*sem_free)(struct lkl_sem *sem);
	void (*sem_up)(struct lkl_sem *sem);
	void (*sem_down)(struct lkl_sem *sem);

	/* Mutexes; recursive != 0 asks for a recursive one. */
	struct lkl_mutex *(*mutex_alloc)(int recursive);
	void (*mutex_free)(struct lkl_mutex *mutex);
	void (*mutex_lock)(struct lkl_mutex *mutex);
	void (*mutex_unlock)(struct lkl_mutex *mutex);

	/* Threads. thread_create returns 0 on failure. thread_exit ends the
	 * calling thread; thread_join returns 0 or -1. */
	lkl_thread_t (*thread_create)(void (*fn)(void *), void *arg);
	void (*thread_exit)(void);
	int (*thread_join)(lkl_thread_t thread);
	lkl_thread_t (*thread_self)(void);
	int (*thread_equal)(lkl_thread_t a, lkl_thread_t b);

	/* Thread-local keys; the destructor runs when a thread that set a
	 * non-NULL value ends. */
	struct lkl_tls_key *(*tls_alloc)(void (*destructor)(void *));
	void (*tls_free)(struct lkl_tls_key *key);
	int (*tls_set)(struct lkl_tls_key *key, void *data);
	void *(*tls_get)(struct lkl_tls_key *key);

	/* Memory: small allocations, and page-aligned ranges (Linux's RAM). */
	void *(*mem_alloc)(unsigned long size);
	void (*mem_free)(void *ptr);
	void *(*page_alloc)(unsigned long size);
	void (*page_free)(void *addr, unsigned long size);
	/* page_alloc's memory is at its physical address plus phys_offset (0
	 * where nothing needs physical addresses): Linux's __pa subtracts it,
	 * so DMA devices are given the right addresses. */
	unsigned long phys_offset;

	/* Monotonic time in nanoseconds. */
	unsigned long long (*time)(void);

	/* One-shot timers: fn runs on a host thread after delta_ns. */
	struct lkl_timer *(*timer_alloc)(void (*fn)(void));
	int (*timer_set_oneshot)(struct lkl_timer *timer, unsigned long delta_ns);
	void (*timer_free)(struct lkl_timer *timer);

	/* Device memory: ioremap maps a device's register window (the address
	 * a virtio-mmio device was announced at); iomem_access reads or writes
	 * 1, 2, 4 or 8 bytes there. Returns 0 or a negative errno. */
	void *(*ioremap)(unsigned long addr, unsigned long size);
	int (*iomem_access)(const volatile void *addr, void *val, int size, int write);

	/* jmp_buf_set saves the context and calls fn; a later
	 * jmp_buf_longjmp(jb, v) (from inside fn, on the same host thread)
	 * returns from jmp_buf_set. If fn returns, jmp_buf_set returns. */
	void (*jmp_buf_set)(struct lkl_jmp_buf *jb, void (*fn)(void));
	void (*jmp_buf_longjmp)(struct lkl_jmp_buf *jb, int val);

	/* All of Linux's access to user memory goes through these two.
	 * They return the number of bytes NOT copied (0 on success), so a bad
	 * user pointer becomes -EFAULT inside Linux. `to`/`from` on the user
	 * side are addresses in the calling task's process. */
	unsigned long (*copy_from_user)(void *to, const void *from, unsigned long n);
	unsigned long (*copy_to_user)(void *to, const void *from, unsigned long n);

	/* Space-separated virtio_mmio.device=SIZE@ADDR:IRQ words appended to
	 * the kernel command line; may be NULL. */
	const char *virtio_devices;

	/* The console tty (/dev/console, /dev/ttyS0): what programs write
	 * there and the line discipline's echo, already processed by termios
	 * (ONLCR...). Kept apart from `print` so that kernel messages can go
	 * elsewhere. May be NULL: the bytes are dropped. */
	void (*console_write)(const char *buf, int len);

	/* A host task whose host thread is out of Linux (back in host code,
	 * e.g. running its process in user mode) got a signal to handle:
	 * `thread` is the host thread that last entered Linux as it. Called
	 * with the CPU owned, before it is released, at most once until the
	 * host next asks lkl_task_signal_pending about that task; the host
	 * makes the thread come and ask (asynchronous signal delivery). May
	 * be NULL. Must not call into Linux. */
	void (*signal_kick)(lkl_thread_t thread);

	/* Shared memory for a futex that processes share (a futex call
	 * without FUTEX_PRIVATE_FLAG): for the page under `uaddr` in the
	 * calling task's process, a non-zero name every process that maps
	 * the same shared page agrees on (its physical address), backing it
	 * first if need be; 0 when the page is private memory, which keys
	 * the futex by the process as Linux does for private mappings. Called
	 * with the CPU owned; must not call into Linux. May be NULL: no
	 * memory is shared between processes. */
	unsigned long (*futex_shared_page)(unsigned long uaddr);

	/* The host's own event counters (on cellux: the microkernel's kernel
	 * calls, syscall traps, page faults, CR3 writes, thread switches...,
	 * counted since boot), for /proc/cellux/counters: writes them into
	 * `buf` as text, one `name value` line each (name: [a-z0-9_]+, value:
	 * decimal), at most `len` bytes, and returns how many it wrote or a
	 * negative errno (-ENOSYS: a host without counters; -ENOSPC: `len` is
	 * too small). The host names them because only it knows what it
	 * counts. May be NULL: no such file. Must not call into Linux. */
	long (*kernel_counters)(char *buf, unsigned long len);

	/* The page-cache pages [first, last] of the file whose mapping is
	 * `mapping` (as lkl_file_map gave it) leave the cache (truncate,
	 * hole punching): the host unmaps them from its processes and gives
	 * back its pins, undirtied, so a later access past the end of the
	 * file is SIGBUS and one inside it meets the new page. Called with
	 * the CPU owned and the file's locks held: the host may give its
	 * pins back (lkl_file_page_release with dirtied = 0) and nothing
	 * else. May be NULL: no process maps page-cache pages. */
	void (*file_pages_gone)(unsigned long mapping, unsigned long first,
				unsigned long last);

	/* The page-cache pages [first, last] of the file whose mapping is
	 * `mapping` are about to be written back (clean from now on): the host
	 * maps them read-only in its processes, so a later write faults and
	 * makes the page dirty again (lkl_file_page_dirty), and gives back
	 * its pins undirtied unless written since. Called with the CPU owned
	 * and the page locked: the host changes its page tables and nothing
	 * else. May be NULL. */
	void (*file_pages_clean)(unsigned long mapping, unsigned long first,
				 unsigned long last);

	/* Another process's memory, for Linux's access_remote_vm
	 * (/proc/PID/cmdline, environ, mem): copies up to `len` bytes at
	 * `addr` in the address space the host named `host` (lkl_task_set_mm)
	 * into `buf`, or from `buf` if `write`, stopping at the first byte
	 * that is not there (or not writable); returns how many were copied,
	 * 0 when `host` names no live address space. Linux has made its
	 * permission checks first. Called with the CPU owned; must not call
	 * into Linux. May be NULL: no process memory to reach. */
	unsigned long (*process_access)(unsigned long host, unsigned long addr,
					void *buf, unsigned long len,
					int write);

	/* How many pages of the address space the host named `host` are
	 * resident, of kind `kind` (LKL_RSS_*): the process's resident-set
	 * counters (/proc/PID/status VmRSS, statm, stat's rss, the OOM
	 * killer's choice), which only the host can count. Called with the
	 * CPU owned; must not call into Linux. May be NULL: Linux's own
	 * counters (zero) stand. */
	unsigned long (*process_resident)(unsigned long host, int kind);

	/* The last user of the address space the host named `host` is gone
	 * (exit, or exec's new image): the host unmaps and gives back its
	 * pages now, as exit_mmap frees a process's memory before the parent
	 * hears of its exit. Called in the exiting task, with the CPU owned.
	 * May be NULL: the host gives them back when it likes. */
	void (*process_exit_mm)(unsigned long host);
	/* Which of the `pages` pages from `addr` in the address space the
	 * host named `host` are backed in its page table now: vec[i] = 1
	 * for each that is, left as it is for the others (mincore; a file
	 * mapping's page not backed there may still be in the page cache,
	 * which Linux looks up itself). Backs nothing. Called with the CPU
	 * owned; must not call into Linux. May be NULL: none are. */
	void (*process_incore)(unsigned long host, unsigned long addr,
			       unsigned long pages, unsigned char *vec);

	/* sem_up(up) then sem_down(down), which the host may do at once: a
	 * hand-off between host threads (the one up wakes runs, the caller
	 * waits on down), one wait on the host's scheduler instead of two
	 * calls. May be NULL: the two calls are made. */
	void (*sem_up_down)(struct lkl_sem *up, struct lkl_sem *down);
};

/* process_resident's kinds, as Linux's MM_ANONPAGES, MM_FILEPAGES and
 * MM_SHMEMPAGES count them. */
#define LKL_RSS_ANON	0
#define LKL_RSS_FILE	1
#define LKL_RSS_SHMEM	2

/* ---- Life cycle ------------------------------------------------------ */

/* Installs the host operations. 0 or a negative errno. */
int lkl_init(const struct lkl_host_ops *ops);
/* Boots Linux with the given command line ("mem=64M loglevel=4 ...") and
 * returns once syscalls are served. 0 or a negative errno. */
int lkl_start_kernel(const char *cmdline);
/* 1 while Linux runs, 0 before lkl_start_kernel and after halt. */
int lkl_is_running(void);
/* Shuts Linux down; every later lkl_syscall returns -ENODEV... */
long lkl_sys_halt(void);
/* ...and frees what lkl_init allocated. */
void lkl_cleanup(void);

/* ---- Syscalls -------------------------------------------------------- */

/* Runs x86_64 syscall `no` with six arguments in the calling host thread's
 * task. Returns the result or a negative errno; -ENOSYS for an unknown
 * number, -ENODEV (nothing run) when Linux is not running.
 *
 * As on x86_64, a syscall interrupted by a signal may return the kernel's
 * restart codes: -ERESTARTSYS (-512), -ERESTARTNOINTR (-513),
 * -ERESTARTNOHAND (-514) or -ERESTART_RESTARTBLOCK (-516). The personality
 * turns them into -EINTR or a restart after lkl_task_next_signal, by the
 * handler's SA_RESTART as arch/x86's signal code does.
 *
 * Numbers the personality serves itself answer -ENOSYS here: fork, vfork,
 * clone, clone3, exit, exit_group, rt_sigreturn, arch_prctl, mmap, munmap,
 * mremap, mprotect, madvise, msync, brk, reboot, ptrace.
 *
 * execve and execveat are Linux's, with the process's own pointers: when
 * one returns 0 the task is past its point of no return (other threads
 * ended, close-on-exec done, handlers reset, comm and /proc/self/exe set)
 * and the host builds the new image from lkl_exec_take_image. */
long lkl_syscall(long no, long *params);

/* A process's syscall: lkl_syscall, then the look its way back to user
 * mode makes, in the same entry: *signal_pending is what
 * lkl_task_signal_pending(0) would answer right after (taken once the CPU
 * is let go, the kick re-armed first). */
long lkl_syscall_from_user(long no, long *params, int *signal_pending);

/* ---- The image of an execve ----------------------------------------- */

/* What the calling thread's task's last successful execve left for the
 * host: info[0] the image's size in bytes, info[1] the size of its
 * strings, info[2] argc, info[3] envc, info[4..8] the new credentials
 * its auxiliary vector tells it (uid, euid, gid, egid, and 1 for a
 * secure exec: set-ID or capability-gaining, AT_SECURE). -ENOENT when
 * there is none. */
long lkl_exec_image_info(unsigned long *info);

/* Reads the image (image_len bytes, as info[0] said) into `image` and
 * copies its strings (strings_len, as info[1]) into `strings`: argc
 * argument strings, envc environment strings, then the file name execve
 * was given, each NUL-terminated. Hands everything over whatever the
 * result: 0, or -errno (-EIO: the file changed under it). */
long lkl_exec_take_image(void *image, unsigned long image_len,
			 char *strings, unsigned long strings_len);

/* ---- Shared file mappings: page-cache pages in processes ------------ */
/*
 * The host maps the very pages of Linux's page cache into a process for a
 * MAP_SHARED file mapping (Linux's RAM is host memory at its physical
 * address), so read(), write() and every mapping of the file see the same
 * bytes. Handles are the host's references; every call may sleep and runs
 * in the calling thread's task. They may be called from inside Linux too
 * (a host op: copy_*_user meeting a page not mapped yet, futex_shared_page,
 * file_pages_gone), where they run on the CPU the thread already owns.
 */

/* A reference to the file the calling task has open as `fd`, for a shared
 * mapping, with mmap(2)'s checks: -EBADF, -EACCES (not open for reading;
 * for writing if `write`; append-only), -ENODEV (no page cache). Returns
 * 1 if the mapping may later be made writable (mprotect), else 0, the
 * handle in *handle and the name of the file's page cache (the same for
 * every open file of the inode; see file_pages_gone) in *mapping. */
long lkl_file_map(int fd, int write, unsigned long *handle,
		  unsigned long *mapping);
/* Drops a reference lkl_file_map took. */
void lkl_file_put(unsigned long handle);
/* The page-cache page at page `index` of the file, pinned, its physical
 * address in *phys; `write`: also made dirty, as a write of its own bytes
 * would (blocks reserved, written back later). -ENXIO past the end of the
 * file, another -errno when it cannot be read: the process gets SIGBUS.
 * From inside Linux where it may not sleep (pagefault_disable), only a page
 * the cache has up to date (and dirty, for `write`), else -EFAULT. */
long lkl_file_page(unsigned long handle, unsigned long index, int write,
		   unsigned long *phys);
/* Unpins a page lkl_file_page gave, first made dirty again if `dirtied`
 * (mapped writable: what the process wrote goes back to the file). */
long lkl_file_page_release(unsigned long handle, unsigned long index,
			   unsigned long phys, int dirtied);
/* Makes the page at `index` dirty again (msync of a writable mapping). */
long lkl_file_page_dirty(unsigned long handle, unsigned long index);
/* Writes back the file's bytes [start, end) and waits (msync MS_SYNC). */
long lkl_file_sync(unsigned long handle, unsigned long long start,
		   unsigned long long end);

/* ---- Process memory from Linux's page allocator --------------------- */
/*
 * The host backs its processes' private and anonymous pages with pages of
 * Linux's RAM, so processes, the page cache and Linux's own allocations
 * are one pool (MemFree tells the truth, the page cache yields to
 * processes, the OOM killer chooses whom to kill). Each runs in the
 * calling thread's task, out of Linux or inside it (a host op).
 */

/* Up to `n` zeroed pages, their physical addresses in phys[]: the first
 * as a page fault would get it (reclaim, then the OOM killer, which may
 * choose the caller), the others only if free without either. Returns how
 * many, or -ENOMEM for none (also -ENOMEM at once inside Linux where it
 * may not sleep and none is free). */
long lkl_user_pages_alloc(unsigned long *phys, unsigned long n);
/* Gives back pages lkl_user_pages_alloc gave, mapped by no process any
 * more. -EINVAL if any of them is not such a page (it is left alone). */
long lkl_user_pages_free(const unsigned long *phys, unsigned long n);
/* Pages of RAM and swap: what Linux's overcommit heuristic (the default,
 * OVERCOMMIT_GUESS) lets one mapping ask for at most. */
unsigned long lkl_user_pages_total(void);

/* ---- Interrupts (device host sides) ---------------------------------- */

int lkl_get_free_irq(const char *user);
void lkl_put_irq(int irq, const char *user);
int lkl_trigger_irq(int irq);

/* ---- Console input --------------------------------------------------- */

/* Bytes typed on the console, for the tty's line discipline (echo, line
 * editing, ^C/^Z/^\ as signals to the foreground process group). Any host
 * thread may call it; the bytes are queued and handed to Linux from an
 * interrupt. Returns how many were taken (fewer than `len` when the queue
 * is full: the rest is the caller's to offer again) or -ENODEV before the
 * tty exists. */
int lkl_console_input(const char *buf, int len);

/* ---- Tasks: one Linux task per process thread ----------------------- */
/*
 * Linux keeps the process tree, fd tables, credentials and signal
 * bookkeeping; the host (the personality) keeps address spaces and
 * registers. A task handle is opaque; a task stays valid until it has been
 * ended with lkl_task_exit and reaped, or released with lkl_task_put.
 */
typedef unsigned long lkl_task_t;

/* The calling host thread's task; a host thread with none gets a fresh
 * thread of the init process on first use (as LKL does). The handle is
 * borrowed: valid while the thread stays bound to it. */
lkl_task_t lkl_task_current(void);

/* Makes `task` the calling host thread's task: every later lkl_syscall of
 * this thread runs in it. The binding holds its own reference (the
 * caller's handle stays the caller's); the thread's previous task, if any,
 * is unbound but not ended. A host thread that ends while bound to the task
 * it got on first use ends that task as by exit(0); an adopted task is only
 * unbound. At most one host thread may be inside Linux as a given task at
 * a time. Calls as a task that has ended return -ESRCH. */
int lkl_task_adopt(lkl_task_t task);

/* Creates a task the way clone(2) with `clone_flags` would from the calling
 * thread's task: without CLONE_THREAD a new process (own pid and tgid, fd
 * table copied unless CLONE_FILES, cwd copied unless CLONE_FS, credentials
 * and signal dispositions inherited); with CLONE_THREAD a new thread in the
 * caller's thread group. `exit_signal` is what the parent gets when it ends
 * (normally SIGCHLD). The task has no host thread until one adopts it.
 * With CLONE_PIDFD, Linux makes a pidfd for the child in the caller's fd
 * table and stores it at user address `pidfd` of the calling process
 * (clone(2)'s errors: EFAULT there, and no child). CLONE_VFORK,
 * CLONE_SETTLS, CLONE_CHILD_SETTID/CLEARTID and CLONE_PARENT_SETTID are
 * ignored: they need user registers or the child's memory, which are the
 * personality's.
 * Returns 0 or a negative errno; *task and *tid are filled on success. */
long lkl_task_clone(unsigned long clone_flags, int exit_signal,
		    unsigned long pidfd, lkl_task_t *task, int *tid);

/* Ends the calling thread's task (group = 0, as exit(2)) or its whole
 * thread group (group = 1, as exit_group(2)) with the wait status `status`
 * (an exit code << 8, or a signal number); the parent's wait4 reaps it and
 * gets its exit signal. The host thread itself goes on, taskless. */
void lkl_task_exit(int status, int group);

/* Drops a handle from lkl_task_clone or lkl_task_detach. */
void lkl_task_put(lkl_task_t task);

/* Tells Linux whose address space `task`'s mm is: `host` (non-zero) is
 * the host's name for it, passed back to process_access. With `layout`
 * (after an exec built the new image): where its argument and environment
 * strings lie, {arg_start, arg_end, env_start, env_end}, as /proc/PID/
 * cmdline and environ read them. A forked child keeps its parent's layout
 * (NULL). 0, -EINVAL (no task, no mm, host 0, a layout out of order). */
long lkl_task_set_mm(lkl_task_t task, unsigned long host,
		     const unsigned long *layout);

/* ---- Linux's view of a process's address space ------------------------ */
/*
 * The host keeps each process's map and page table; it tells Linux every
 * change, and Linux keeps a VMA for each mapping in the task's mm, as it
 * would with an MMU, for its own /proc (maps, status, statm, stat) and
 * accounting; fork copies them with the mm. `task` 0: the calling
 * thread's task. Addresses are page aligned, start < end <= TASK_SIZE.
 * Each returns 0, -EINVAL (bad range or flags, no task or mm), -EBADF
 * (LKL_VMA_FILE: no such fd) or -ENOMEM (the view misses that change).
 */
#define LKL_VMA_READ	0x01	/* PROT_READ */
#define LKL_VMA_WRITE	0x02	/* PROT_WRITE */
#define LKL_VMA_EXEC	0x04	/* PROT_EXEC */
#define LKL_VMA_SHARED	0x08	/* MAP_SHARED */
#define LKL_VMA_STACK	0x10	/* the initial stack (grows down) */
#define LKL_VMA_FILE	0x20	/* of file `fd`, from byte `offset` */
#define LKL_VMA_EXE	0x40	/* of the mm's executable, from byte `offset` */

/* [start, end) is now one mapping with `flags` (what was there goes). */
long lkl_vma_map(lkl_task_t task, unsigned long start, unsigned long end,
		 unsigned long flags, int fd, unsigned long long offset);
/* [start, end) is no longer mapped. */
long lkl_vma_unmap(lkl_task_t task, unsigned long start, unsigned long end);
/* The mapped parts of [start, end) now allow `prot` (LKL_VMA_READ,
 * WRITE, EXEC). */
long lkl_vma_protect(lkl_task_t task, unsigned long start, unsigned long end,
		     unsigned long prot);
/* A new image's layout: {start_code, end_code, start_data, end_data,
 * start_brk, brk, start_stack}, as Linux's ELF loader sets them. */
long lkl_task_set_image(lkl_task_t task, const unsigned long *image);
/* The program break moved to `brk` (brk(2)). */
long lkl_task_set_brk(lkl_task_t task, unsigned long brk);

/* Unbinds the calling host thread from its task and hands the binding's
 * reference to the caller as a handle, for another host thread to adopt:
 * the task goes on, only the thread that runs it changes (a process that
 * leaves a borrowed address space at exec moves to a thread of its own).
 * Returns 0 when the thread has no task or Linux is not running. */
lkl_task_t lkl_task_detach(void);

/* 1 if `task` (0: the caller's) has a signal pending that is not blocked.
 * Also re-arms the task's signal_kick: a signal arriving after this call
 * kicks again. */
int lkl_task_signal_pending(lkl_task_t task);

/* The next signal to deliver to the caller's task, after Linux's own
 * default actions (ignore, stop, continue, terminate) have been applied. */
struct lkl_signal_delivery {
	int signo;                 /* 0: nothing to deliver */
	int action;                /* LKL_SIGACT_* */
	unsigned long handler;     /* user handler address for HANDLER */
	unsigned long flags;       /* sa_flags (SA_SIGINFO, SA_ONSTACK, ...) */
	unsigned long restorer;    /* sa_restorer */
	unsigned long mask;        /* sa_mask (blocked during the handler) */
	unsigned long old_mask;    /* the mask to restore in the frame */
	unsigned char siginfo[128];/* x86_64 siginfo_t as the handler sees it */
	/* The task's sigaltstack (stack_t) as it was before delivery, for
	 * SA_ONSTACK; SS_AUTODISARM has already been applied inside Linux. */
	unsigned long ss_sp;
	unsigned long ss_size;
	int ss_flags;
};
enum {
	LKL_SIGACT_NONE = 0,    /* nothing pending and deliverable */
	LKL_SIGACT_HANDLER = 1, /* build a frame and run `handler` */
	LKL_SIGACT_EXIT = 2,    /* the group was killed: status in signo */
};
/* Dequeues and marks delivered the next deliverable signal of the calling
 * thread's task; for HANDLER the new blocked mask is already installed
 * inside Linux. Blocks while the task is stopped (SIGSTOP, SIGTSTP...)
 * until SIGCONT. For EXIT the task has ended and the thread is unbound.
 * 0 or a negative errno. */
int lkl_task_next_signal(struct lkl_signal_delivery *out);

/* ---- Test only ------------------------------------------------------ */

/* Linux's own panic(), for the server's crash test (the boot archive's
 * `crash` entry, components/lklsrv/src/boot/crashtest.rs): what it tests
 * is what follows, the host's panic operation. Never returns. */
void lkl_panic_test(void);

#ifdef __cplusplus
}
#endif
#endif /* CELLUX_LKL_HOST_H */
