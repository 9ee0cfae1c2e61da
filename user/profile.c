// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What a run did, from a report's JSON: see profile.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "profile.h"

static const char *const run_metrics[] = {
	"walks", "bytes", "doubles", "retries", "out_of_order", "livelocks", "gaps", NULL,
};
static const char *const ops_metrics[] = {
	"walks", "bytes", "pud_visits", "pmd_huge", "pmd_down", "pte_visits", "holes", "hugetlb",
	"retries", "doubles", "gaps", "out_of_order", "livelocks", NULL,
};
static const char *const entry_metrics[] = { "walks", "calls", NULL };
static const char *const callback_metrics[] = { "visits", "retries", NULL };

const char *const *wc_prof_metrics(unsigned int kind)
{
	switch (kind) {
	case WC_PK_RUN: return run_metrics;
	case WC_PK_OPS: return ops_metrics;
	case WC_PK_ENTRY: return entry_metrics;
	default: return callback_metrics;
	}
}

const char *wc_prof_kind_name(unsigned int kind)
{
	static const char *const names[] = { "run", "ops", "entry", "callback" };

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* A string field as printable ASCII (anything else as '?'), "" if absent. */
static void get_name(struct json_object *o, const char *key, char *buf, size_t size)
{
	struct json_object *v;
	const char *s = "";
	size_t i;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
}

/* A count field: a non-negative integer below 2^63 (json-c saturates a
 * larger one at INT64_MAX); absent is 0, anything else -1. */
static int get_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) == INT64_MAX)
		return -1;
	*out = json_object_get_uint64(v);
	return 0;
}

static int add_item(struct wc_profile *p, struct json_object *o, unsigned int kind,
		    const char *name, char *err, size_t errlen)
{
	const char *const *m = wc_prof_metrics(kind);
	struct wc_prof_item *x;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a %s entry is not an object", wc_prof_kind_name(kind));
		return -1;
	}
	if (p->n >= WC_PROF_MAX_ITEMS) {
		snprintf(err, errlen, "more than %d rows", WC_PROF_MAX_ITEMS);
		return -1;
	}
	if (wc_grow(&p->it, &p->cap, p->n + 1, sizeof(*p->it), 64)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x = &p->it[p->n];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	if (name)
		snprintf(x->name, sizeof(x->name), "%s", name);
	else
		get_name(o, "name", x->name, sizeof(x->name));
	for (int i = 0; m[i]; i++)
		if (get_u64(o, m[i], &x->v[i])) {
			snprintf(err, errlen, "%s '%s': \"%s\" is not a count",
				 wc_prof_kind_name(kind), x->name, m[i]);
			return -1;
		}
	p->n++;
	return 0;
}

static struct json_object *member(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* The census entries with counts (census.h): entry points and callbacks. */
static int add_census(struct wc_profile *p, struct json_object *census, char *err, size_t errlen)
{
	struct json_object *measured = member(census, "measured", json_type_boolean);
	struct json_object *entries = member(census, "entries", json_type_array);

	if (!measured || !json_object_get_boolean(measured) || !entries)
		return 0;
	p->census = true;
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);
		char role[32];

		if (!json_object_is_type(e, json_type_object)) {
			snprintf(err, errlen, "a census entry is not an object");
			return -1;
		}
		get_name(e, "role", role, sizeof(role));
		if (add_item(p, e, strcmp(role, "entry") ? WC_PK_CALLBACK : WC_PK_ENTRY, NULL,
			     err, errlen))
			return -1;
	}
	return 0;
}

int wc_profile_from_json(struct wc_profile *p, struct json_object *doc, char *err, size_t errlen)
{
	struct json_object *s = member(doc, "summary", json_type_object);
	struct json_object *ops = member(doc, "ops", json_type_array);
	struct json_object *census = member(doc, "census", json_type_object);

	memset(p, 0, sizeof(*p));
	if (!s || !ops) {
		snprintf(err, errlen, "not a walkcov report (no \"summary\" object or \"ops\" array)");
		return -1;
	}
	get_name(s, "kernel", p->kernel, sizeof(p->kernel));
	get_name(s, "mode", p->mode, sizeof(p->mode));
	if (add_item(p, s, WC_PK_RUN, "run", err, errlen))
		goto fail;
	p->walks = p->it[0].v[0];
	for (size_t i = 0; i < json_object_array_length(ops); i++)
		if (add_item(p, json_object_array_get_idx(ops, i), WC_PK_OPS, NULL, err, errlen))
			goto fail;
	if (census && add_census(p, census, err, errlen))
		goto fail;
	return 0;
fail:
	wc_profile_free(p);
	return -1;
}

const struct wc_prof_item *wc_profile_find(const struct wc_profile *p, unsigned int kind,
					   const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->it[i].kind == kind && !strcmp(p->it[i].name, name))
			return &p->it[i];
	return NULL;
}

void wc_profile_free(struct wc_profile *p)
{
	free(p->it);
	memset(p, 0, sizeof(*p));
}
