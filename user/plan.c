// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "grow.h"
#include "plan.h"
#include "walkops.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Walk entry points: one call is one walk (docs/design.md). Some call
 * others (7.x: walk_page_range -> walk_page_range_mm_unsafe, madvise guard
 * regions call the _unsafe ones directly); the tracer nests them. */
static const char *const walk_entries[] = {
	"walk_page_range", "walk_page_range_mm", "walk_page_range_mm_unsafe", "walk_page_vma",
	"walk_page_range_vma", "walk_page_range_vma_unsafe", "walk_page_mapping",
	"walk_page_range_novma",
	"walk_kernel_page_table_range", "walk_kernel_page_table_range_lockless",
	"walk_page_range_debug",
};
/* One call per VMA chunk (or per no-VMA walk). */
static const char *const chunk_entries[] = { "__walk_page_range", "walk_pgd_range" };
/* THP splits. They call each other (6.12+: __split_huge_pmd ->
 * split_huge_pmd_locked -> __split_huge_pmd_locked) and gcc inlines them
 * into some callers but not others, so every real one is traced; the tracer
 * reports only the outermost call of a task. */
/* What fills a none pmd: a pte table (faults, GUP, userfaultfd fills), an
 * anonymous or file THP. A walker reading such a pmd soon after may have
 * passed it while it was still none (bpf/quiet.bpf.h: attribution). */
static const char *const populate_entries[] = {
	"pmd_install", "do_huge_pmd_anonymous_page", "do_set_pmd",
};
static const char *const split_entries[] = {
	"__split_huge_pmd_locked", "split_huge_pmd_locked", "__split_huge_pmd",
};
/* The walker's own level functions: never mm_walk_ops callbacks, even
 * where their prototype matches one. */
static const char *const walker_levels[] = {
	"walk_pgd_range", "walk_p4d_range", "walk_pud_range", "walk_pmd_range",
	"walk_pte_range", "walk_pte_range_inner", "walk_hugetlb_range",
};

struct cb_proto {
	const char *member;	/* struct mm_walk_ops member */
	unsigned int kind;
	char proto[256];	/* rendered prototype, "" if the member is absent */
};

const char *wc_role_name(unsigned int role)
{
	static const char *const names[] = { "unused", "walk", "chunk", "test",
					     "callback", "level", "split", "populate" };

	return role < ARRAY_LEN(names) ? names[role] : "unknown";
}

const char *wc_census_kind_name(const char *func, unsigned int kind)
{
	if (kind == WC_K_CENSUS_POST)
		return "post_vma";
	if (kind == WC_K_CENSUS_TEST)
		return func && strstr(func, "pre_vma") ? "pre_vma" : "test_walk";
	return NULL;
}

const char *wc_mech_name(int mech)
{
	static const char *const names[] = { "-", "fentry", "kprobe", "kprobe.multi" };

	return mech >= 0 && mech < (int)ARRAY_LEN(names) ? names[mech] : "?";
}

struct wc_slot wc_slot_empty(unsigned int role, unsigned int kind)
{
	struct wc_slot s;

	memset(&s, WC_ARG_NONE, sizeof(s));
	s.role = role;
	s.kind = kind;
	s.flags = 0;
	memset(s.pad, 0, sizeof(s.pad));
	return s;
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s", s);
}

/* A type as text, ignoring qualifiers: "pmd_t *", "struct mm_walk *". */
static void render_type(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t;

	for (;;) {
		if (!id) {
			append(buf, len, "void");
			return;
		}
		t = btf__type_by_id(btf, id);
		if (!t) {
			append(buf, len, "?");
			return;
		}
		switch (btf_kind(t)) {
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		case BTF_KIND_PTR:
			render_type(btf, t->type, buf, len);
			append(buf, len, "*");
			return;
		case BTF_KIND_STRUCT:
			append(buf, len, "struct ");
			break;
		case BTF_KIND_UNION:
			append(buf, len, "union ");
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			append(buf, len, "enum ");
			break;
		default:
			break;
		}
		append(buf, len, btf__name_by_offset(btf, t->name_off));
		return;
	}
}

