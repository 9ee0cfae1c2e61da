// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Attach plan tests on synthetic BTF (libbpf's btf__add_*) and a synthetic
 * kallsyms: callbacks found by prototype, the walker's own levels never taken
 * as callbacks, MGLRU's walk_pmd_range never taken as a level, compiler
 * renames, duplicates and inlined functions skipped with their reason,
 * argument positions read from parameter names and types, module callbacks.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "check.h"
#include "plan.h"

/* type ids of the synthetic vmlinux */
static struct {
	int int_, ulong, bool_, void_ptr, walk_ptr, ops_ptr, mm_ptr, vma_ptr, folio_ptr;
	int pgd_ptr, p4d_ptr, pud_ptr, pmd_ptr, pte_ptr;
	int proto_pgd, proto_p4d, proto_pud, proto_pmd, proto_pte, proto_hole, proto_hugetlb;
	int proto_range3, proto_other;
} ty;

static int ptr_to_typedef(struct btf *btf, const char *name, int base)
{
	return btf__add_ptr(btf, btf__add_typedef(btf, name, base));
}

static int ptr_to_struct(struct btf *btf, const char *name)
{
	return btf__add_ptr(btf, btf__add_struct(btf, name, 8));
}

/* int (ENTRY *, unsigned long addr, unsigned long next, struct mm_walk *) */
static int entry_proto(struct btf *btf, int entry_ptr, int ret)
{
	int id = btf__add_func_proto(btf, ret);

	btf__add_func_param(btf, "entry", entry_ptr);
	btf__add_func_param(btf, "addr", ty.ulong);
	btf__add_func_param(btf, "next", ty.ulong);
	btf__add_func_param(btf, "walk", ty.walk_ptr);
	return id;
}

static void func(struct btf *btf, const char *name, int proto)
{
	if (btf__add_func(btf, name, BTF_FUNC_STATIC, proto) < 0) {
		fprintf(stderr, "btf__add_func %s failed\n", name);
		exit(1);
	}
}

/* LEVELS: 1 adds MGLRU's void walk_pmd_range, 2 the walker's int one. */
static struct btf *make_vmlinux(int levels)
{
	static const char *const members[] = { "pgd_entry", "p4d_entry", "pud_entry", "pmd_entry",
					       "pte_entry", "pte_hole", "hugetlb_entry" };
	struct btf *btf = btf__new_empty();
	int protos[7], ops, id;

	ty.int_ = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ty.ulong = btf__add_int(btf, "long unsigned int", 8, 0);
	ty.bool_ = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	ty.void_ptr = btf__add_ptr(btf, 0);
	ty.walk_ptr = ptr_to_struct(btf, "mm_walk");
	ty.mm_ptr = ptr_to_struct(btf, "mm_struct");
	ty.vma_ptr = ptr_to_struct(btf, "vm_area_struct");
	ty.folio_ptr = ptr_to_struct(btf, "folio");
	ty.pgd_ptr = ptr_to_typedef(btf, "pgd_t", ty.ulong);
	ty.p4d_ptr = ptr_to_typedef(btf, "p4d_t", ty.ulong);
	ty.pud_ptr = ptr_to_typedef(btf, "pud_t", ty.ulong);
	ty.pmd_ptr = ptr_to_typedef(btf, "pmd_t", ty.ulong);
	ty.pte_ptr = ptr_to_typedef(btf, "pte_t", ty.ulong);

