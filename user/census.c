// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The walker census: see census.h and docs/report.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "census.h"
#include "fmt.h"
#include "grow.h"
#include "recfile.h"

static const char *const role_names[WC_CR_N] = {
	"entry", "pgd_entry", "p4d_entry", "pud_entry", "pmd_entry", "pte_entry", "pte_hole",
	"hugetlb_entry", "install_pte", "test_walk", "pre_vma", "post_vma",
};

const char *wc_census_role_name(unsigned int role)
{
	return role < WC_CR_N ? role_names[role] : "unknown";
}

int wc_census_role_of(unsigned int role, unsigned int kind, const char *name)
{
	static const int by_kind[] = {
		[WC_K_PGD_ENTRY] = WC_CR_PGD, [WC_K_P4D_ENTRY] = WC_CR_P4D,
		[WC_K_PUD_ENTRY] = WC_CR_PUD, [WC_K_PMD_ENTRY] = WC_CR_PMD,
		[WC_K_PTE_ENTRY] = WC_CR_PTE, [WC_K_PTE_HOLE] = WC_CR_HOLE,
		[WC_K_HUGETLB_ENTRY] = WC_CR_HUGETLB, [WC_K_INSTALL_PTE] = WC_CR_INSTALL,
	};
	const char *cname;

	if (role == WC_R_WALK)
		return WC_CR_ENTRY;
	if (role == WC_R_CALLBACK && kind < sizeof(by_kind) / sizeof(by_kind[0]) && by_kind[kind])
		return by_kind[kind];
	cname = role == WC_R_UNUSED ? wc_census_kind_name(name, kind) : NULL;
	if (!cname)
		return -1;
	return !strcmp(cname, "post_vma") ? WC_CR_POST_VMA :
	       !strcmp(cname, "pre_vma") ? WC_CR_PRE_VMA : WC_CR_TEST;
}

void wc_census_init(struct wc_census *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		c->slot_item[i] = -1;
}

void wc_census_free(struct wc_census *c)
{
	free(c->it);
	wc_census_init(c);
}

/* A new entry, or NULL (full or out of memory: the census just lists less). */
static struct wc_census_item *add(struct wc_census *c, const char *name, const char *module,
				  unsigned int role, bool traced)
{
	struct wc_census_item *x;

	if (c->n >= WC_CENSUS_MAX)
		return NULL;
	if (wc_grow(&c->it, &c->cap, (size_t)c->n + 1, sizeof(*c->it), 64))
		return NULL;
	x = &c->it[c->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name ? name : "");
	snprintf(x->module, sizeof(x->module), "%s", module ? module : "");
	x->role = role;
	x->traced = traced;
	return x;
}

int wc_census_from_plan(struct wc_census *c, const struct wc_plan *plan)
{
	for (int i = 0; i < plan->n; i++) {
		const struct wc_target *t = &plan->t[i];
		int role = wc_census_role_of(t->slot.role, t->slot.kind, t->name);

		if (role < 0 || t->nsyms < 1)
			continue;	/* no walker user, or inlined or absent */
		if (!add(c, t->name, t->module, (unsigned int)role, t->use))
			return -1;
	}
	return 0;
}

void wc_census_header_add(struct json_object *hdr, const struct wc_census *c)
{
	struct json_object *o = json_object_new_object(), *g = json_object_new_object();

	for (int i = 0; i < c->n; i++) {
		const struct wc_census_item *x = &c->it[i];
		struct json_object *a;
		char name[200];

		if (*x->group)
			json_object_object_add(g, x->name, json_object_new_string(x->group));
		if (x->traced)
			continue;
		if (!json_object_object_get_ex(o, role_names[x->role], &a)) {
			a = json_object_new_array();
			json_object_object_add(o, role_names[x->role], a);
		}
		snprintf(name, sizeof(name), "%s%s%s%s", x->name, *x->module ? " [" : "",
			 x->module, *x->module ? "]" : "");
		json_object_array_add(a, json_object_new_string(name));
	}
	json_object_object_add(hdr, "census_untraced", o);
	json_object_object_add(hdr, "census_groups", g);
}

static int role_by_name(const char *name)
{
	for (int r = 0; r < WC_CR_N; r++)
		if (!strcmp(name, role_names[r]))
			return r;
	return -1;
}

static struct wc_census_item *find(struct wc_census *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->it[i].name, name))
			return &c->it[i];
	return NULL;
}

/* Is NAME one of X's ops structs? */
static bool in_group(const struct wc_census_item *x, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = x->group; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	return false;
}

