// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Callbacks of modules without BTF (Linux 5.10 has no module BTF): found
 * through the module's ops structs, read as /proc/kcore is laid out
 * (walkops.h, wc_walkops_read_modules), and added to the plan in the role
 * of the member that points at them (plan.h, wc_plan_add_module_ops). A
 * synthetic struct mm_walk_ops (BTF), kallsyms and core file: an array of
 * two ops and a zero element, a file_operations-like struct, ops pointing
 * at another module's function, and ops of a module that has BTF.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "check.h"
#include "ksyms.h"
#include "plan.h"
#include "walkops.h"

#define BASE 0xffffffffc0000000ULL
#define MEMSZ 0x1000

static const char *const members[] = { "pgd_entry", "p4d_entry", "pud_entry", "pmd_entry",
				       "pte_entry", "pte_hole", "hugetlb_entry", "test_walk",
				       "pre_vma", "post_vma" };
enum { M_PMD = 3, M_PTE = 4, M_HOLE = 5, M_POST = 9, NMEM = 10 };

/* struct mm_walk_ops as 5.10 lays it out: ten function pointers. */
static struct btf *walk_ops_btf(void)
{
	struct btf *btf = btf__new_empty();
	int in = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(btf, in);
	int ptr = btf__add_ptr(btf, proto);

	btf__add_struct(btf, "mm_walk_ops", NMEM * 8);
	for (int i = 0; i < NMEM; i++)
		btf__add_field(btf, members[i], ptr, i * 64, 0);
	return btf;
}

static const char kallsyms[] =
	"ffffffff81000000 T walk_page_range\n"
	"ffffffff82000000 r vm_ops_of_vmlinux\n"
	"ffffffffc0000000 t wct_a_pmd\t[mod1]\n"
	"ffffffffc0000010 t wct_a_pte\t[mod1]\n"
	"ffffffffc0000020 t wct_b_pmd\t[mod1]\n"
	"ffffffffc0000030 t wct_b_hole\t[mod1]\n"
	"ffffffffc0000040 t wct_post\t[mod1]\n"
	"ffffffffc0000050 t wct_twice\t[mod1]\n"
	"ffffffffc0000060 t other_fn\t[mod2]\n"
	"ffffffffc0000100 r wct_ops\t[mod1]\n"
	"ffffffffc0000200 r wct_fops\t[mod1]\n"
	"ffffffffc0000300 r bad_ops\t[mod1]\n"
	"ffffffffc0000380 r twice_ops\t[mod1]\n"
	"ffffffffc0000420 r btf_ops\t[mod3]\n"
	"ffffffffc0000460 d __this_module\t[mod1]\n"
	"ffffffffc0000500 t mod3_fn\t[mod3]\n"
	"ffffffffc0000600 r end_marker\t[mod1]\n";

static void set(unsigned char *mem, uint64_t at, int member, uint64_t v)
{
	memcpy(mem + (at - BASE) + member * 8, &v, sizeof(v));
}

/* The core file: one PT_LOAD of MEMSZ bytes at BASE. Its path in PATH. */
static void core(char *path)
{
	static unsigned char mem[MEMSZ];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	int fd;

	/* wct_ops[0]: pmd, pte; [1]: pmd, pte_hole, post_vma; [2]: zero */
	set(mem, BASE + 0x100, M_PMD, BASE + 0x00);
	set(mem, BASE + 0x100, M_PTE, BASE + 0x10);
	set(mem, BASE + 0x150, M_PMD, BASE + 0x20);
	set(mem, BASE + 0x150, M_HOLE, BASE + 0x30);
	set(mem, BASE + 0x150, M_POST, BASE + 0x40);
	/* a file_operations: its owner is the module's struct module */
	set(mem, BASE + 0x200, 0, BASE + 0x460);
	set(mem, BASE + 0x200, 1, BASE + 0x00);
	/* ops pointing at another module's function */
	set(mem, BASE + 0x300, M_PMD, BASE + 0x60);
	/* one function as pmd_entry and as pte_hole: two roles */
	set(mem, BASE + 0x380, M_PMD, BASE + 0x50);
	set(mem, BASE + 0x3d0, M_HOLE, BASE + 0x50);
	/* mod3 has BTF: not read */
	set(mem, BASE + 0x420, M_PMD, BASE + 0x500);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 1;
	ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = sizeof(eh) + sizeof(ph),
			   .p_vaddr = BASE, .p_filesz = MEMSZ };
	strcpy(path, "/tmp/walkcov-modops-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, &eh, sizeof(eh)) != sizeof(eh) ||
	    write(fd, &ph, sizeof(ph)) != sizeof(ph) || write(fd, mem, MEMSZ) != MEMSZ) {
		perror("test core file");
		exit(2);
	}
	close(fd);
}

