// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "probes.h"

/* Walk entry points: one call is one walk (docs/design.md). */
static const char *const walk_entries[] = {
	"walk_page_range", "walk_page_range_mm", "walk_page_vma",
	"walk_page_range_vma", "walk_page_mapping", "walk_page_range_novma",
	"walk_kernel_page_table_range", "walk_kernel_page_table_range_lockless",
	"walk_page_range_debug",
};
/* One call per VMA chunk (or per no-VMA walk). */
static const char *const chunk_entries[] = { "__walk_page_range", "walk_pgd_range" };
/* THP splits. They call each other (6.12+: __split_huge_pmd ->
 * split_huge_pmd_locked -> __split_huge_pmd_locked) and gcc inlines them
 * into some callers but not others, so every real one is traced; the tracer
 * reports only the outermost call of a task. */
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
					     "callback", "level", "split" };

	return role < sizeof(names) / sizeof(names[0]) ? names[role] : "?";
}

const char *wc_mech_name(int mech)
{
	return mech == WC_MECH_FENTRY ? "fentry" : mech == WC_MECH_KPROBE ? "kprobe" : "-";
}

struct wc_slot wc_slot_empty(unsigned int role, unsigned int kind)
{
	struct wc_slot s;

	memset(&s, WC_ARG_NONE, sizeof(s));
	s.role = role;
	s.kind = kind;
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

	for (int i = 0; i < plan->n; i++)
		if (!strcmp(plan->t[i].name, name))
			return NULL;	/* same name seen in another BTF: kallsyms decides */
	if (plan->n == plan->cap) {
		int cap = plan->cap ? plan->cap * 2 : 64;
		struct wc_target *p = realloc(plan->t, cap * sizeof(*p));

		if (!p)
			return NULL;
		plan->t = p;
		plan->cap = cap;
	}
	t = &plan->t[plan->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->module, sizeof(t->module), "%s", module ? module : "");
	t->slot = slot;
	t->use = true;
	return t;
}

static void skip(struct wc_target *t, const char *fmt, const char *arg)
{
	t->use = false;
	snprintf(t->why, sizeof(t->why), fmt, arg);
}

/* Is NAME a real, unique, unrenamed function? Sets the skip reason if not. */
static bool check_symbol(struct wc_target *t, const struct ksyms *ks)
{
	int n = ksyms_count_text(ks, t->name);
	const char *renamed;

	if (n == 1)
		return true;
	if (n > 1) {
		char num[16];

		snprintf(num, sizeof(num), "%d", n);
		skip(t, "not unique in kallsyms (%s symbols)", num);
		return false;
	}
	renamed = ksyms_renamed(ks, t->name);
	if (renamed)
		skip(t, "renamed by the compiler (%s)", renamed);
	else
		skip(t, "%s", "inlined or absent (not in kallsyms)");
	return false;
}

/* Argument positions of an entry point, from parameter types and names. */
static void locate_args(const struct btf *btf, const struct btf_type *proto, struct wc_slot *s)
{
	const struct btf_param *p = btf_params(proto);
	int ulongs = 0;

	for (int i = 0; i < btf_vlen(proto) && i < 6; i++) {
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
		else if (!strcmp(ty, "pmd_t*") || !strcmp(ty, "pud_t*"))
			s->arg_entry = i;
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

static void add_named(struct wc_plan *plan, const struct btf *btf, const struct ksyms *ks,
		      const char *name, unsigned int role, unsigned int kind)
{
	__s32 id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	struct wc_slot s = wc_slot_empty(role, kind);
	const struct btf_type *proto = NULL;
	struct wc_target *t;

	if (id > 0)
		proto = func_proto(btf, btf__type_by_id(btf, id));
	if (proto)
		locate_args(btf, proto, &s);
	t = add_target(plan, name, NULL, s);
	if (!t)
		return;
	if (!check_symbol(t, ks))
		return;
	if (!proto)
		skip(t, "%s", "no BTF for this function");
}

/* Callback argument positions are fixed by struct mm_walk_ops. */
static struct wc_slot callback_slot(unsigned int kind)
{
	struct wc_slot s = wc_slot_empty(WC_R_CALLBACK, kind);

	switch (kind) {
	case WC_K_PUD_ENTRY:
	case WC_K_PMD_ENTRY:
		s.arg_entry = 0;
		/* fallthrough */
	case WC_K_PTE_ENTRY:
		s.arg_start = 1;
		s.arg_end = 2;
		s.arg_walk = 3;
		break;
	case WC_K_PTE_HOLE:
		s.arg_start = 0;
		s.arg_end = 1;
		s.arg_depth = 2;
		s.arg_walk = 3;
		break;
	case WC_K_HUGETLB_ENTRY:
		s.arg_start = 2;
		s.arg_end = 3;
		s.arg_walk = 4;
		break;
	}
	return s;
}

/* Every FUNC in BTF (type ids FIRST..) whose prototype is a callback's. */
static void add_callbacks(struct wc_plan *plan, const struct btf *btf, __u32 first,
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
		if (in_list(name, walker_levels, sizeof(walker_levels) / sizeof(*walker_levels)))
			continue;
		render_proto(btf, fp, proto, sizeof(proto));
		for (int i = 0; i < ncb; i++) {
			struct wc_target *tg;

			if (!cbs[i].proto[0] || strcmp(proto, cbs[i].proto))
				continue;
			tg = add_target(plan, name, module, callback_slot(cbs[i].kind));
			if (tg) {
				plan->callbacks++;
				check_symbol(tg, ks);
			}
			break;
		}
	}
}

/* Module BTF (e.g. walkcov's test module) so its callbacks are found too. */
static void add_module_callbacks(struct wc_plan *plan, struct btf *vmlinux,
				 const struct cb_proto *cbs, int ncb, const struct ksyms *ks)
{
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300];
		struct btf *mod;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		mod = btf__parse_split(path, vmlinux);
		if (!mod)
			continue;
		add_callbacks(plan, mod, btf__type_cnt(vmlinux), de->d_name, cbs, ncb, ks);
		btf__free(mod);
	}
	closedir(d);
}