/* walkops.h: is FUNC a census callback of MEMBER's role? test_walk and
 * pre_vma share a prototype, so either serves both. */
static bool is_callback(const char *member, const char *func, void *ctx)
{
	struct wc_census_item *x = find(ctx, func);
	int role = role_by_name(member);

	if (!x || x->role == WC_CR_ENTRY)
		return false;
	if ((role == WC_CR_TEST || role == WC_CR_PRE_VMA) &&
	    (x->role == WC_CR_TEST || x->role == WC_CR_PRE_VMA))
		return true;
	return (int)x->role == role;
}

int wc_census_group(struct wc_census *c, const struct ksyms *ks, struct wc_walkops **out,
		    int *nout, char *err, size_t errlen)
{
	struct wc_walkops *ops = NULL;
	int n = wc_walkops_read(ks, NULL, is_callback, c, &ops, err, errlen);

	for (int k = 0; k < n; k++)
		for (int m = 0; m < WC_WALKOPS_MEMBERS && ops[k].member[m]; m++) {
			struct wc_census_item *x = *ops[k].cb[m] ? find(c, ops[k].cb[m]) : NULL;
			size_t len = x ? strlen(x->group) : 0;

			if (x && !in_group(x, ops[k].name))
				snprintf(x->group + len, sizeof(x->group) - len, "%s%s",
					 len ? "," : "", ops[k].name);
		}
	if (out)
		*out = ops;
	else
		free(ops);
	if (nout)
		*nout = n;
	return n < 0 ? -1 : 0;
}

void wc_census_clear_ops(struct wc_census *c)
{
	c->by_ops = false;
	for (int i = 0; i < c->n; i++)
		c->it[i].ops_walks = 0;
}

void wc_census_mark_ops(struct wc_census *c, const char *name, uint64_t walks)
{
	struct wc_census_item *x;
	bool grouped = false;

	for (int i = 0; i < c->n; i++)
		if (in_group(&c->it[i], name)) {
			c->it[i].ops_walks += walks;
			grouped = true;
		}
	/* an ops struct no symbol names (built on the stack; no data symbols
	 * without CONFIG_KALLSYMS_ALL) is named after a callback of its own,
	 * "ops of X": X at least is in it */
	if (!grouped && !strncmp(name, "ops of ", 7) && (x = find(c, name + 7)))
		x->ops_walks += walks;
	c->by_ops = true;
}

static void untraced_from(struct wc_census *c, struct json_object *o);

void wc_census_from_header(struct wc_census *c, struct json_object *hdr)
{
	struct json_object *o;

	for (unsigned int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		struct json_object *s = wc_hdr_slot(hdr, slot);
		const char *name = wc_hdr_str(s, "name");
		int role = s ? wc_census_role_of((unsigned int)wc_hdr_u64(s, "role"),
						 (unsigned int)wc_hdr_u64(s, "kind"), name) : -1;
		struct wc_census_item *x;

		/* census-only kinds are never in a slot */
		if (role < 0 || role >= WC_CR_TEST || !name)
			continue;
		x = add(c, name, wc_hdr_str(s, "module"), (unsigned int)role, true);
		if (x)
			c->slot_item[slot] = (int)(x - c->it);
	}
	if (hdr && json_object_object_get_ex(hdr, "census_untraced", &o) &&
	    json_object_is_type(o, json_type_object))
		untraced_from(c, o);
	if (hdr && json_object_object_get_ex(hdr, "census_groups", &o) &&
	    json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, cb, g) {
			struct wc_census_item *x = find(c, cb);

			if (x && json_object_is_type(g, json_type_string))
				snprintf(x->group, sizeof(x->group), "%s", json_object_get_string(g));
		}
	}
}