	protos[0] = ty.proto_pgd = entry_proto(btf, ty.pgd_ptr, ty.int_);
	protos[1] = ty.proto_p4d = entry_proto(btf, ty.p4d_ptr, ty.int_);
	protos[2] = ty.proto_pud = entry_proto(btf, ty.pud_ptr, ty.int_);
	protos[3] = ty.proto_pmd = entry_proto(btf, ty.pmd_ptr, ty.int_);
	protos[4] = ty.proto_pte = entry_proto(btf, ty.pte_ptr, ty.int_);
	protos[5] = ty.proto_hole = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "addr", ty.ulong);
	btf__add_func_param(btf, "next", ty.ulong);
	btf__add_func_param(btf, "depth", ty.int_);
	btf__add_func_param(btf, "walk", ty.walk_ptr);
	protos[6] = ty.proto_hugetlb = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "pte", ty.pte_ptr);
	btf__add_func_param(btf, "hmask", ty.ulong);
	btf__add_func_param(btf, "addr", ty.ulong);
	btf__add_func_param(btf, "next", ty.ulong);
	btf__add_func_param(btf, "walk", ty.walk_ptr);

	/* struct mm_walk_ops { int (*pgd_entry)(...); ... } */
	for (int i = 0; i < 7; i++)
		protos[i] = btf__add_ptr(btf, protos[i]);
	ops = btf__add_struct(btf, "mm_walk_ops", 7 * 8);
	for (int i = 0; i < 7; i++)
		btf__add_field(btf, members[i], protos[i], i * 64, 0);
	ty.ops_ptr = btf__add_ptr(btf, btf__add_const(btf, ops));

	/* walk entry points: positions come from names and types */
	id = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "mm", ty.mm_ptr);
	btf__add_func_param(btf, "start", ty.ulong);
	btf__add_func_param(btf, "end", ty.ulong);
	btf__add_func_param(btf, "ops", ty.ops_ptr);
	btf__add_func_param(btf, "private", ty.void_ptr);
	func(btf, "walk_page_range", id);
	id = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "vma", ty.vma_ptr);
	btf__add_func_param(btf, "ops", ty.ops_ptr);
	btf__add_func_param(btf, "private", ty.void_ptr);
	func(btf, "walk_page_vma", id);
	/* walk_page_range_novma(mm, start, end, ops, pgd, private): no start
	 * guessed from position, the names decide */
	id = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "mm", ty.mm_ptr);
	btf__add_func_param(btf, "start", ty.ulong);
	btf__add_func_param(btf, "end", ty.ulong);
	btf__add_func_param(btf, "ops", ty.ops_ptr);
	btf__add_func_param(btf, "pgd", ty.pgd_ptr);
	btf__add_func_param(btf, "private", ty.void_ptr);
	func(btf, "walk_page_range_novma", id);

	ty.proto_range3 = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "start", ty.ulong);
	btf__add_func_param(btf, "end", ty.ulong);
	btf__add_func_param(btf, "walk", ty.walk_ptr);
	func(btf, "__walk_page_range", ty.proto_range3);
	func(btf, "walk_page_test", ty.proto_range3);

	/* __split_huge_pmd(vma, pmd, address, freeze, folio) */
	id = btf__add_func_proto(btf, 0);
	btf__add_func_param(btf, "vma", ty.vma_ptr);
	btf__add_func_param(btf, "pmd", ty.pmd_ptr);
	btf__add_func_param(btf, "address", ty.ulong);
	btf__add_func_param(btf, "freeze", ty.bool_);
	btf__add_func_param(btf, "folio", ty.folio_ptr);
	func(btf, "__split_huge_pmd", id);

	/* the walker's levels have callback prototypes: the trap */
	func(btf, "walk_p4d_range", ty.proto_pgd);
	func(btf, "walk_pud_range", ty.proto_p4d);
	if (levels & 1)
		func(btf, "walk_pmd_range", entry_proto(btf, ty.pud_ptr, 0));	/* MGLRU: void */
	if (levels & 2)
		func(btf, "walk_pmd_range", ty.proto_pud);

	/* callbacks, found by prototype */
	func(btf, "ptdump_pgd_entry", ty.proto_pgd);
	func(btf, "ptdump_p4d_entry", ty.proto_p4d);
	func(btf, "ptdump_pud_entry", ty.proto_pud);
	func(btf, "smaps_pte_range", ty.proto_pmd);
	func(btf, "prot_none_pte_entry", ty.proto_pte);
	func(btf, "mincore_unmapped_range", ty.proto_hole);
	func(btf, "pagemap_hugetlb_range", ty.proto_hugetlb);
	func(btf, "clear_refs_pte_range", ty.proto_pmd);	/* .isra.0 in kallsyms */
	func(btf, "madvise_cold_or_pageout_pte_range", ty.proto_pmd);	/* two symbols */
	func(btf, "inlined_pte_hole", ty.proto_hole);		/* not in kallsyms */
	func(btf, "twice_named", ty.proto_pmd);		/* two FUNCs in BTF */
	func(btf, "twice_named", ty.proto_hole);
	ty.proto_other = btf__add_func_proto(btf, ty.int_);
	btf__add_func_param(btf, "a", ty.ulong);
	btf__add_func_param(btf, "b", ty.ulong);
	func(btf, "unrelated", ty.proto_other);			/* no callback prototype */
	return btf;
}

