// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What stress prints on stdout: --list, and the summary of a run, as text
 * or as one JSON object (docs/stress.md, "The summary"). */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "errors.h"
#include "internal.h"

static double avg_us(const struct unit *u)
{
	unsigned long n = atomic_load(&u->calls);

	return n ? (double)atomic_load(&u->ns) / n / 1000.0 : 0;
}

static const char *kind_of(const struct unit *u)
{
	return u->d->kind == WALKER ? "walker" : "splitter";
}

static const char *state_of(const struct unit *u)
{
	if (!u->enabled)
		return "skipped";
	if (!u->present)
		return "missing";
	if (atomic_load(&u->errors))
		return "failed";
	if (atomic_load(&u->calls) > atomic_load(&u->soft))
		return "reached";
	return "idle";
}

static const char *detail_of(const struct unit *u)
{
	if (u->enabled && !u->present)
		return u->why;
	if (atomic_load(&u->have_err))
		return u->first_err;
	if (!u->note[0] && atomic_load(&u->have_busy))
		return u->first_busy;
	return u->note;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}

/* Prints o as one line on stdout and frees it. */
static void put_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* The unit's census rows on this kernel: for each comma-separated item,
 * the first of its '|' alternatives the kernel has; ADD gets each name. */
static void each_callback(struct ctx *c, const struct unit *u,
			  void (*add)(const char *name, size_t len, void *arg), void *arg)
{
	const char *p = u->d->callbacks;

	while (p && *p) {
		size_t item = strcspn(p, ",");

		for (const char *q = p; q < p + item;) {
			size_t len = strcspn(q, "|,");
			char name[128];

			snprintf(name, sizeof(name), "%.*s", (int)len, q);
			if (!c->o->has_function || c->o->has_function(name, c->o->has_ctx)) {
				add(q, len, arg);
				break;
			}
			q += len + (q[len] == '|');
		}
		p += item + (p[item] == ',');
	}
}

static void add_json(const char *name, size_t len, void *arg)
{
	json_object_array_add(arg, json_object_new_string_len(name, (int)len));
}

static void add_text(const char *name, size_t len, void *arg)
{
	int *n = arg;

	printf("%s%.*s", (*n)++ ? ", " : "", (int)len, name);
}

static void list_json(struct ctx *c)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];
		json_object *j = json_object_new_object();

		add_str(j, "name", u->d->name);
		add_str(j, "kind", kind_of(u));
		json_object_object_add(j, "present", json_object_new_boolean(u->present));
		add_str(j, "reaches", u->d->reaches);
		json_object_object_add(j, "callbacks", json_object_new_array());
		each_callback(c, u, add_json, json_object_object_get(j, "callbacks"));
		if (!u->present)
			add_str(j, "reason", u->why);
		if (u->note[0])
			add_str(j, "note", u->note);
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "units", a);
	put_json(o);
}

void print_list(struct ctx *c)
{
	if (c->o->json) {
		list_json(c);
		return;
	}
	printf("%-14s %-8s %-8s %s\n", "NAME", "KIND", "KERNEL", "REACHES / WHY MISSING");
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];
		int n = 0;

		printf("%-14s %-8s %-8s %s\n", u->d->name, kind_of(u),
		       u->present ? "has" : "missing", u->present ? u->d->reaches : u->why);
		if (!u->d->callbacks)
			continue;
		printf("%-32s census: ", "");
		each_callback(c, u, add_text, &n);
		printf("%s\n", n ? "" : "(none on this kernel)");
	}
	printf("# census: the mm_walk_ops callbacks each walker reaches beyond the process's"
	       " start-up (smaps_pte_range), measured by tests/vm/census.sh; docs/stress.md"
	       " lists the walker users no unit reaches, and why\n");
}

static json_object *unit_json(const struct unit *u)
{
	json_object *j = json_object_new_object();

	add_str(j, "name", u->d->name);
	add_str(j, "state", state_of(u));
	json_object_object_add(j, "calls", json_object_new_int64(atomic_load(&u->calls)));
	json_object_object_add(j, "errors", json_object_new_int64(atomic_load(&u->errors)));
	json_object_object_add(j, "busy", json_object_new_int64(atomic_load(&u->soft)));
	json_object_object_add(j, "avg_us", json_object_new_double(avg_us(u)));
	if (u->enabled && !u->present)
		add_str(j, "reason", u->why);
	if (atomic_load(&u->have_err))
		add_str(j, "first_error", u->first_err);
	if (atomic_load(&u->have_busy))
		add_str(j, "first_busy", u->first_busy);
	if (u->note[0])
		add_str(j, "note", u->note);
	return j;
}