/* Build the plan from vmlinux BTF, module BTF and kallsyms. Returns 0, or
 * -1 with a one-line reason in ERR (no BTF). */
static int plan_build(struct wc_plan *plan, const struct ksyms *ks, char *err, size_t errlen)
{
	struct cb_proto cbs[] = {
		{ "pud_entry", WC_K_PUD_ENTRY, "" },
		{ "pmd_entry", WC_K_PMD_ENTRY, "" },
		{ "pte_entry", WC_K_PTE_ENTRY, "" },
		{ "pte_hole", WC_K_PTE_HOLE, "" },
		{ "hugetlb_entry", WC_K_HUGETLB_ENTRY, "" },
	};
	int ncb = sizeof(cbs) / sizeof(cbs[0]);
	struct btf *btf;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(err, errlen, "kernel has no BTF (/sys/kernel/btf/vmlinux: %s); "
			 "walkcov needs CONFIG_DEBUG_INFO_BTF", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(walk_entries) / sizeof(*walk_entries); i++)
		add_named(plan, btf, ks, walk_entries[i], WC_R_WALK, WC_K_NONE);
	for (i = 0; i < sizeof(chunk_entries) / sizeof(*chunk_entries); i++)
		add_named(plan, btf, ks, chunk_entries[i], WC_R_CHUNK, WC_K_NONE);
	add_named(plan, btf, ks, "walk_page_test", WC_R_TEST, WC_K_NONE);

	/* walk_pmd_range only where it is the walker's own: MGLRU's (mm/vmscan.c)
	 * returns void, the page walker's returns int. */
	add_named(plan, btf, ks, "walk_pmd_range", WC_R_LEVEL, WC_K_PMD_RANGE);
	if (plan->n && plan->t[plan->n - 1].use) {
		__s32 id = btf__find_by_name_kind(btf, "walk_pmd_range", BTF_KIND_FUNC);
		const struct btf_type *fp = func_proto(btf, btf__type_by_id(btf, id));

		if (!fp || !fp->type)
			skip(&plan->t[plan->n - 1], "%s", "MGLRU's walk_pmd_range (returns void), not the walker's");
	}
	add_named(plan, btf, ks, "walk_pte_range_inner", WC_R_LEVEL, WC_K_PTE_RANGE);

	for (i = 0; i < sizeof(split_entries) / sizeof(*split_entries); i++)
		add_named(plan, btf, ks, split_entries[i], WC_R_SPLIT, WC_K_NONE);

	load_callback_protos(btf, cbs, ncb);
	add_callbacks(plan, btf, 1, NULL, cbs, ncb, ks);
	add_module_callbacks(plan, btf, cbs, ncb, ks);
	btf__free(btf);
	return 0;
}

struct ksyms *wc_plan_for_kernel(struct wc_plan *plan, char *err, size_t errlen)
{
	struct ksyms *ks = ksyms_load(NULL);

	if (!ks) {
		snprintf(err, errlen, "cannot read /proc/kallsyms: %s", strerror(errno));
		return NULL;
	}
	if (plan_build(plan, ks, err, errlen)) {
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
			skip(&plan->t[i], "%s", "not needed by this command");
}

int wc_plan_used(const struct wc_plan *plan)
{
	int n = 0;

	for (int i = 0; i < plan->n; i++)
		n += plan->t[i].use;
	return n;
}