static void untraced_from(struct wc_census *c, struct json_object *o)
{
	json_object_object_foreach(o, key, a) {
		int role = role_by_name(key);

		if (role < 0 || !json_object_is_type(a, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			const char *n = json_object_get_string(json_object_array_get_idx(a, i));

			if (n)
				add(c, n, NULL, (unsigned int)role, false);
		}
	}
}

static void note_ops(struct wc_census_item *x, uint64_t ops)
{
	if (!ops)
		return;
	for (unsigned int i = 0; i < x->nops; i++)
		if (x->ops[i] == ops)
			return;
	if (x->nops < WC_CENSUS_OPS)
		x->ops[x->nops++] = ops;
}

void wc_census_event(struct wc_census *c, const struct wc_event *e)
{
	int i = e->slot < WC_MAX_SLOTS ? c->slot_item[e->slot] : -1;
	struct wc_census_item *x;

	if (i < 0)
		return;
	x = &c->it[i];
	c->events++;
	if (e->type == WC_EV_WALK_BEGIN && x->role == WC_CR_ENTRY) {
		x->calls++;
		x->walks += !(e->flags & WC_F_NESTED);
	} else if (e->type == WC_EV_VISIT && x->role != WC_CR_ENTRY) {
		x->calls++;
		x->retries += e->action == WC_ACT_AGAIN;
		note_ops(x, e->ops);
	}
}

/* ---- output ---- */

/* Reached: visited (full mode), or its ops struct ran (summary mode). */
static bool reached(const struct wc_census_item *x, bool measured)
{
	return measured ? x->calls > 0 : x->ops_walks > 0;
}

/* Per role: entries, traced, reached. */
struct role_count {
	int total, traced, reached;
};

static void count_roles(const struct wc_census *c, struct role_count *rc, bool measured)
{
	memset(rc, 0, WC_CR_N * sizeof(*rc));
	for (int i = 0; i < c->n; i++) {
		rc[c->it[i].role].total++;
		rc[c->it[i].role].traced += c->it[i].traced;
		rc[c->it[i].role].reached += reached(&c->it[i], measured);
	}
}

/* Names come escaped: kallsyms names where they enter, a file's strings
 * as its JSON is read (jsonin.h). */
static void item_name(const struct wc_census_item *x, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", x->name, *x->module ? " [" : "", x->module,
		 *x->module ? "]" : "");
}

static void ops_list(const struct wc_census_item *x, const struct wc_symtab *syms,
		     char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < x->nops && off < size; i++) {
		char nb[160];

		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					wc_ops_name(syms, x->ops[i], "[unknown]", nb, sizeof(nb)));
	}
}

void wc_census_print(const struct wc_census *c, FILE *out, bool measured,
		     const struct wc_symtab *syms)
{
	bool counted = measured || c->by_ops;
	struct role_count rc[WC_CR_N];

	count_roles(c, rc, measured);
	if (!c->n) {
		fprintf(out, "#\n# census: no walker users listed (a recording of an older walkcov)\n");
		return;
	}
	fprintf(out, "#\n# census: the walker's users on this kernel, and what this run reached%s\n#\n",
		measured ? "" : counted ? " (summary mode counts no callback: which callbacks"
		" belong to ops structs that ran, which does not say they were called; --full"
		" counts each)" : " (summary mode: per-callback counts need --full)");
	for (int r = 0; r < WC_CR_N; r++) {
		bool first = true;

		if (!rc[r].total)
			continue;
		if (r >= WC_CR_TEST && !c->by_ops) {
			fprintf(out, "#   %-14s %d exist (not traced: census only)\n",
				role_names[r], rc[r].total);
			continue;
		}
		if (!counted || (!measured && r == WC_CR_ENTRY)) {
			fprintf(out, "#   %-14s %d exist, %d traced\n", role_names[r], rc[r].total,
				rc[r].traced);
			continue;
		}
		fprintf(out, "#   %-14s %s %d of %d%s", role_names[r],
			measured ? "reached" : "in ops structs that ran:", rc[r].reached, rc[r].total,
			rc[r].reached == rc[r].total ? "" : measured ? "; not reached: " : "; not: ");
		for (int i = 0; i < c->n; i++) {
			char nb[300];

			if (c->it[i].role != (unsigned int)r || reached(&c->it[i], measured))
				continue;
			item_name(&c->it[i], nb, sizeof(nb));
			fprintf(out, "%s%s%s", first ? "" : ", ", nb,
				c->it[i].traced ? "" : " (not traced)");
			first = false;
		}
		fprintf(out, "\n");
	}
	if (!counted)
		return;
	fprintf(out, "#\n# %10s %10s %8s  %-14s %-40s %s\n", measured ? "walks" : "ops-walks",
		"visits", "retries", "role", "function", "ops");
	for (int i = 0; i < c->n; i++) {
		const struct wc_census_item *x = &c->it[i];
		char nb[300], ob[700], wb[24], vb[24], rb[24];

		if (!reached(x, measured))
			continue;
		item_name(x, nb, sizeof(nb));
		if (measured)
			ops_list(x, syms, ob, sizeof(ob));
		else
			snprintf(ob, sizeof(ob), "%s", x->group);
		snprintf(wb, sizeof(wb), "%" PRIu64, measured ? x->walks : x->ops_walks);
		snprintf(vb, sizeof(vb), "%" PRIu64, x->calls);
		snprintf(rb, sizeof(rb), "%" PRIu64, x->retries);
		fprintf(out, "  %10s %10s %8s  %-14s %-40s %s\n",
			!measured || x->role == WC_CR_ENTRY ? wb : "-", measured ? vb : "-",
			measured ? rb : "-", role_names[x->role], nb, ob);
	}
}

