// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The walker census (census.h): entries from a plan (only what kallsyms
 * has), the header round trip (traced slots plus census_untraced), and the
 * counts events give: walks only for outermost entry points, visits and
 * AGAIN retries per callback, the ops each ran with; "reached N of M".
 */
#include <stdlib.h>
#include <string.h>
#include "census.h"
#include "check.h"
#include "recfile.h"

static struct wc_target target(const char *name, unsigned role, unsigned kind, int nsyms, bool use)
{
	struct wc_target t;

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.slot = wc_slot_empty(role, kind);
	t.nsyms = nsyms;
	t.use = use;
	return t;
}

static struct wc_event visit(uint16_t slot, uint8_t kind, uint8_t action, uint64_t ops)
{
	struct wc_event e;

	memset(&e, 0, sizeof(e));
	e.type = WC_EV_VISIT;
	e.slot = slot;
	e.kind = kind;
	e.action = action;
	e.ops = ops;
	return e;
}

static const struct wc_census_item *find(const struct wc_census *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->it[i].name, name))
			return &c->it[i];
	return NULL;
}

int main(void)
{
	struct wc_target t[] = {
		target("walk_page_range", WC_R_WALK, WC_K_NONE, 1, true),
		target("walk_page_range_mm", WC_R_WALK, WC_K_NONE, 1, true),
		target("walk_page_mapping", WC_R_WALK, WC_K_NONE, 0, false),	/* inlined */
		target("__walk_page_range", WC_R_CHUNK, WC_K_NONE, 1, true),	/* no walker user */
		target("smaps_pte_range", WC_R_CALLBACK, WC_K_PMD_ENTRY, 1, true),
		target("mincore_pte_range", WC_R_CALLBACK, WC_K_PMD_ENTRY, 1, true),
		target("dup_pmd_entry", WC_R_CALLBACK, WC_K_PMD_ENTRY, 2, false),	/* not unique */
		target("clear_refs_test_walk", WC_R_UNUSED, WC_K_CENSUS_TEST, 1, false),
		target("x_pre_vma", WC_R_UNUSED, WC_K_CENSUS_TEST, 1, false),
	};
	struct wc_plan plan = { .t = t, .n = sizeof(t) / sizeof(t[0]) };
	struct wc_census c;
	struct json_object *hdr, *j, *v;
	const struct wc_census_item *x;
	struct wc_event e;

	wc_census_init(&c);
	check(wc_census_from_plan(&c, &plan) == 0, "census from a plan");
	check(c.n == 7, "from the plan: 7 walker users (no chunk, nothing inlined) (%d)", c.n);
	x = find(&c, "dup_pmd_entry");
	check(x && x->role == WC_CR_PMD && !x->traced, "a name twice in kallsyms is listed, untraced");
	x = find(&c, "x_pre_vma");
	check(x && x->role == WC_CR_PRE_VMA, "a pre_vma callback is told from test_walk by name");
	x = find(&c, "clear_refs_test_walk");
	check(x && x->role == WC_CR_TEST, "test_walk callback listed");
	/* grouped as walkops.h would: smaps_pte_range in two ops structs */
	x = find(&c, "smaps_pte_range");
	check(x != NULL, "smaps_pte_range listed");
	if (x)
		snprintf(((struct wc_census_item *)x)->group, sizeof(x->group),
			 "smaps_walk_ops,smaps_shmem_walk_ops");

	/* a stream header: slots 0..3 traced, the rest in census_untraced */
	hdr = wc_hdr_new(0, NULL, "fentry");
	wc_hdr_add_slot(hdr, 0, "walk_page_range", NULL, WC_R_WALK, "walk", 0, "fentry");
	wc_hdr_add_slot(hdr, 1, "walk_page_range_mm", NULL, WC_R_WALK, "walk", 0, "fentry");
	wc_hdr_add_slot(hdr, 2, "smaps_pte_range", NULL, WC_R_CALLBACK, "callback", WC_K_PMD_ENTRY, "fentry");
	wc_hdr_add_slot(hdr, 3, "mincore_pte_range", NULL, WC_R_CALLBACK, "callback", WC_K_PMD_ENTRY, "fentry");
	wc_hdr_add_slot(hdr, 4, "__walk_page_range", NULL, WC_R_CHUNK, "chunk", 0, "fentry");
	wc_census_header_add(hdr, &c);
	wc_census_free(&c);
	wc_census_init(&c);
	wc_census_from_header(&c, hdr);
	check(c.n == 7, "from the header: 4 traced and 3 untraced (%d)", c.n);
	x = find(&c, "dup_pmd_entry");
	check(x && !x->traced && x->role == WC_CR_PMD, "census_untraced keeps the role");
	x = find(&c, "smaps_pte_range");
	check(x && !strcmp(x->group, "smaps_walk_ops,smaps_shmem_walk_ops"), "census_groups kept");

	/* summary mode: a callback is in an ops struct that ran */
	wc_census_clear_ops(&c);
	wc_census_mark_ops(&c, "smaps_shmem_walk_ops", 4);
	wc_census_mark_ops(&c, "smaps_walk", 100);	/* a prefix is no match */
	check(x && x->ops_walks == 4 && c.by_ops, "the second ops struct of a callback counts (4 walks)");
	wc_census_clear_ops(&c);
	check(x && x->ops_walks == 0 && !c.by_ops, "cleared");
	/* an ops struct no symbol names: its name's callback, only it */
	wc_census_mark_ops(&c, "ops of mincore_pte_range", 3);
	wc_census_mark_ops(&c, "ops of no_such_function", 5);
	check(x->ops_walks == 0 && find(&c, "mincore_pte_range") &&
	      find(&c, "mincore_pte_range")->ops_walks == 3, "'ops of X' counts X alone (3 walks)");
	wc_census_clear_ops(&c);

	/* one walk entered at walk_page_range, nested walk_page_range_mm */
	memset(&e, 0, sizeof(e));
	e.type = WC_EV_WALK_BEGIN;
	e.slot = 0;
	wc_census_event(&c, &e);
	e.slot = 1;
	e.flags = WC_F_NESTED;
	wc_census_event(&c, &e);
	e = visit(2, WC_K_PMD_ENTRY, WC_ACT_SUBTREE, 0xffffffff82000000ull);
	wc_census_event(&c, &e);
	e = visit(2, WC_K_PMD_ENTRY, WC_ACT_AGAIN, 0xffffffff82000000ull);
	wc_census_event(&c, &e);
	e = visit(2, WC_K_PMD_ENTRY, WC_ACT_SUBTREE, 0xffffffff82000100ull);
	wc_census_event(&c, &e);
	e = visit(77, WC_K_PMD_ENTRY, WC_ACT_SUBTREE, 0);	/* a slot of no census entry */
	wc_census_event(&c, &e);
	x = find(&c, "walk_page_range");
	check(x && x->walks == 1 && x->calls == 1, "outermost entry: 1 walk");
	x = find(&c, "walk_page_range_mm");
	check(x && x->walks == 0 && x->calls == 1, "nested entry: a call, no walk");
	x = find(&c, "smaps_pte_range");
	check(x && x->calls == 3 && x->retries == 1 && x->nops == 2,
	      "callback: 3 visits, 1 retry, 2 ops ids");
	x = find(&c, "mincore_pte_range");
	check(x && x->calls == 0, "a callback never visited is not reached");

	j = wc_census_json(&c, true, NULL);
	check(json_object_object_get_ex(j, "roles", &v) &&
	      json_object_object_get_ex(v, "pmd_entry", &v) &&
	      json_object_get_int(json_object_object_get(v, "reached")) == 1 &&
	      json_object_get_int(json_object_object_get(v, "exist")) == 3 &&
	      json_object_get_int(json_object_object_get(v, "traced")) == 2,
	      "JSON: pmd_entry reached 1 of 3, 2 traced");
	json_object_put(j);
	j = wc_census_json(&c, false, NULL);
	check(json_object_object_get_ex(j, "roles", &v) &&
	      json_object_object_get_ex(v, "pmd_entry", &v) &&
	      !json_object_object_get_ex(v, "reached", NULL),
	      "JSON, not measured (summary mode): no reached count");
	json_object_put(j);
	wc_census_free(&c);
	json_object_put(hdr);
	return failures ? 1 : 0;
}