/* "ret(arg,arg,...)" for a FUNC_PROTO. */
static void render_proto(const struct btf *btf, const struct btf_type *proto,
			 char *buf, size_t len)
{
	const struct btf_param *p = btf_params(proto);

	buf[0] = '\0';
	render_type(btf, proto->type, buf, len);
	append(buf, len, "(");
	for (int i = 0; i < btf_vlen(proto); i++) {
		if (i)
			append(buf, len, ",");
		render_type(btf, p[i].type, buf, len);
	}
	append(buf, len, ")");
}

static const struct btf_type *func_proto(const struct btf *btf, const struct btf_type *func)
{
	const struct btf_type *t = btf__type_by_id(btf, func->type);

	return t && btf_is_func_proto(t) ? t : NULL;
}

/* Prototypes of the mm_walk_ops members walkcov traces. */
static void load_callback_protos(const struct btf *btf, struct cb_proto *cbs, int n)
{
	__s32 id = btf__find_by_name_kind(btf, "mm_walk_ops", BTF_KIND_STRUCT);
	const struct btf_type *ops = id > 0 ? btf__type_by_id(btf, id) : NULL;

	for (int i = 0; i < n; i++)
		cbs[i].proto[0] = '\0';
	if (!ops)
		return;
	for (int m = 0; m < btf_vlen(ops); m++) {
		const struct btf_member *mem = btf_members(ops) + m;
		const char *mname = btf__name_by_offset(btf, mem->name_off);
		const struct btf_type *t = btf__type_by_id(btf, mem->type);

		if (!t || !btf_is_ptr(t))
			continue;
		t = btf__type_by_id(btf, t->type);
		if (!t || !btf_is_func_proto(t))
			continue;
		for (int i = 0; i < n; i++)
			if (!strcmp(mname, cbs[i].member))
				render_proto(btf, t, cbs[i].proto, sizeof(cbs[i].proto));
	}
}

static struct wc_target *add_target(struct wc_plan *plan, const char *name,
				    const char *module, struct wc_slot slot)
{
	struct wc_target *t;

	if (wc_grow(&plan->t, &plan->cap, (size_t)plan->n + 1, sizeof(*plan->t), 64))
		return NULL;
	t = &plan->t[plan->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->module, sizeof(t->module), "%s", module ? module : "");
	t->slot = slot;
	t->use = true;
	return t;
}

void wc_target_skip(struct wc_target *t, const char *fmt, ...)
{
	va_list ap;

	t->use = false;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

struct wc_target *wc_plan_find(const struct wc_plan *plan, const char *name)
{
	for (int i = 0; i < plan->n; i++)
		if (!strcmp(plan->t[i].name, name))
			return &plan->t[i];
	return NULL;
}

/* FUNCs named NAME among BTF ids FIRST..: how many, and the last one's
 * prototype in *PROTO. Static functions of different files may share a
 * name; BTF keeps one FUNC per distinct prototype. */
static int count_funcs(const struct btf *btf, __u32 first, const char *name,
		       const struct btf_type **proto)
{
	__u32 n = btf__type_cnt(btf);
	int found = 0;

	*proto = NULL;
	for (__u32 id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_func(t) && !strcmp(btf__name_by_offset(btf, t->name_off), name)) {
			found++;
			*proto = func_proto(btf, t);
		}
	}
	return found;
}

/* Is T's function a real, unique, unrenamed function? Skips T if not. */
static bool check_symbol(struct wc_target *t, const struct ksyms *ks, int btf_funcs)
{
	int n = ksyms_count_text(ks, t->name);
	const char *renamed;

	t->nsyms = n;
	if (n == 1) {
		const struct ksym *k[8];
		size_t m = ksyms_named(ks, t->name, k, 8);

		for (size_t i = 0; i < m && i < 8; i++)
			if (!strcmp(k[i]->name, t->name) && strchr("tTwW", k[i]->type))
				t->addr = k[i]->addr;
	}
	if (btf_funcs > 1) {
		wc_target_skip(t, "%d functions of this name in BTF: which one kallsyms holds is unknown",
			       btf_funcs);
		return false;
	}
	if (n == 1)
		return true;
	if (n > 1) {
		wc_target_skip(t, "not unique in kallsyms (%d symbols)", n);
		return false;
	}
	renamed = ksyms_renamed(ks, t->name);
	if (renamed)
		wc_target_skip(t, "renamed by the compiler (%s): its arguments may be changed", renamed);
	else
		wc_target_skip(t, "inlined or absent (not in kallsyms)");
	return false;
}

