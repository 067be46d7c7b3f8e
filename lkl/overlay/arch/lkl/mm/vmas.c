// SPDX-License-Identifier: GPL-2.0
/*
 * Linux's view of a cellux process's address space. The host keeps the
 * process's map and page table (Linux has no MMU here) and tells Linux
 * every change; Linux keeps a VMA for each mapping in the task's mm, as
 * it would with an MMU, so that its own /proc code (fs/proc/task_mmu.c,
 * built for us: maps, status's Vm* lines, statm, stat's sizes), its
 * accounting (vm_stat_account's total_vm, data_vm, stack_vm, exec_vm)
 * and fork (dup_mmap, patched to call lkl_dup_vmas) see them.
 *
 * These VMAs have no vm_region, which every no-MMU mapping of Linux's own
 * has, and they are not in their file's i_mmap tree: the page cache must
 * not take them for no-MMU mappings of its own (ramfs refuses to shrink
 * a file such a mapping shows). nommu.c's teardown (exit_mmap) is
 * patched to expect both.
 *
 * The pages are the host's too, so it counts the resident ones: Linux's
 * rss counters of an mm the host named are asked of it
 * (lkl_mm_counter, process_resident).
 */
#include <linux/mm.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include "../../../mm/internal.h"

/* mm/mmap.c's accounting, which a no-MMU build leaves out; the
 * classification is Linux's (mm/vma.h). */
void vm_stat_account(struct mm_struct *mm, vm_flags_t flags, long npages)
{
	WRITE_ONCE(mm->total_vm, READ_ONCE(mm->total_vm) + npages);

	if (is_exec_mapping(flags))
		mm->exec_vm += npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += npages;
	else if (is_data_mapping(flags))
		mm->data_vm += npages;
}

static bool hosts(const struct vm_area_struct *vma)
{
	return !vma->vm_region;
}

static vm_flags_t prot_flags(unsigned long f)
{
	return (f & LKL_VMA_READ ? VM_READ : 0) |
	       (f & LKL_VMA_WRITE ? VM_WRITE : 0) |
	       (f & LKL_VMA_EXEC ? VM_EXEC : 0);
}

/* As do_mmap sets them for an mmap with these flags. */
static vm_flags_t vm_flags_of(unsigned long f)
{
	vm_flags_t v = prot_flags(f) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (f & LKL_VMA_SHARED)
		v |= VM_SHARED | VM_MAYSHARE;
	if (f & LKL_VMA_STACK)
		v |= VM_STACK;
	return v;
}

static void free_vma(struct vm_area_struct *vma);

/* Whether `b`, starting where `a` ends, continues it as one VMA: what
 * Linux's VMA merging asks of neighbours (same flags, same file, file
 * offsets that follow on), so a heap grown by brk or neighbouring
 * mmaps alike are one line in maps as on Linux. */
static bool joins(struct vm_area_struct *a, struct vm_area_struct *b)
{
	return hosts(a) && hosts(b) && a->vm_end == b->vm_start &&
	       a->vm_flags == b->vm_flags && a->vm_file == b->vm_file &&
	       a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

/* Puts `vma` (not in any tree yet, its references taken) into `mm`, joined
 * with the neighbours it continues; on success `vma` may be gone. */
static int link_vma(struct mm_struct *mm, struct vm_area_struct *vma)
{
	unsigned long start = vma->vm_start, end = vma->vm_end;
	struct vm_area_struct *prev = NULL, *next, *keep;
	long pages = vma_pages(vma);
	VMA_ITERATOR(vmi, mm, start);

	vma->vm_mm = mm;
	vma->vm_region = NULL;
	if (start)
		prev = find_vma_intersection(mm, start - 1, start);
	if (prev && !joins(prev, vma))
		prev = NULL;
	next = find_vma_intersection(mm, end, end + 1);
	if (next && !joins(vma, next))
		next = NULL;
	keep = prev ? prev : vma;
	vma_iter_config(&vmi, prev ? prev->vm_start : start,
			next ? next->vm_end : end);
	if (vma_iter_prealloc(&vmi, keep))
		return -ENOMEM;
	keep->vm_end = next ? next->vm_end : end;
	vma_iter_store(&vmi, keep);
	vm_stat_account(mm, vma->vm_flags, pages);
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += pages;
	if (!prev)
		mm->map_count++;
	else
		free_vma(vma);
	if (next) {
		mm->map_count--;
		free_vma(next);
	}
	return 0;
}

static void free_vma(struct vm_area_struct *vma)
{
	if (vma->vm_file)
		fput(vma->vm_file);
	vm_area_free(vma);
}

/* A copy of `from`'s [start, end) with `flags`, linked into `mm`. */
static int link_piece(struct mm_struct *mm, struct vm_area_struct *from,
		      unsigned long start, unsigned long end,
		      vm_flags_t flags)
{
	struct vm_area_struct *vma = vm_area_dup(from);
	int ret;

	if (!vma)
		return -ENOMEM;
	vma->vm_pgoff += (start - from->vm_start) >> PAGE_SHIFT;
	vma->vm_start = start;
	vma->vm_end = end;
	vm_flags_init(vma, flags);
	if (vma->vm_file)
		get_file(vma->vm_file);
	ret = link_vma(mm, vma);
	if (ret)
		free_vma(vma);
	return ret;
}

/*
 * Takes [start, end) out of the host's VMAs in `mm`, keeping what lies
 * outside it; with `set` the parts inside stay too, their `clear` flags
 * replaced by those.
 */
static int carve(struct mm_struct *mm, unsigned long start,
		 unsigned long end, vm_flags_t clear, const vm_flags_t *set)
{
	struct vm_area_struct *vma;
	unsigned long at = start;
	int ret = 0;

	while (at < end && (vma = find_vma_intersection(mm, at, end))) {
		unsigned long s = vma->vm_start, e = vma->vm_end;
		vm_flags_t flags = vma->vm_flags;
		VMA_ITERATOR(vmi, mm, s);

		at = e;
		if (!hosts(vma))
			continue;
		vma_iter_config(&vmi, s, e);
		if (vma_iter_prealloc(&vmi, NULL))
			return -ENOMEM;
		vma_iter_clear(&vmi);
		mm->map_count--;
		vm_stat_account(mm, flags, -(long)vma_pages(vma));
		if (flags & VM_LOCKED)
			mm->locked_vm -= vma_pages(vma);
		if (s < start)
			ret = link_piece(mm, vma, s, start, flags) ?: ret;
		if (set)
			ret = link_piece(mm, vma, max(s, start), min(e, end),
					 (flags & ~clear) | *set) ?: ret;
		if (e > end)
			ret = link_piece(mm, vma, end, e, flags) ?: ret;
		free_vma(vma);
	}
	return ret;
}

static bool bad_range(unsigned long start, unsigned long end)
{
	return start >= end || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) ||
	       end > TASK_SIZE;
}