static const char kallsyms_text[] =
	"ffffffff81000000 T walk_page_range\n"
	"ffffffff81000100 T walk_page_vma\n"
	"ffffffff81000180 T walk_page_range_novma\n"
	"ffffffff81000200 t __walk_page_range\n"
	"ffffffff81000300 t walk_page_test\n"
	"ffffffff81000400 t walk_pmd_range\n"
	"ffffffff81000500 t walk_pud_range\n"
	"ffffffff81000580 t walk_p4d_range\n"
	"ffffffff81000600 T __split_huge_pmd\n"
	"ffffffff81001000 t ptdump_pgd_entry\n"
	"ffffffff81001080 t ptdump_p4d_entry\n"
	"ffffffff81001100 t ptdump_pud_entry\n"
	"ffffffff81001180 t smaps_pte_range\n"
	"ffffffff81001200 t prot_none_pte_entry\n"
	"ffffffff81001280 t mincore_unmapped_range\n"
	"ffffffff81001300 t pagemap_hugetlb_range\n"
	"ffffffff81001380 t clear_refs_pte_range.isra.0\n"
	"ffffffff81001400 t madvise_cold_or_pageout_pte_range\n"
	"ffffffff81001480 t madvise_cold_or_pageout_pte_range\n"
	"ffffffff81001500 t twice_named\n"
	"ffffffff81001580 t unrelated\n"
	"ffffffff82000000 d smaps_walk_ops\n"
	"ffffffffc0001000 t wct_double_pmd_entry\t[wc_testmod]\n";

static struct ksyms *make_ksyms(void)
{
	FILE *f = fmemopen((void *)kallsyms_text, sizeof(kallsyms_text) - 1, "r");
	struct ksyms *ks = f ? ksyms_parse(f) : NULL;

	if (f)
		fclose(f);
	if (!ks) {
		fprintf(stderr, "ksyms_parse failed\n");
		exit(1);
	}
	return ks;
}

static const struct wc_target *find(const struct wc_plan *plan, const char *name)
{
	return wc_plan_find(plan, name);
}

/* "use" or the skip reason, for exact comparisons. */
static const char *status(const struct wc_plan *plan, const char *name)
{
	const struct wc_target *t = find(plan, name);

	return !t ? "absent" : t->use ? "use" : t->why;
}

static bool slot_is(const struct wc_target *t, unsigned int role, unsigned int kind,
		    int start, int end, int walk, int mm, int vma, int ops, int entry, int depth)
{
	const struct wc_slot *s = &t->slot;

	return s->role == role && s->kind == kind && s->arg_start == start && s->arg_end == end &&
	       s->arg_walk == walk && s->arg_mm == mm && s->arg_vma == vma && s->arg_ops == ops &&
	       s->arg_entry == entry && s->arg_depth == depth;
}

#define N WC_ARG_NONE