/* Argument positions of a named function, from parameter types and names. */
static void locate_args(const struct btf *btf, const struct btf_type *proto, struct wc_slot *s)
{
	static const char *const entries[] = { "pgd_t*", "p4d_t*", "pud_t*", "pmd_t*" };
	const struct btf_param *p = btf_params(proto);
	int ulongs = 0;

	for (int i = 0; i < btf_vlen(proto) && i < WC_MAX_ARGS; i++) {
		const char *pname = btf__name_by_offset(btf, p[i].name_off);
		char ty[128] = "";

		render_type(btf, p[i].type, ty, sizeof(ty));
		if (!strcmp(ty, "struct mm_struct*"))
			s->arg_mm = i;
		else if (!strcmp(ty, "struct vm_area_struct*"))
			s->arg_vma = i;
		else if (!strcmp(ty, "struct mm_walk_ops*"))
			s->arg_ops = i;
		else if (!strcmp(ty, "struct mm_walk*"))
			s->arg_walk = i;
		else if (in_list(ty, entries, ARRAY_LEN(entries)))
			s->arg_entry = i;
		else if (!strcmp(ty, "struct vm_fault*") && s->role == WC_R_POPULATE) {
			s->arg_entry = i;
			s->flags |= WC_SLOT_VMF;
		}
		else if (!strcmp(ty, "long unsigned int")) {
			/* walk entry points name them start/end; chunks,
			 * levels and splits take the range first */
			if (s->role == WC_R_WALK) {
				if (pname && !strcmp(pname, "start"))
					s->arg_start = i;
				else if (pname && !strcmp(pname, "end"))
					s->arg_end = i;
			} else if (ulongs == 0) {
				s->arg_start = i;
				ulongs++;
			} else if (ulongs == 1 && s->role != WC_R_SPLIT) {
				s->arg_end = i;
				ulongs++;
			}
		}
	}
}

static struct wc_target *add_named(struct wc_plan *plan, const struct btf *btf,
				   const struct ksyms *ks, const char *name,
				   unsigned int role, unsigned int kind)
{
	struct wc_slot s = wc_slot_empty(role, kind);
	const struct btf_type *proto;
	int nfuncs = count_funcs(btf, 1, name, &proto);
	struct wc_target *t;

	if (proto)
		locate_args(btf, proto, &s);
	t = add_target(plan, name, NULL, s);
	if (!t)
		return NULL;
	if (!check_symbol(t, ks, nfuncs))
		return t;
	if (!proto)
		wc_target_skip(t, "no BTF for this function");
	return t;
}

/*
 * The walker's level functions (walk_pmd_range, walk_pte_range_inner) return
 * int. MGLRU (mm/vmscan.c) has a walk_pmd_range of its own returning void:
 * tracing it would report levels of walks that never happened.
 */
static int add_level(struct wc_plan *plan, const struct btf *btf, const struct ksyms *ks,
		     const char *name, unsigned int kind)
{
	struct wc_target *t = add_named(plan, btf, ks, name, WC_R_LEVEL, kind);
	const struct btf_type *proto;

	if (!t)
		return -ENOMEM;
	count_funcs(btf, 1, name, &proto);
	if (t->use && (!proto->type || t->slot.arg_walk == WC_ARG_NONE))
		wc_target_skip(t, "not the page walker's %s (returns void: MGLRU's, mm/vmscan.c)", name);
	return 0;
}

/* Callback argument positions, fixed by struct mm_walk_ops: e.g.
 * pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long next, struct mm_walk *walk). */
#define NONE WC_ARG_NONE
static const struct {
	unsigned int kind;
	__u8 entry, start, end, walk, depth;
} callback_args[] = {
	{ WC_K_PGD_ENTRY,     0,    1, 2, 3, NONE },
	{ WC_K_P4D_ENTRY,     0,    1, 2, 3, NONE },
	{ WC_K_PUD_ENTRY,     0,    1, 2, 3, NONE },
	{ WC_K_PMD_ENTRY,     0,    1, 2, 3, NONE },
	{ WC_K_PTE_ENTRY,     NONE, 1, 2, 3, NONE },
	{ WC_K_PTE_HOLE,      NONE, 0, 1, 3, 2 },	/* (start, end, depth, walk) */
	{ WC_K_INSTALL_PTE,   NONE, 0, 1, 3, NONE },
	{ WC_K_HUGETLB_ENTRY, NONE, 2, 3, 4, NONE },	/* (pte, hmask, start, end, walk) */
};
#undef NONE

