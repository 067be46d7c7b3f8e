// SPDX-License-Identifier: GPL-2.0
/*
 * Shared file mappings of processes: the host maps the very pages of
 * Linux's page cache into a process's page table (Linux's RAM is memory
 * of the host's own, which it names by physical address), so read(),
 * write() and every process that maps the file meet in the same frames.
 *
 * The host holds a reference to the mapped file (lkl_file_map) and one to
 * each page it has mapped (lkl_file_page), and gives them back with
 * lkl_file_put and lkl_file_page_release. A page that a process may write
 * is made dirty the way a write(2) of its own bytes would (write_begin and
 * write_end with nothing copied), when it is first mapped writable and
 * again when it is released or synced, so the file system reserves its
 * blocks and writes it back as it would a written page. Past the end of
 * the file there is no page (-ENXIO: the host raises SIGBUS). Pages
 * that leave the page cache (truncate, hole punching) leave the processes
 * too: without an MMU, Linux's unmap_mapping_range() has nothing to do,
 * so ours (a patch makes it a function here) asks the host to unmap them.
 * Pages about to be written back are mapped read-only again
 * (folio_mkclean), so the next write through a mapping dirties them anew.
 *
 * The host calls these from a process's page fault (out of Linux) and
 * from inside Linux as well: a syscall's copy to or from user memory that
 * meets a page not mapped yet, a shared futex's key, file_pages_gone. An
 * entry from inside Linux runs in the task that is already current, on
 * the CPU its thread already owns: taking the CPU again would nest its
 * count, and a nested owner that sleeps (reading the page from disk)
 * would hand the next task a CPU it can never release.
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/uaccess.h>
#include <linux/writeback.h>
#include <asm/cpu.h>
#include <asm/host_ops.h>

void unmap_mapping_pages(struct address_space *mapping, pgoff_t start,
			 pgoff_t nr, bool even_cows)
{
	pgoff_t last = start + nr - 1;

	/* nr 0: to the end of the file. */
	if (nr == 0 || last < start)
		last = ULONG_MAX;
	if (lkl_ops->file_pages_gone)
		lkl_ops->file_pages_gone((unsigned long)mapping, start, last);
}

void unmap_mapping_range(struct address_space *mapping,
			 loff_t const holebegin, loff_t const holelen,
			 int even_cows)
{
	pgoff_t first = (pgoff_t)holebegin >> PAGE_SHIFT;
	pgoff_t nr = ((pgoff_t)holelen + PAGE_SIZE - 1) >> PAGE_SHIFT;

	unmap_mapping_pages(mapping, first, nr, even_cows);
}

/*
 * Linux with an MMU write-protects every mapping of a page it is about to
 * write back (folio_clear_dirty_for_io), so that a write through one after
 * that faults and makes the page dirty again; without one the page would
 * be clean with new bytes in it. The host does the same in its processes
 * (a patch makes this a function here). Their writes made the page dirty
 * when they faulted, so none is left to report: 0.
 */
int folio_mkclean(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (mapping && lkl_ops->file_pages_clean)
		lkl_ops->file_pages_clean((unsigned long)mapping, folio->index,
					  folio->index + folio_nr_pages(folio) - 1);
	return 0;
}

/* Out of Linux the last reference goes at once (the last close of an
 * unlinked file frees it now); inside a syscall, on its way out, as
 * Linux's own fput does. */
static void put_file(struct file *file, int entered)
{
	if (entered)
		fput(file);
	else
		__fput_sync(file);
}

static bool file_ok(struct file *file)
{
	return file && file->f_mapping && file->f_mapping->a_ops &&
	       file->f_mapping->a_ops->read_folio;
}

long lkl_file_map(int fd, int write, unsigned long *handle,
		  unsigned long *mapping)
{
	struct file *file;
	int entered = lkl_enter_nested();
	long ret;

	if (entered < 0)
		return entered;
	file = fget(fd);
	ret = -EBADF;
	if (!file)
		goto out;
	/* mmap(2)'s checks for a shared mapping of a file. */
	ret = -EACCES;
	if (!(file->f_mode & FMODE_READ))
		goto drop;
	if (write && (!(file->f_mode & FMODE_WRITE) ||
		      IS_APPEND(file_inode(file))))
		goto drop;
	ret = -ENODEV;
	if (!file->f_op->mmap || !file_ok(file))
		goto drop;
	*handle = (unsigned long)file;
	*mapping = (unsigned long)file->f_mapping;
	ret = (file->f_mode & FMODE_WRITE) && !IS_APPEND(file_inode(file));
	goto out;
drop:
	put_file(file, entered);
out:
	lkl_leave_nested(entered);
	return ret;
}

void lkl_file_put(unsigned long handle)
{
	int entered;

	if (!handle)
		return;
	entered = lkl_enter_nested();
	if (entered < 0)
		return;
	put_file((struct file *)handle, entered);
	lkl_leave_nested(entered);
}

/* Marks the page at `index` dirty as a write of its own bytes would:
 * only the part inside the file, which it never extends. The page is in
 * the cache and up to date already (a write_begin of a whole page does
 * not read it: it expects to be given every byte). */
