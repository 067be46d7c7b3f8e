// SPDX-License-Identifier: GPL-2.0
/*
 * The binary format of cellux processes: static x86_64 ELF images.
 *
 * A process's execve runs as Linux's own execve in the process's task:
 * Linux opens the file (execute permission, noexec mounts, ETXTBSY),
 * collects argv and envp from the process's memory, tries its formats
 * (binfmt_script rewrites argv for `#!` and goes round again), and this
 * format's load_binary takes the task past the point of no return with
 * begin_new_exec (other threads ended, exe_file, close-on-exec, signal
 * handlers, credentials, comm). What it does not do is map anything: the
 * process's memory is the host's. It keeps, per task, what the host needs
 * to build the new image itself (the file, with a reference, and the final
 * argument strings), which the host takes with lkl_exec_image_info and
 * lkl_exec_take_image once execve has returned 0.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/binfmts.h>
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <asm/cpu.h>

/*
 * The host's limits, checked here so that their refusals come before the
 * point of no return as Linux's own formats' do: the largest image it
 * reads into its memory, and the room its loader gives the initial stack
 * (strings, pointer vectors, auxiliary vector).
 */
#define LKL_EXEC_MAX_IMAGE	(15UL << 20)
#define LKL_EXEC_STACK_ROOM	(64UL << 10)
/* What the stack holds besides the strings and their pointers (auxv,
 * AT_RANDOM bytes, the platform string, alignment), generously. */
#define LKL_EXEC_STACK_EXTRA	1024UL

struct lkl_exec_image {
	struct file *file;
	loff_t size;
	/* argc strings, envc strings, then the file name execve was given,
	 * each NUL-terminated, as they lie in the bprm. */
	char *strings;
	unsigned long strings_len;
	int argc, envc;
	/* What the new image's auxiliary vector tells it about its
	 * credentials (AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE), as
	 * binfmt_elf's create_elf_tables reads them once exec has set them. */
	unsigned long uid, euid, gid, egid, secure;
};

static void drop_image(struct lkl_exec_image *img)
{
	if (!img)
		return;
	if (img->file)
		fput(img->file);
	kvfree(img->strings);
	kfree(img);
}

void lkl_exec_release(struct task_struct *t)
{
	drop_image(t->thread.exec);
	t->thread.exec = NULL;
}

/* The header checks binfmt_elf makes before its point of no return, and
 * the host loader's own: a static x86_64 executable. */
static int check_elf(struct linux_binprm *bprm)
{
	struct elf64_hdr *eh = (struct elf64_hdr *)bprm->buf;
	struct elf64_phdr ph;
	loff_t pos;
	int i;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(struct elf64_phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > 65536 / sizeof(ph))
		return -ENOEXEC;
	/* A dynamically linked image needs its interpreter mapped with it,
	 * which the host's loader does not do. */
	for (i = 0; i < eh->e_phnum; i++) {
		pos = eh->e_phoff + i * sizeof(ph);
		if (kernel_read(bprm->file, &ph, sizeof(ph), &pos) != sizeof(ph))
			return -ENOEXEC;
		if (ph.p_type == PT_INTERP)
			return -ENOEXEC;
	}
	return 0;
}

/* The strings Linux collected, from bprm->p up to the top of the
 * MAX_ARG_PAGES pages (the last word is not a string's). */
static int copy_strings_out(struct linux_binprm *bprm,
			    struct lkl_exec_image *img)
{
	unsigned long top = PAGE_SIZE * MAX_ARG_PAGES - sizeof(void *);
	unsigned long pos = bprm->p, done = 0;