static struct wc_slot callback_slot(unsigned int kind)
{
	struct wc_slot s = wc_slot_empty(WC_R_CALLBACK, kind);

	for (size_t i = 0; i < ARRAY_LEN(callback_args); i++) {
		if (callback_args[i].kind != kind)
			continue;
		s.arg_entry = callback_args[i].entry;
		s.arg_start = callback_args[i].start;
		s.arg_end = callback_args[i].end;
		s.arg_walk = callback_args[i].walk;
		s.arg_depth = callback_args[i].depth;
	}
	return s;
}

/* Every FUNC in BTF (type ids FIRST..) whose prototype is a callback's. */
static int add_callbacks(struct wc_plan *plan, const struct btf *btf, __u32 first,
			 const char *module, const struct cb_proto *cbs, int ncb,
			 const struct ksyms *ks)
{
	__u32 n = btf__type_cnt(btf);
	char proto[256];

	for (__u32 id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id), *fp;
		const char *name;

		if (!btf_is_func(t) || !(fp = func_proto(btf, t)))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		/* walk_pud_range(p4d_t *, ...) has p4d_entry's prototype, and
		 * so on: the walker's own levels are never callbacks */
		if (in_list(name, walker_levels, ARRAY_LEN(walker_levels)))
			continue;
		render_proto(btf, fp, proto, sizeof(proto));
		for (int i = 0; i < ncb; i++) {
			const struct btf_type *unused;
			struct wc_target *tg;

			if (!cbs[i].proto[0] || strcmp(proto, cbs[i].proto))
				continue;
			if (wc_plan_find(plan, name))
				break;	/* another FUNC of this name: skipped below */
			if (cbs[i].kind >= WC_K_CENSUS_TEST) {
				/* census only: listed, never traced */
				tg = add_target(plan, name, module,
						wc_slot_empty(WC_R_UNUSED, cbs[i].kind));
				if (!tg)
					return -ENOMEM;
				if (check_symbol(tg, ks, count_funcs(btf, first, name, &unused)))
					wc_target_skip(tg, "census only: %s callbacks are not traced"
						       " (walk_page_test's exit shows what they skip)",
						       wc_census_kind_name(tg->name, cbs[i].kind));
				break;
			}
			tg = add_target(plan, name, module, callback_slot(cbs[i].kind));
			if (!tg)
				return -ENOMEM;
			plan->callbacks++;
			check_symbol(tg, ks, count_funcs(btf, first, name, &unused));
			break;
		}
	}
	return 0;
}

/* The address of the kernel variable NAME: one data symbol, else 0. */
static uint64_t data_symbol(const struct ksyms *ks, const char *name)
{
	const struct ksym *k;

	if (!ks || ksyms_named(ks, name, &k, 1) != 1 || strcmp(k->name, name) ||
	    k->module || strchr("tTwW", k->type))
		return 0;
	return k->addr;
}