static void summary_json(struct ctx *c, const struct summary *s, const char *kernel)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object();
	json_object *v = json_object_new_object(), *ws = json_object_new_array();
	json_object *ss = json_object_new_array();

	add_str(o, "kernel", kernel);
	json_object_object_add(o, "duration_s", json_object_new_double(c->o->duration));
	json_object_object_add(o, "threads", json_object_new_int(c->o->seeded ? 1 : c->o->threads));
	if (c->o->seeded) {
		json_object_object_add(o, "seed", json_object_new_uint64(c->o->seed));
		json_object_object_add(o, "ops", json_object_new_uint64(c->o->ops));
	}
	json_object_object_add(o, "arena_mib", json_object_new_int64(c->size >> 20));
	json_object_object_add(o, "retry_vma_mib", json_object_new_int64(RETRY_LEN >> 20));
	add_str(t, "enabled", c->thp_enabled);
	if (c->thp_note[0])
		add_str(t, "note", c->thp_note);
	json_object_object_add(t, "anon_huge_kb_formed", json_object_new_int64(c->ahp_formed));
	json_object_object_add(t, "anon_huge_kb_start", json_object_new_int64(s->ahp0));
	json_object_object_add(t, "anon_huge_kb_end", json_object_new_int64(s->ahp1));
	json_object_object_add(o, "thp", t);
	for (size_t i = 0; i < NVMSTAT; i++)
		json_object_object_add(v, vmstat_keys[i], s->vm0[i] < 0 || s->vm1[i] < 0 ? NULL :
				       json_object_new_int64(s->vm1[i] - s->vm0[i]));
	json_object_object_add(o, "vmstat_delta", v);
	for (size_t i = 0; i < c->nunits; i++)
		json_object_array_add(c->units[i].d->kind == WALKER ? ws : ss, unit_json(&c->units[i]));
	json_object_object_add(o, "walkers", ws);
	json_object_object_add(o, "splitters", ss);
	add_str(o, "result", s->ok ? "ok" : "failed");
	put_json(o);
}

static void summary_text(struct ctx *c, const struct summary *s, const char *kernel)
{
	if (c->o->seeded)
		printf("walkcov stress: seed %" PRIu64 ", %lu operations in one thread, arena %zu MiB"
		       " + retry VMA %lu MiB, kernel %s\n", c->o->seed, c->o->ops, c->size >> 20,
		       RETRY_LEN >> 20, kernel);
	else
		printf("walkcov stress: %.3g s, %d reader threads, arena %zu MiB + retry VMA %lu MiB,"
		       " kernel %s\n", c->o->duration, c->o->threads, c->size >> 20,
		       RETRY_LEN >> 20, kernel);
	printf("thp: enabled=%s%s%s; AnonHugePages in the arenas: %ld kB formed, %ld kB at start, %ld kB at end\n",
	       c->thp_enabled[0] ? c->thp_enabled : "?", c->thp_note[0] ? ", " : "", c->thp_note,
	       c->ahp_formed, s->ahp0, s->ahp1);
	printf("vmstat:");
	for (size_t i = 0; i < NVMSTAT; i++) {
		if (s->vm0[i] < 0 || s->vm1[i] < 0)
			printf(" %s n/a", vmstat_keys[i]);
		else
			printf(" %s +%lld", vmstat_keys[i], s->vm1[i] - s->vm0[i]);
	}
	printf(" (system-wide)\n");
	printf("%-14s %-8s %-8s %10s %7s %7s %9s  %s\n", "NAME", "KIND", "STATE", "CALLS", "ERRORS",
	       "BUSY", "AVG_US", "DETAIL");
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		printf("%-14s %-8s %-8s %10lu %7lu %7lu %9.1f  %s\n", u->d->name, kind_of(u),
		       state_of(u), atomic_load(&u->calls), atomic_load(&u->errors),
		       atomic_load(&u->soft), avg_us(u), detail_of(u));
	}
	printf("result: %s\n", s->ok ? "ok" : "failed (a walker or splitter failed unexpectedly)");
}

void print_summary(struct ctx *c, const struct summary *s)
{
	struct utsname un;

	uname(&un);
	if (c->o->json)
		summary_json(c, s, un.release);
	else
		summary_text(c, s, un.release);
}

void print_failures(struct ctx *c)
{
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		if (runnable(u) && atomic_load(&u->errors))
			wc_err("stress: %s failed %lu times, first: %s", u->d->name,
			       atomic_load(&u->errors), u->first_err);
	}
}
