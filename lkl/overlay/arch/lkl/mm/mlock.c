// SPDX-License-Identifier: GPL-2.0
/*
 * mlock, mlock2, munlock, mlockall, munlockall and mincore for cellux's
 * processes. A no-MMU Linux has none of them (mm/mlock.c and mincore.c
 * are MMU-only: ENOSYS), but a cellux process's pages live in the host's
 * page table and Linux keeps VMAs for them (vmas.c), so the MMU rules
 * apply: who may lock (RLIMIT_MEMLOCK, CAP_IPC_LOCK), which ranges, the
 * lock bits on the VMAs and mm->locked_vm (/proc's VmLck), the errors,
 * all as mm/mlock.c has them. What a lock promises holds: cellux never
 * pages a process's memory out (no swap, no reclaim of mapped pages),
 * and a lock faults the range in now (the host backs each page as the
 * process's own read would), unless MLOCK_ONFAULT / MCL_ONFAULT say
 * otherwise. mlockall(MCL_FUTURE) marks later mappings locked
 * (mm->def_flags) without faulting them in.
 *
 * mincore asks the host which pages of the range are backed in the
 * process's page table (the process_incore host op); a page of a file
 * mapping that is not is resident if the page cache holds it, as
 * mm/mincore.c answers for a PTE that is none.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <asm/host_ops.h>

/* can_do_mlock, which no-MMU builds make false */
static bool may_mlock(void)
{
	return rlimit(RLIMIT_MEMLOCK) != 0 || capable(CAP_IPC_LOCK);
}

/* Pages of [start, end) already locked (count_mm_mlocked_page_nr). */
static unsigned long locked_in(struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;
	unsigned long n = 0;

	for_each_vma_range(vmi, vma, end)
		if (vma->vm_flags & VM_LOCKED)
			n += (min(end, vma->vm_end) -
			      max(start, vma->vm_start)) >> PAGE_SHIFT;
	return n;
}

/* Faults the locked, accessible pages of [start, end) in, as
 * __mm_populate does, through the host (a one-byte read per page backs
 * it as the process's touch would). -EFAULT at a page that cannot be
 * (past the end of a mapped file). */