static struct task_struct *task_of(lkl_task_t task)
{
	return task ? (struct task_struct *)task : current;
}

long lkl_vma_map(lkl_task_t task, unsigned long start, unsigned long end,
		 unsigned long flags, int fd, unsigned long long offset)
{
	struct vm_area_struct *vma;
	struct file *file = NULL;
	struct mm_struct *mm;
	int entered;
	long ret;

	if (bad_range(start, end) || !PAGE_ALIGNED(offset) ||
	    (flags & ~0x7fUL) ||
	    (flags & LKL_VMA_FILE && flags & LKL_VMA_EXE))
		return -EINVAL;
	entered = lkl_enter_nested();
	if (entered < 0)
		return entered;
	ret = -EINVAL;
	mm = get_task_mm(task_of(task));
	if (!mm)
		goto out;
	ret = -EBADF;
	if (flags & LKL_VMA_FILE) {
		file = fget_task(task_of(task), fd);
		if (!file)
			goto put_mm;
	} else if (flags & LKL_VMA_EXE) {
		/* None (an exec's image before its file is known): anonymous. */
		file = get_mm_exe_file(mm);
	}
	ret = -ENOMEM;
	vma = vm_area_alloc(mm);
	if (!vma)
		goto put_file;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = file ? offset >> PAGE_SHIFT : start >> PAGE_SHIFT;
	/* mlockall(MCL_FUTURE)'s lock bits, as do_mmap adds mm->def_flags */
	vm_flags_init(vma, vm_flags_of(flags) | (mm->def_flags & VM_LOCKED_MASK));
	vma->vm_file = file;
	mmap_write_lock(mm);
	ret = carve(mm, start, end, 0, NULL);
	if (!ret)
		ret = link_vma(mm, vma);
	mmap_write_unlock(mm);
	if (!ret)
		goto put_mm;
	vma->vm_file = NULL;
	vm_area_free(vma);
put_file:
	if (file)
		fput(file);
put_mm:
	mmput(mm);
out:
	lkl_leave_nested(entered);
	return ret;
}

long lkl_vma_unmap(lkl_task_t task, unsigned long start, unsigned long end)
{
	struct mm_struct *mm;
	int entered;
	long ret = -EINVAL;

	if (bad_range(start, end))
		return -EINVAL;
	entered = lkl_enter_nested();
	if (entered < 0)
		return entered;
	mm = get_task_mm(task_of(task));
	if (mm) {
		mmap_write_lock(mm);
		/* Before the host drops the pages, as Linux's unmap notes them
		 * (the host tells us first). */
		update_hiwater_rss(mm);
		update_hiwater_vm(mm);
		ret = carve(mm, start, end, 0, NULL);
		mmap_write_unlock(mm);
		mmput(mm);
	}
	lkl_leave_nested(entered);
	return ret;
}

