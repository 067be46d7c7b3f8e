/*
 * A QEMU TCG plugin for scripts/profile: counts how many times each
 * translated block runs, and writes at QEMU's exit one line per block that
 * ran, "vaddr insns count" (hex, decimal, decimal), to the file named by
 * its argument out=PATH. Under TCG the cost of guest code goes mostly by
 * the blocks it runs (each call, return, branch and `rep` iteration ends
 * one), so per-function block counts say where a path's time goes.
 *
 * The few declarations of QEMU's plugin API (version 1, QEMU 7.2's) it
 * uses are written here rather than taken from qemu-plugin.h, which
 * Debian ships in no package.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One per translation (a block translated again gets another record;
 * the reader adds them up by address). */
struct block {
	uint64_t vaddr, insns, runs;
};

#define MAX_BLOCKS (1u << 22)
static struct block *blocks;
static size_t nblocks;
static char out[4096];

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b;

	(void)id;
	if (nblocks == MAX_BLOCKS)
		return;	/* the reader reports the loss */
	b = &blocks[nblocks++];
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	/* A counter bumped by the generated code itself: no helper call. */
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out, "w");

	(void)id;
	(void)userdata;
	if (!f) {
		perror(out);
		return;
	}
	for (size_t i = 0; i < nblocks; i++)
		if (blocks[i].runs)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)blocks[i].vaddr,
				(unsigned long long)blocks[i].insns, (unsigned long long)blocks[i].runs);
	if (nblocks == MAX_BLOCKS)
		fprintf(f, "full\n");
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out, sizeof out, "%s", argv[i] + 4);
	if (!out[0]) {
		fprintf(stderr, "tbcount: no out=PATH\n");
		return -1;
	}
	blocks = calloc(MAX_BLOCKS, sizeof *blocks);
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