int wc_plan_build(struct wc_plan *plan, const struct btf *vmlinux,
		  const struct wc_plan_module *mods, int nmods, const struct ksyms *ks)
{
	struct cb_proto cbs[] = {
		{ "pgd_entry", WC_K_PGD_ENTRY, "" },
		{ "p4d_entry", WC_K_P4D_ENTRY, "" },
		{ "pud_entry", WC_K_PUD_ENTRY, "" },
		{ "pmd_entry", WC_K_PMD_ENTRY, "" },
		{ "pte_entry", WC_K_PTE_ENTRY, "" },
		{ "pte_hole", WC_K_PTE_HOLE, "" },
		{ "hugetlb_entry", WC_K_HUGETLB_ENTRY, "" },
		{ "install_pte", WC_K_INSTALL_PTE, "" },
		/* census only (walkcov probes --census): test_walk and pre_vma
		 * share a prototype; the first member found names the pair */
		{ "test_walk", WC_K_CENSUS_TEST, "" },
		{ "pre_vma", WC_K_CENSUS_TEST, "" },
		{ "post_vma", WC_K_CENSUS_POST, "" },
	};
	int ncb = ARRAY_LEN(cbs);
	size_t i;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < ARRAY_LEN(walk_entries); i++)
		if (!add_named(plan, vmlinux, ks, walk_entries[i], WC_R_WALK, WC_K_NONE))
			return -ENOMEM;
	for (i = 0; i < ARRAY_LEN(chunk_entries); i++)
		if (!add_named(plan, vmlinux, ks, chunk_entries[i], WC_R_CHUNK, WC_K_NONE))
			return -ENOMEM;
	if (!add_named(plan, vmlinux, ks, "walk_page_test", WC_R_TEST, WC_K_NONE))
		return -ENOMEM;
	for (i = 0; i < ARRAY_LEN(split_entries); i++)
		if (!add_named(plan, vmlinux, ks, split_entries[i], WC_R_SPLIT, WC_K_NONE))
			return -ENOMEM;
	for (i = 0; i < ARRAY_LEN(populate_entries); i++)
		if (!add_named(plan, vmlinux, ks, populate_entries[i], WC_R_POPULATE, WC_K_NONE))
			return -ENOMEM;
	if (add_level(plan, vmlinux, ks, "walk_pmd_range", WC_K_PMD_RANGE) ||
	    add_level(plan, vmlinux, ks, "walk_pte_range_inner", WC_K_PTE_RANGE))
		return -ENOMEM;
	plan->page_offset_base = data_symbol(ks, "page_offset_base");
	plan->pgdir_shift = data_symbol(ks, "pgdir_shift");
	plan->memstart_addr = data_symbol(ks, "memstart_addr");

	load_callback_protos(vmlinux, cbs, ncb);
	if (add_callbacks(plan, vmlinux, 1, NULL, cbs, ncb, ks))
		return -ENOMEM;
	for (int m = 0; m < nmods; m++)
		if (add_callbacks(plan, mods[m].btf, btf__type_cnt(vmlinux), mods[m].name,
				  cbs, ncb, ks))
			return -ENOMEM;
	return 0;
}

/* A member of struct mm_walk_ops: its callback kind (plan.h's census kinds
 * for test_walk, pre_vma, post_vma), or -1 for no callback. */
static int member_kind(const char *member)
{
	static const struct { const char *m; int kind; } k[] = {
		{ "pgd_entry", WC_K_PGD_ENTRY }, { "p4d_entry", WC_K_P4D_ENTRY },
		{ "pud_entry", WC_K_PUD_ENTRY }, { "pmd_entry", WC_K_PMD_ENTRY },
		{ "pte_entry", WC_K_PTE_ENTRY }, { "pte_hole", WC_K_PTE_HOLE },
		{ "hugetlb_entry", WC_K_HUGETLB_ENTRY }, { "install_pte", WC_K_INSTALL_PTE },
		{ "test_walk", WC_K_CENSUS_TEST }, { "pre_vma", WC_K_CENSUS_TEST },
		{ "post_vma", WC_K_CENSUS_POST },
	};

	for (size_t i = 0; i < ARRAY_LEN(k); i++)
		if (!strcmp(member, k[i].m))
			return k[i].kind;
	return -1;
}

int wc_plan_add_module_ops(struct wc_plan *plan, const struct wc_walkops *ops, int n,
			   const struct ksyms *ks)
{
	int added = 0;

	for (int o = 0; o < n; o++) {
		for (int i = 0; i < WC_WALKOPS_MEMBERS && ops[o].member[i]; i++) {
			const char *name = ops[o].cb[i];
			int kind = member_kind(ops[o].member[i]);
			struct wc_target *tg;

			if (!*name || kind < 0)
				continue;
			tg = wc_plan_find(plan, name);
			if (tg) {
				/* in two ops structs: the same role, or the
				 * argument positions are unknown */
				if (tg->no_btf && tg->slot.kind != kind && tg->use)
					wc_target_skip(tg, "member of more than one kind in its "
						       "module's ops structs (no BTF to tell)");
				continue;
			}
			if (kind >= WC_K_CENSUS_TEST) {
				tg = add_target(plan, name, ops[o].module, wc_slot_empty(WC_R_UNUSED, kind));
				if (!tg)
					return -ENOMEM;
				tg->no_btf = true;
				if (check_symbol(tg, ks, 1))
					wc_target_skip(tg, "census only: %s callbacks are not traced"
						       " (walk_page_test's exit shows what they skip)",
						       wc_census_kind_name(tg->name, kind));
				continue;
			}
			tg = add_target(plan, name, ops[o].module, callback_slot(kind));
			if (!tg)
				return -ENOMEM;
			tg->no_btf = true;
			plan->callbacks++;
			added++;
			check_symbol(tg, ks, 1);
		}
	}
	return added;
}