static int populate(struct mm_struct *mm, unsigned long start,
		    unsigned long end)
{
	unsigned long at = start;
	char byte;

	while (at < end) {
		struct vm_area_struct *vma;
		unsigned long stop;
		bool touch;

		mmap_read_lock(mm);
		vma = find_vma_intersection(mm, at, end);
		if (!vma) {
			mmap_read_unlock(mm);
			break;
		}
		at = max(at, vma->vm_start);
		stop = min(end, vma->vm_end);
		touch = (vma->vm_flags & VM_LOCKED) &&
			!(vma->vm_flags & VM_LOCKONFAULT) &&
			(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
		mmap_read_unlock(mm);
		for (; touch && at < stop; at += PAGE_SIZE) {
			if (copy_from_user(&byte, (const char __user *)at, 1))
				return -EFAULT;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		at = stop;
	}
	return 0;
}

static int do_mlock(unsigned long start, size_t len, vm_flags_t flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long locked, lock_limit, end;
	int error = -ENOMEM;

	if (!may_mlock())
		return -EPERM;
	len = PAGE_ALIGN(len + offset_in_page(start));
	start &= PAGE_MASK;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	lock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	locked = len >> PAGE_SHIFT;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	locked += mm->locked_vm;
	if (locked > lock_limit && !capable(CAP_IPC_LOCK))
		locked -= locked_in(mm, start, end);
	if (locked <= lock_limit || capable(CAP_IPC_LOCK))
		error = lkl_vmas_cover(mm, start, end) ?
			lkl_vmas_set_lock(mm, start, end, flags) : -ENOMEM;
	mmap_write_unlock(mm);
	if (error)
		return error;
	/* __mlock_posix_error_return */
	error = populate(mm, start, end);
	return error == -EFAULT ? -ENOMEM : error;
}

SYSCALL_DEFINE2(mlock, unsigned long, start, size_t, len)
{
	return do_mlock(start, len, VM_LOCKED);
}

SYSCALL_DEFINE3(mlock2, unsigned long, start, size_t, len, int, flags)
{
	vm_flags_t vm_flags = VM_LOCKED;

	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	if (flags & MLOCK_ONFAULT)
		vm_flags |= VM_LOCKONFAULT;
	return do_mlock(start, len, vm_flags);
}

SYSCALL_DEFINE2(munlock, unsigned long, start, size_t, len)
{
	struct mm_struct *mm = current->mm;
	unsigned long end;
	int ret;

	len = PAGE_ALIGN(len + offset_in_page(start));
	start &= PAGE_MASK;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	ret = lkl_vmas_cover(mm, start, end) ?
		lkl_vmas_set_lock(mm, start, end, 0) : -ENOMEM;
	mmap_write_unlock(mm);
	return ret;
}

/* apply_mlockall_flags: errors on single VMAs are ignored there too. */
static void set_all(struct mm_struct *mm, int flags)
{
	vm_flags_t to_add = 0;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	lkl_vmas_set_lock(mm, 0, TASK_SIZE, to_add);
}

SYSCALL_DEFINE1(mlockall, int, flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long lock_limit;
	int ret = -ENOMEM;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (!may_mlock())
		return -EPERM;
	lock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	if (!(flags & MCL_CURRENT) || mm->total_vm <= lock_limit ||
	    capable(CAP_IPC_LOCK)) {
		set_all(mm, flags);
		ret = 0;
	}
	mmap_write_unlock(mm);
	/* mm_populate: errors ignored */
	if (!ret && (flags & MCL_CURRENT))
		populate(mm, 0, TASK_SIZE);
	return ret;
}

SYSCALL_DEFINE0(munlockall)
{
	struct mm_struct *mm = current->mm;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	set_all(mm, 0);
	mmap_write_unlock(mm);
	return 0;
}

/* mm/mincore.c's can_do_mincore: a file mapping's residency only to
 * who could write the file. */
static bool may_mincore(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;

	if (!file)
		return true;
	return inode_owner_or_capable(file_mnt_idmap(file), file_inode(file)) ||
	       file_permission(file, MAY_WRITE) == 0;
}

/* mm/mincore.c's mincore_page */
static unsigned char cached(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio = filemap_get_folio(mapping, index);
	unsigned char present = 0;

	if (!IS_ERR(folio)) {
		present = folio_test_uptodate(folio);
		folio_put(folio);
	}
	return present;
}

/* do_mincore: up to `pages` pages from `addr`, within one VMA, into
 * `vec`; how many, or -ENOMEM where nothing is mapped. */
static long incore(unsigned long addr, unsigned long pages,
		   unsigned char *vec)
{
	struct mm_struct *mm = current->mm;
	unsigned long host = READ_ONCE(mm->context.host);
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	unsigned long end, n, i;

	if (!vma || vma->vm_region)
		return -ENOMEM;
	end = min(vma->vm_end, addr + (pages << PAGE_SHIFT));
	n = (end - addr) >> PAGE_SHIFT;
	if (!may_mincore(vma)) {
		memset(vec, 1, n);
		return n;
	}
	memset(vec, 0, n);
	if (host && lkl_ops->process_incore)
		lkl_ops->process_incore(host, addr, n, vec);
	if (vma->vm_file)
		for (i = 0; i < n; i++)
			if (!vec[i])
				vec[i] = cached(vma->vm_file->f_mapping,
						linear_page_index(vma,
							addr + (i << PAGE_SHIFT)));
	return n;
}

SYSCALL_DEFINE3(mincore, unsigned long, start, size_t, len,
		unsigned char __user *, vec)
{
	unsigned long pages;
	unsigned char *tmp;
	long retval;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!access_ok((void __user *)start, len))
		return -ENOMEM;
	pages = len >> PAGE_SHIFT;
	pages += (offset_in_page(len)) != 0;
	if (!access_ok(vec, pages))
		return -EFAULT;
	tmp = (void *)__get_free_page(GFP_USER);
	if (!tmp)
		return -EAGAIN;
	retval = 0;
	while (pages) {
		mmap_read_lock(current->mm);
		retval = incore(start, min(pages, PAGE_SIZE), tmp);
		mmap_read_unlock(current->mm);
		if (retval <= 0)
			break;
		if (copy_to_user(vec, tmp, retval)) {
			retval = -EFAULT;
			break;
		}
		pages -= retval;
		vec += retval;
		start += retval << PAGE_SHIFT;
		retval = 0;
	}
	free_page((unsigned long)tmp);
	return retval;
}