static void test_main_plan(void)
{
	struct btf *btf = make_vmlinux(1);
	struct ksyms *ks = make_ksyms();
	struct wc_plan plan;
	const struct wc_target *t;

	check(wc_plan_build(&plan, btf, NULL, 0, ks) == 0, "plan builds from synthetic BTF");

	/* walk entry points */
	t = find(&plan, "walk_page_range");
	check(t && t->use && slot_is(t, WC_R_WALK, WC_K_NONE, 1, 2, N, 0, N, 3, N, N),
	      "walk_page_range: mm=0 start=1 end=2 ops=3");
	t = find(&plan, "walk_page_vma");
	check(t && t->use && slot_is(t, WC_R_WALK, WC_K_NONE, N, N, N, N, 0, 1, N, N),
	      "walk_page_vma: vma=0 ops=1, no range");
	t = find(&plan, "walk_page_range_novma");
	check(t && t->use && slot_is(t, WC_R_WALK, WC_K_NONE, 1, 2, N, 0, N, 3, 4, N),
	      "walk_page_range_novma: start=1 end=2 ops=3 (pgd_t* at 4)");
	check(!strcmp(status(&plan, "walk_page_range_mm"), "inlined or absent (not in kallsyms)"),
	      "walk_page_range_mm absent: %s", status(&plan, "walk_page_range_mm"));
	t = find(&plan, "__walk_page_range");
	check(t && t->use && slot_is(t, WC_R_CHUNK, WC_K_NONE, 0, 1, 2, N, N, N, N, N),
	      "__walk_page_range: start=0 end=1 walk=2");
	check(!strcmp(status(&plan, "walk_pgd_range"), "inlined or absent (not in kallsyms)"),
	      "walk_pgd_range inlined");
	t = find(&plan, "walk_page_test");
	check(t && t->use && slot_is(t, WC_R_TEST, WC_K_NONE, 0, 1, 2, N, N, N, N, N),
	      "walk_page_test: start=0 end=1 walk=2");
	t = find(&plan, "__split_huge_pmd");
	check(t && t->use && slot_is(t, WC_R_SPLIT, WC_K_NONE, 2, N, N, N, 0, N, 1, N),
	      "__split_huge_pmd: vma=0 pmd=1 address=2, no end");

	/* MGLRU's walk_pmd_range is one symbol with BTF, but returns void */
	check(!strcmp(status(&plan, "walk_pmd_range"),
		      "not the page walker's walk_pmd_range (returns void: MGLRU's, mm/vmscan.c)"),
	      "MGLRU's walk_pmd_range is not a level: %s", status(&plan, "walk_pmd_range"));
	/* the walker's walk_pud_range / walk_p4d_range have p4d_entry's and
	 * pgd_entry's prototypes and are in kallsyms: never callbacks */
	check(!find(&plan, "walk_pud_range"), "walk_pud_range (p4d_entry's prototype) not a callback");
	check(!find(&plan, "walk_p4d_range"), "walk_p4d_range (pgd_entry's prototype) not a callback");
	check(!find(&plan, "unrelated"), "a function without a callback prototype is not in the plan");

	/* callbacks by prototype, each kind with its fixed positions */
	t = find(&plan, "ptdump_pgd_entry");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_PGD_ENTRY, 1, 2, 3, N, N, N, 0, N),
	      "pgd_entry callback: entry=0 start=1 end=2 walk=3");
	t = find(&plan, "ptdump_p4d_entry");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_P4D_ENTRY, 1, 2, 3, N, N, N, 0, N),
	      "p4d_entry callback: entry=0 start=1 end=2 walk=3");
	t = find(&plan, "ptdump_pud_entry");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_PUD_ENTRY, 1, 2, 3, N, N, N, 0, N),
	      "pud_entry callback");
	t = find(&plan, "smaps_pte_range");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_PMD_ENTRY, 1, 2, 3, N, N, N, 0, N),
	      "pmd_entry callback");
	t = find(&plan, "prot_none_pte_entry");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_PTE_ENTRY, 1, 2, 3, N, N, N, N, N),
	      "pte_entry callback: start=1 end=2 walk=3, no entry read");
	t = find(&plan, "mincore_unmapped_range");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_PTE_HOLE, 0, 1, 3, N, N, N, N, 2),
	      "pte_hole callback: start=0 end=1 depth=2 walk=3");
	t = find(&plan, "pagemap_hugetlb_range");
	check(t && t->use && slot_is(t, WC_R_CALLBACK, WC_K_HUGETLB_ENTRY, 2, 3, 4, N, N, N, N, N),
	      "hugetlb_entry callback: start=2 end=3 walk=4");

	/* skipped, with the reason */
	check(!strcmp(status(&plan, "clear_refs_pte_range"),
		      "renamed by the compiler (clear_refs_pte_range.isra.0): its arguments may be changed"),
	      ".isra.0 rename skipped: %s", status(&plan, "clear_refs_pte_range"));
	check(!strcmp(status(&plan, "madvise_cold_or_pageout_pte_range"),
		      "not unique in kallsyms (2 symbols)"),
	      "duplicate symbol skipped: %s", status(&plan, "madvise_cold_or_pageout_pte_range"));
	check(!strcmp(status(&plan, "inlined_pte_hole"), "inlined or absent (not in kallsyms)"),
	      "inlined callback skipped: %s", status(&plan, "inlined_pte_hole"));
	check(!strcmp(status(&plan, "twice_named"),
		      "2 functions of this name in BTF: which one kallsyms holds is unknown"),
	      "two BTF functions of one name skipped: %s", status(&plan, "twice_named"));
	t = find(&plan, "twice_named");
	check(t && t->slot.kind == WC_K_PMD_ENTRY && t == &plan.t[plan.n - 1],
	      "twice_named is one target (the first FUNC's kind)");

	check(plan.callbacks == 11, "11 callbacks found by prototype (%d)", plan.callbacks);
	/* 11 walk entry points, 2 chunks, test, 3 splits, 3 pmd fillers, 2
	 * levels, 11 callbacks */
	check(plan.n == 33, "33 targets (%d)", plan.n);
	t = find(&plan, "pmd_install");
	check(t && t->slot.role == WC_R_POPULATE, "pmd_install: a pmd filler (its role)");
	/* walk_page_range, walk_page_vma, novma, __walk_page_range, walk_page_test,
	 * __split_huge_pmd and 7 callbacks */
	check(wc_plan_used(&plan) == 13, "13 targets in use (%d)", wc_plan_used(&plan));

	wc_plan_restrict(&plan, 1u << WC_R_WALK);
	check(wc_plan_used(&plan) == 3 &&
	      !strcmp(status(&plan, "smaps_pte_range"), "not needed by this command"),
	      "restrict to walk entry points: 3 in use");

	wc_plan_free(&plan);
	ksyms_free(ks);
	btf__free(btf);
}