static int dirty(struct file *file, pgoff_t index)
{
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = mapping->host;
	const struct address_space_operations *a_ops = mapping->a_ops;
	loff_t pos = (loff_t)index << PAGE_SHIFT, size;
	struct folio *folio;
	void *fsdata = NULL;
	unsigned int len;
	int ret;

	if (!(file->f_mode & FMODE_WRITE) || !a_ops->write_begin ||
	    !a_ops->write_end)
		return 0;
	sb_start_write(inode->i_sb);
	inode_lock(inode);
	size = i_size_read(inode);
	ret = 0;
	if (pos >= size)
		goto out;
	len = min_t(loff_t, PAGE_SIZE, size - pos);
	ret = a_ops->write_begin(file, mapping, pos, len, &folio, &fsdata);
	if (ret)
		goto out;
	ret = a_ops->write_end(file, mapping, pos, len, len, folio, fsdata);
	ret = ret < 0 ? ret : 0;
	if (!ret)
		file_update_time(file);
out:
	inode_unlock(inode);
	sb_end_write(inode->i_sb);
	if (!ret)
		balance_dirty_pages_ratelimited(mapping);
	return ret;
}

/*
 * From inside Linux where it may not sleep (pagefault_disable(): the futex
 * atomic ops under their bucket lock), only a page the cache has up to date
 * can be given, and for writing only one dirty already; anything else is
 * -EFAULT, as a missing page table entry would be there, and the caller
 * takes its own way to fault the page in.
 */
static long page_atomic(struct file *file, pgoff_t index, int write,
			struct page **pagep)
{
	struct folio *folio = filemap_get_folio(file->f_mapping, index);
	struct page *page;

	if (IS_ERR(folio))
		return -EFAULT;
	if (!folio_test_uptodate(folio) || (write && !folio_test_dirty(folio))) {
		folio_put(folio);
		return -EFAULT;
	}
	page = folio_file_page(folio, index);
	if (folio_nr_pages(folio) > 1) {
		get_page(page);
		folio_put(folio);
	}
	*pagep = page;
	return 0;
}

long lkl_file_page(unsigned long handle, unsigned long index, int write,
		   unsigned long *phys)
{
	struct file *file = (struct file *)handle;
	struct folio *folio;
	struct page *page;
	int entered = lkl_enter_nested();
	long ret;

	if (entered < 0)
		return entered;
	ret = -ENXIO;
	if (!file_ok(file) ||
	    index >= DIV_ROUND_UP(i_size_read(file_inode(file)), PAGE_SIZE))
		goto out;
	if (entered && pagefault_disabled()) {
		ret = page_atomic(file, index, write, &page);
		if (!ret)
			*phys = page_to_phys(page);
		goto out;
	}
	folio = read_mapping_folio(file->f_mapping, index, file);
	if (IS_ERR(folio)) {
		ret = PTR_ERR(folio);
		goto out;
	}
	/* read_mapping_folio's reference is the host's now, on the page. */
	page = folio_file_page(folio, index);
	if (folio_nr_pages(folio) > 1) {
		get_page(page);
		folio_put(folio);
	}
	if (write) {
		ret = dirty(file, index);
		if (ret) {
			put_page(page);
			goto out;
		}
	}
	*phys = page_to_phys(page);
	ret = 0;
out:
	lkl_leave_nested(entered);
	return ret;
}

long lkl_file_page_release(unsigned long handle, unsigned long index,
			   unsigned long phys, int dirtied)
{
	struct file *file = (struct file *)handle;
	int entered = lkl_enter_nested();
	long ret = 0;

	if (entered < 0)
		return entered;
	if (dirtied && file_ok(file))
		ret = dirty(file, index);
	if (phys >= __pa(memory_start) && phys < __pa(memory_end))
		put_page(pfn_to_page(phys >> PAGE_SHIFT));
	else
		ret = -EINVAL;
	lkl_leave_nested(entered);
	return ret;
}

long lkl_file_page_dirty(unsigned long handle, unsigned long index)
{
	struct file *file = (struct file *)handle;
	int entered = lkl_enter_nested();
	long ret;

	if (entered < 0)
		return entered;
	ret = -EINVAL;
	if (file_ok(file) && entered && pagefault_disabled()) {
		/* As page_atomic: only a page that is dirty already. */
		struct folio *folio = filemap_get_folio(file->f_mapping, index);

		ret = -EFAULT;
		if (!IS_ERR(folio)) {
			if (folio_test_dirty(folio))
				ret = 0;
			folio_put(folio);
		}
	} else if (file_ok(file)) {
		ret = dirty(file, index);
	}
	lkl_leave_nested(entered);
	return ret;
}

long lkl_file_sync(unsigned long handle, unsigned long long start,
		   unsigned long long end)
{
	struct file *file = (struct file *)handle;
	int entered = lkl_enter_nested();
	long ret;

	if (entered < 0)
		return entered;
	ret = -EINVAL;
	if (file_ok(file) && end > start)
		ret = vfs_fsync_range(file, start, end - 1, 1);
	lkl_leave_nested(entered);
	return ret;
}