/* Is MODULE one without BTF (CTX: the modules that have it)? */
struct btf_mods {
	const struct wc_plan_module *mods;
	int n;
};

static bool module_without_btf(const char *module, void *ctx)
{
	const struct btf_mods *b = ctx;

	for (int i = 0; i < b->n; i++)
		if (!strcmp(b->mods[i].name, module))
			return false;
	return true;
}

/* Module BTFs (e.g. walkcov's test module) so their callbacks are found too. */
static int load_modules(struct btf *vmlinux, struct wc_plan_module **mods)
{
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *de;
	size_t cap = 0;
	int n = 0;

	*mods = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		struct btf *btf;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		btf = btf__parse_split(path, vmlinux);
		if (!btf)
			continue;	/* unreadable module BTF: its callbacks are not traced */
		if (wc_grow(mods, &cap, (size_t)n + 1, sizeof(**mods), 16)) {
			btf__free(btf);
			break;
		}
		(*mods)[n].name = strdup(de->d_name);
		if (!(*mods)[n].name) {
			btf__free(btf);
			break;
		}
		(*mods)[n++].btf = btf;
	}
	closedir(d);
	return n;
}

struct ksyms *wc_plan_for_kernel(struct wc_plan *plan, char *err, size_t errlen)
{
	struct ksyms *ks = ksyms_load(NULL);
	struct wc_plan_module *mods = NULL;
	struct btf *vmlinux;
	int nmods, e;

	memset(plan, 0, sizeof(*plan));
	if (!ks) {
		snprintf(err, errlen, "cannot read /proc/kallsyms: %s", strerror(errno));
		return NULL;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(err, errlen, "kernel has no BTF (/sys/kernel/btf/vmlinux: %s); "
			 "walkcov needs CONFIG_DEBUG_INFO_BTF", strerror(errno));
		ksyms_free(ks);
		return NULL;
	}
	nmods = load_modules(vmlinux, &mods);
	e = wc_plan_build(plan, vmlinux, mods, nmods, ks);
	if (!e) {
		/* modules without BTF (every module before 5.11): their
		 * callbacks through their ops structs, read in /proc/kcore */
		struct btf_mods b = { mods, nmods };
		struct wc_walkops *ops = NULL;
		int nops = wc_walkops_read_modules(ks, NULL, vmlinux, module_without_btf, &b, &ops,
						   plan->module_ops_err,
						   sizeof(plan->module_ops_err));

		plan->module_ops_callbacks = nops < 0 ? -1 : 0;
		if (nops > 0) {
			int added = wc_plan_add_module_ops(plan, ops, nops, ks);

			if (added < 0)
				e = added;
			else
				plan->module_ops_callbacks = added;
		}
		free(ops);
	}
	for (int m = 0; m < nmods; m++) {
		btf__free((struct btf *)mods[m].btf);
		free((char *)mods[m].name);
	}
	free(mods);
	btf__free(vmlinux);
#ifdef __aarch64__
	/* PHYS_OFFSET is memstart_addr (arch/arm64: vmcoreinfo), set before
	 * the initcall that writes the note and __ro_after_init */
	plan->phys_offset_known = !e && !wc_kcore_vmcoreinfo(NULL, "NUMBER(PHYS_OFFSET)",
							     &plan->phys_offset);
#endif
	if (e) {
		snprintf(err, errlen, "cannot build the attach plan: %s", strerror(-e));
		wc_plan_free(plan);
		ksyms_free(ks);
		return NULL;
	}
	return ks;
}

void wc_plan_free(struct wc_plan *plan)
{
	free(plan->t);
	memset(plan, 0, sizeof(*plan));
}

void wc_plan_restrict(struct wc_plan *plan, unsigned int role_mask)
{
	for (int i = 0; i < plan->n; i++)
		if (plan->t[i].use && !(role_mask & (1u << plan->t[i].slot.role)))
			wc_target_skip(&plan->t[i], "not needed by this command");
}

int wc_plan_used(const struct wc_plan *plan)
{
	int n = 0;

	for (int i = 0; i < plan->n; i++)
		n += plan->t[i].use;
	return n;
}