static bool not_mod3(const char *module, void *ctx)
{
	(void)ctx;
	return strcmp(module, "mod3") != 0;
}

static const struct wc_walkops *named(const struct wc_walkops *ops, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static const char *cb(const struct wc_walkops *o, const char *member)
{
	for (int i = 0; o && i < WC_WALKOPS_MEMBERS && o->member[i]; i++)
		if (!strcmp(o->member[i], member))
			return o->cb[i];
	return "?";
}

int main(void)
{
	FILE *f = fmemopen((void *)kallsyms, sizeof(kallsyms) - 1, "r");
	struct ksyms *ks = f ? ksyms_parse(f) : NULL;
	struct btf *btf = walk_ops_btf();
	struct wc_walkops *ops = NULL;
	const struct wc_walkops *o;
	struct wc_plan plan = { 0 };
	struct wc_target *t;
	char path[64], err[160] = "";
	int n, added;

	if (!ks || !btf) {
		fprintf(stderr, "test setup failed\n");
		return 2;
	}
	fclose(f);
	check(ksyms_at(ks, BASE + 0x100)->mod && !strcmp(ksyms_at(ks, BASE + 0x100)->mod, "mod1") &&
	      !ksyms_at(ks, 0xffffffff81000000ULL)->mod, "kallsyms: the module of each symbol");
	core(path);
	n = wc_walkops_read_modules(ks, path, btf, not_mod3, NULL, &ops, err, sizeof(err));
	check(n == 4, "four ops structs: wct_ops, wct_ops[1], twice_ops, twice_ops[1] (%d, %s)", n, err);
	o = named(ops, n, "wct_ops");
	check(o && !strcmp(cb(o, "pmd_entry"), "wct_a_pmd") && !strcmp(cb(o, "pte_entry"), "wct_a_pte") &&
	      !strcmp(o->module, "mod1"), "wct_ops: pmd_entry and pte_entry, module mod1");
	o = named(ops, n, "wct_ops[1]");
	check(o && !strcmp(cb(o, "pmd_entry"), "wct_b_pmd") && !strcmp(cb(o, "pte_hole"), "wct_b_hole") &&
	      !strcmp(cb(o, "post_vma"), "wct_post") && !*cb(o, "pte_entry"),
	      "wct_ops[1]: the array's second element, up to the zero element");
	check(!named(ops, n, "wct_ops[2]"), "the zero element ends the array");
	check(!named(ops, n, "wct_fops"), "a file_operations (owner: a data symbol) is no ops");
	check(!named(ops, n, "bad_ops"), "ops pointing at another module's function: refused");
	check(!named(ops, n, "btf_ops"), "a module with BTF: not read here");
	check(!named(ops, n, "vm_ops_of_vmlinux"), "vmlinux symbols: not read here");

	added = wc_plan_add_module_ops(&plan, ops, n, ks);
	check(added == 5, "five traced callbacks added (%d)", added);
	t = wc_plan_find(&plan, "wct_a_pmd");
	check(t && t->use && t->no_btf && t->slot.role == WC_R_CALLBACK &&
	      t->slot.kind == WC_K_PMD_ENTRY && t->slot.arg_walk == 3 && t->addr == BASE &&
	      !strcmp(t->module, "mod1"), "wct_a_pmd: a pmd_entry of mod1, its address, walk at arg 3");
	t = wc_plan_find(&plan, "wct_b_hole");
	check(t && t->use && t->slot.kind == WC_K_PTE_HOLE && t->slot.arg_depth == 2,
	      "wct_b_hole: a pte_hole (depth at arg 2)");
	t = wc_plan_find(&plan, "wct_post");
	check(t && !t->use && t->slot.role == WC_R_UNUSED && strstr(t->why, "census only"),
	      "wct_post: post_vma, census only (%s)", t ? t->why : "");
	t = wc_plan_find(&plan, "wct_twice");
	check(t && !t->use && strstr(t->why, "more than one kind"),
	      "a function in two roles: skipped (%s)", t ? t->why : "");

	free(ops);
	wc_plan_free(&plan);
	n = wc_walkops_read_modules(ks, "/nonexistent/kcore", btf, not_mod3, NULL, &ops, err, sizeof(err));
	check(n == -1 && strstr(err, "/nonexistent/kcore"), "no core file: -1 and why (%s)", err);
	unlink(path);
	btf__free(btf);
	ksyms_free(ks);
	return failures ? 1 : 0;
}