/* walk_pmd_range: the walker's alone is a level; with MGLRU's also in BTF,
 * which one the single symbol is cannot be told. */
static void test_levels(void)
{
	struct ksyms *ks = make_ksyms();
	struct btf *btf = make_vmlinux(2);
	struct wc_plan plan;
	const struct wc_target *t;

	check(wc_plan_build(&plan, btf, NULL, 0, ks) == 0, "plan with the walker's walk_pmd_range");
	t = find(&plan, "walk_pmd_range");
	check(t && t->use && slot_is(t, WC_R_LEVEL, WC_K_PMD_RANGE, 1, 2, 3, N, N, N, 0, N),
	      "walker's walk_pmd_range is a level: pud=0 start=1 end=2 walk=3");
	check(!strcmp(status(&plan, "walk_pte_range_inner"), "inlined or absent (not in kallsyms)"),
	      "walk_pte_range_inner inlined");
	wc_plan_free(&plan);
	btf__free(btf);

	btf = make_vmlinux(3);
	check(wc_plan_build(&plan, btf, NULL, 0, ks) == 0, "plan with both walk_pmd_range");
	check(!strcmp(status(&plan, "walk_pmd_range"),
		      "2 functions of this name in BTF: which one kallsyms holds is unknown"),
	      "both walk_pmd_range in BTF: skipped (%s)", status(&plan, "walk_pmd_range"));
	wc_plan_free(&plan);
	btf__free(btf);
	ksyms_free(ks);
}

/* A module's callbacks come from its split BTF, named with the module. */
static void test_module(void)
{
	struct ksyms *ks = make_ksyms();
	struct btf *btf = make_vmlinux(1);
	struct btf *mod = btf__new_empty_split(btf);
	struct wc_plan_module m = { "wc_testmod", mod };
	struct wc_plan plan;
	const struct wc_target *t;

	func(mod, "wct_double_pmd_entry", ty.proto_pmd);
	func(mod, "wct_missing_pte_hole", ty.proto_hole);
	check(wc_plan_build(&plan, btf, &m, 1, ks) == 0, "plan with a module BTF");
	t = find(&plan, "wct_double_pmd_entry");
	check(t && t->use && !strcmp(t->module, "wc_testmod") &&
	      slot_is(t, WC_R_CALLBACK, WC_K_PMD_ENTRY, 1, 2, 3, N, N, N, 0, N),
	      "module pmd_entry found, module named");
	check(!strcmp(status(&plan, "wct_missing_pte_hole"), "inlined or absent (not in kallsyms)"),
	      "module callback not in kallsyms skipped");
	check(plan.callbacks == 13, "13 callbacks with the module's 2 (%d)", plan.callbacks);
	wc_plan_free(&plan);
	btf__free(mod);
	btf__free(btf);
	ksyms_free(ks);
}

/* A symbol name with bytes a terminal acts on is kept escaped (the live
 * report prints kallsyms names as they are kept); plain names unchanged. */
static void test_symbol_escape(void)
{
	char text[4096];
	size_t n = 0;
	struct ksyms *ks;
	const struct ksym *k;
	FILE *f;
	int bad = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "ffffffff81000000 t plain_name\n");
	for (int c = 1; c < 32; c++)
		if (!isspace(c))	/* whitespace ends a kallsyms field */
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "ffffffff81%06x t a%cb\n", 0x1000 * c, c);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "ffffffff82000000 t del\x7fx\n");
	f = fmemopen(text, n, "r");
	ks = f ? ksyms_parse(f) : NULL;
	if (f)
		fclose(f);
	check(ks != NULL, "kallsyms with control bytes in names parses");
	if (!ks)
		return;
	k = ksyms_at(ks, 0xffffffff81000000ULL);
	check(k && !strcmp(k->name, "plain_name"), "a plain name is kept as it is");
	for (int c = 1; c < 32; c++) {
		char want[16];

		if (isspace(c))
			continue;
		k = ksyms_at(ks, 0xffffffff81000000ULL + 0x1000ULL * c);
		snprintf(want, sizeof(want), "a\\x%02xb", c);
		bad += !k || strcmp(k->name, want) != 0;
	}
	check(!bad, "every control byte in a name is kept escaped as \\xNN (%d wrong)", bad);
	k = ksyms_at(ks, 0xffffffff82000000ULL);
	check(k && !strcmp(k->name, "del\\x7fx"), "DEL too (%s)", k ? k->name : "none");
	ksyms_free(ks);
}

int main(void)
{
	test_main_plan();
	test_symbol_escape();
	test_levels();
	test_module();
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures != 0;
}