long lkl_vma_protect(lkl_task_t task, unsigned long start, unsigned long end,
		     unsigned long prot)
{
	vm_flags_t flags = prot_flags(prot);
	struct mm_struct *mm;
	int entered;
	long ret = -EINVAL;

	if (bad_range(start, end) ||
	    (prot & ~(LKL_VMA_READ | LKL_VMA_WRITE | LKL_VMA_EXEC)))
		return -EINVAL;
	entered = lkl_enter_nested();
	if (entered < 0)
		return entered;
	mm = get_task_mm(task_of(task));
	if (mm) {
		mmap_write_lock(mm);
		ret = carve(mm, start, end, VM_READ | VM_WRITE | VM_EXEC,
			    &flags);
		mmap_write_unlock(mm);
		mmput(mm);
	}
	lkl_leave_nested(entered);
	return ret;
}

long lkl_task_set_image(lkl_task_t task, const unsigned long *image)
{
	struct mm_struct *mm;
	int entered;
	long ret = -EINVAL;

	if (!image || image[0] > image[1] || image[2] > image[3] ||
	    image[4] > image[5])
		return -EINVAL;
	entered = lkl_enter_nested();
	if (entered < 0)
		return entered;
	mm = get_task_mm(task_of(task));
	if (mm) {
		mmap_write_lock(mm);
		mm->start_code = image[0];
		mm->end_code = image[1];
		mm->start_data = image[2];
		mm->end_data = image[3];
		mm->start_brk = image[4];
		mm->brk = image[5];
		mm->start_stack = image[6];
		mmap_write_unlock(mm);
		mmput(mm);
		ret = 0;
	}
	lkl_leave_nested(entered);
	return ret;
}

long lkl_task_set_brk(lkl_task_t task, unsigned long brk)
{
	struct mm_struct *mm;
	int entered;
	long ret = -EINVAL;

	entered = lkl_enter_nested();
	if (entered < 0)
		return entered;
	mm = get_task_mm(task_of(task));
	if (mm) {
		if (brk >= mm->start_brk) {
			WRITE_ONCE(mm->brk, brk);
			ret = 0;
		}
		mmput(mm);
	}
	lkl_leave_nested(entered);
	return ret;
}

/* Fork (dup_mmap, `oldmm` write-locked): the child's view starts as a
 * copy of the parent's, counted afresh. Nobody sees `mm` yet, but the
 * VMA tree's walks assert its lock (a WARN per fork, which taints the
 * kernel and makes LTP's taint-checking tests give up), so it is taken
 * nested, as the MMU dup_mmap takes it. */
int lkl_dup_vmas(struct mm_struct *mm, struct mm_struct *oldmm)
{
	VMA_ITERATOR(vmi, oldmm, 0);
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING);
	mm->total_vm = mm->data_vm = mm->exec_vm = mm->stack_vm = 0;
	/* dup_mm copied the parent's name for its address space: the copy
	 * is nobody's until the host names it (lkl_task_set_mm), and a copy
	 * dropped before that (a failed fork) must not make the host give
	 * back the parent's pages (lkl_exit_mmap). */
	WRITE_ONCE(mm->context.host, 0);
	mm->locked_vm = 0;
	for_each_vma(vmi, vma) {
		if (!hosts(vma))
			continue;
		/* Locks are not inherited (dup_mmap clears them too). */
		ret = link_piece(mm, vma, vma->vm_start, vma->vm_end,
				 vma->vm_flags & ~VM_LOCKED_MASK);
		if (ret)
			break;
	}
	mmap_write_unlock(mm);
	return ret;
}

unsigned long lkl_mm_counter(struct mm_struct *mm, int member)
{
	unsigned long host = READ_ONCE(mm->context.host);
	int kind;

	switch (member) {
	case MM_ANONPAGES:
		kind = LKL_RSS_ANON;
		break;
	case MM_FILEPAGES:
		kind = LKL_RSS_FILE;
		break;
	case MM_SHMEMPAGES:
		kind = LKL_RSS_SHMEM;
		break;
	default:
		kind = -1;
	}
	if (!host || kind < 0 || !lkl_ops->process_resident)
		return percpu_counter_read_positive(&mm->rss_stat[member]);
	return lkl_ops->process_resident(host, kind);
}

/* exit_mmap (patch 0010): the host's pages of the address space go back
 * before the exit is told to anyone (arch/lkl/mm/userpages.c). */
void lkl_exit_mmap(struct mm_struct *mm)
{
	if (mm->context.host && lkl_ops->process_exit_mm)
		lkl_ops->process_exit_mm(mm->context.host);
}

/* For mlock.c (mmap lock held for writing): whether the host's VMAs
 * cover [start, end) without a gap, ... */
int lkl_vmas_cover(struct mm_struct *mm, unsigned long start,
		    unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long at = start;

	while (at < end) {
		vma = find_vma_intersection(mm, at, at + 1);
		if (!vma || !hosts(vma))
			return 0;
		at = vma->vm_end;
	}
	return 1;
}

/* ... and sets the lock bits of the host's VMAs in [start, end) to
 * `lock` (0, VM_LOCKED, or with VM_LOCKONFAULT); mm->locked_vm follows
 * (link_vma, carve). */
int lkl_vmas_set_lock(struct mm_struct *mm, unsigned long start,
		      unsigned long end, vm_flags_t lock)
{
	return carve(mm, start, end, VM_LOCKED_MASK, &lock);
}