	if (pos >= top)
		return -EFAULT;
	img->strings_len = top - pos;
	img->strings = kvmalloc(img->strings_len, GFP_KERNEL);
	if (!img->strings)
		return -ENOMEM;
	while (pos < top) {
		unsigned long off = pos % PAGE_SIZE;
		unsigned long n = min(PAGE_SIZE - off, top - pos);
		struct page *page = bprm->page[pos / PAGE_SIZE];
		char *k;

		if (!page)
			return -EFAULT;
		k = kmap_local_page(page);
		memcpy(img->strings + done, k + off, n);
		kunmap_local(k);
		pos += n;
		done += n;
	}
	img->argc = bprm->argc;
	img->envc = bprm->envc;
	return 0;
}

static struct linux_binfmt lkl_elf_format;

static int lkl_load_elf(struct linux_binprm *bprm)
{
	struct lkl_exec_image *img;
	unsigned long room;
	int ret;

	ret = check_elf(bprm);
	if (ret)
		return ret;
	img = kzalloc(sizeof(*img), GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	img->size = i_size_read(file_inode(bprm->file));
	ret = -ENOMEM;
	if (img->size > LKL_EXEC_MAX_IMAGE)
		goto fail;
	ret = copy_strings_out(bprm, img);
	if (ret)
		goto fail;
	room = img->strings_len +
	       sizeof(void *) * (img->argc + img->envc + 3) +
	       LKL_EXEC_STACK_EXTRA;
	ret = -E2BIG;
	if (room > LKL_EXEC_STACK_ROOM)
		goto fail;
	img->file = get_file(bprm->file);

	ret = begin_new_exec(bprm);
	if (ret)
		goto fail;
	set_binfmt(&lkl_elf_format);
	setup_new_exec(bprm);
	finalize_exec(bprm);
	img->uid = from_kuid_munged(current_user_ns(), current_uid());
	img->euid = from_kuid_munged(current_user_ns(), current_euid());
	img->gid = from_kgid_munged(current_user_ns(), current_gid());
	img->egid = from_kgid_munged(current_user_ns(), current_egid());
	img->secure = bprm->secureexec;
	/* One left over from an exec the host never took goes now. */
	lkl_exec_release(current);
	current->thread.exec = img;
	return 0;
fail:
	drop_image(img);
	return ret;
}

static struct linux_binfmt lkl_elf_format = {
	.module = THIS_MODULE,
	.load_binary = lkl_load_elf,
};

static int __init lkl_binfmt_init(void)
{
	register_binfmt(&lkl_elf_format);
	return 0;
}
core_initcall(lkl_binfmt_init);

long lkl_exec_image_info(unsigned long *info)
{
	struct lkl_exec_image *img;
	long ret;

	ret = lkl_enter();
	if (ret)
		return ret;
	img = current->thread.exec;
	if (img) {
		info[0] = img->size;
		info[1] = img->strings_len;
		info[2] = img->argc;
		info[3] = img->envc;
		info[4] = img->uid;
		info[5] = img->euid;
		info[6] = img->gid;
		info[7] = img->egid;
		info[8] = img->secure;
	}
	lkl_cpu_put();
	return img ? 0 : -ENOENT;
}

long lkl_exec_take_image(void *image, unsigned long image_len,
			 char *strings, unsigned long strings_len)
{
	struct lkl_exec_image *img;
	loff_t pos = 0;
	long ret;

	ret = lkl_enter();
	if (ret)
		return ret;
	img = current->thread.exec;
	current->thread.exec = NULL;
	if (!img) {
		ret = -ENOENT;
		goto out;
	}
	ret = -EINVAL;
	if (image_len != img->size || strings_len != img->strings_len)
		goto out;
	memcpy(strings, img->strings, strings_len);
	ret = 0;
	while (pos < image_len) {
		ssize_t n = kernel_read(img->file, image + pos,
					image_len - pos, &pos);

		if (n < 0) {
			ret = n;
			break;
		}
		/* The file shrank under us: the image is not what was
		 * checked. */
		if (n == 0) {
			ret = -EIO;
			break;
		}
	}
out:
	drop_image(img);
	/* The file's last reference goes as task work. */
	lkl_exit_to_user();
	lkl_cpu_put();
	return ret;
}