struct json_object *wc_census_json(const struct wc_census *c, bool measured,
				   const struct wc_symtab *syms)
{
	struct json_object *o = json_object_new_object(), *roles = json_object_new_object();
	struct json_object *items = json_object_new_array();
	struct role_count rc[WC_CR_N];

	count_roles(c, rc, measured);
	json_object_object_add(o, "measured", json_object_new_boolean(measured));
	json_object_object_add(o, "by_ops", json_object_new_boolean(!measured && c->by_ops));
	for (int r = 0; r < WC_CR_N; r++) {
		struct json_object *x;

		if (!rc[r].total)
			continue;
		x = json_object_new_object();
		wc_json_add_u64(x, "exist", (uint64_t)rc[r].total);
		wc_json_add_u64(x, "traced", (uint64_t)rc[r].traced);
		if (measured)
			wc_json_add_u64(x, "reached", (uint64_t)rc[r].reached);
		else if (c->by_ops && r != WC_CR_ENTRY)
			wc_json_add_u64(x, "in_ops_that_ran", (uint64_t)rc[r].reached);
		json_object_object_add(roles, role_names[r], x);
	}
	json_object_object_add(o, "roles", roles);
	for (int i = 0; i < c->n; i++) {
		const struct wc_census_item *x = &c->it[i];
		struct json_object *j = json_object_new_object(), *ops = json_object_new_array();

		wc_json_add_str(j, "name", x->name);
		if (*x->module)
			wc_json_add_str(j, "module", x->module);
		wc_json_add_str(j, "role", role_names[x->role]);
		json_object_object_add(j, "traced", json_object_new_boolean(x->traced));
		if (*x->group)
			wc_json_add_str(j, "group", x->group);
		if (!measured && c->by_ops && x->role != WC_CR_ENTRY)
			wc_json_add_u64(j, "ops_walks", x->ops_walks);
		if (measured) {
			json_object_object_add(j, "reached", json_object_new_boolean(reached(x, true)));
			if (x->role == WC_CR_ENTRY)
				wc_json_add_u64(j, "walks", x->walks);
			wc_json_add_u64(j, x->role == WC_CR_ENTRY ? "calls" : "visits", x->calls);
			if (x->role != WC_CR_ENTRY)
				wc_json_add_u64(j, "retries", x->retries);
			for (unsigned int k = 0; k < x->nops; k++) {
				char nb[160];

				json_object_array_add(ops, json_object_new_string(
					wc_ops_name(syms, x->ops[k], "[unknown]", nb, sizeof(nb))));
			}
		}
		json_object_object_add(j, "ops", ops);
		json_object_array_add(items, j);
	}
	json_object_object_add(o, "entries", items);
	return o;
}

void wc_census_list(const struct wc_census *c, FILE *out, const struct wc_walkops *ops, int n)
{
	struct role_count rc[WC_CR_N];

	count_roles(c, rc, true);
	fprintf(out, "# walker users on this kernel (BTF and kallsyms):");
	for (int r = 0; r < WC_CR_N; r++)
		if (rc[r].total)
			fprintf(out, " %d %s%s", rc[r].total, role_names[r],
				r == WC_CR_ENTRY ? " points" : "");
	fprintf(out, "\n%-14s %-48s %-6s %s\n", "ROLE", "FUNCTION", "TRACED", "OPS");
	for (int r = 0; r < WC_CR_N; r++)
		for (int i = 0; i < c->n; i++) {
			char nb[300];

			if (c->it[i].role != (unsigned int)r)
				continue;
			item_name(&c->it[i], nb, sizeof(nb));
			fprintf(out, "%-14s %-48s %-6s %s\n", role_names[r], nb,
				c->it[i].traced ? "yes" : "no", c->it[i].group);
		}
	if (n <= 0)
		return;
	fprintf(out, "# ops structs named in the symbol table (/proc/kcore), with their callbacks:\n");
	for (int k = 0; k < n; k++) {
		fprintf(out, "%-40s", ops[k].name);
		for (int m = 0; m < WC_WALKOPS_MEMBERS && ops[k].member[m]; m++)
			if (*ops[k].cb[m])
				fprintf(out, " %s=%s", ops[k].member[m], ops[k].cb[m]);
		fprintf(out, "\n");
	}
}
