/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The walker census (docs/report.md, "The census"): every user of the page
 * walker this kernel has, as the attach plan found it (plan.h: walk entry
 * points and mm_walk_ops callbacks by role, from BTF and kallsyms), and what
 * one run reached: walks per entry point, visits and retries per callback,
 * the ops structs each callback ran with. Built from a plan (walkcov probes
 * --census) or from a stream's header (record, report, trace, check), then
 * fed the stream's events. Counts per callback need every event (full
 * mode); summary mode sends only anomalies, so there the census says which
 * callbacks exist and the report's ops rows say what was reached.
 */
#ifndef WALKCOV_CENSUS_H
#define WALKCOV_CENSUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "plan.h"
#include "symtab.h"
#include "walkcov.h"
#include "walkops.h"

/* A census entry's role: a walk entry point or a callback member. */
enum wc_census_role {
	WC_CR_ENTRY = 0,
	WC_CR_PGD, WC_CR_P4D, WC_CR_PUD, WC_CR_PMD, WC_CR_PTE, WC_CR_HOLE,
	WC_CR_HUGETLB, WC_CR_INSTALL, WC_CR_TEST, WC_CR_PRE_VMA, WC_CR_POST_VMA,
	WC_CR_N,
};

#define WC_CENSUS_OPS 4		/* ops ids kept per callback */
#define WC_CENSUS_MAX 4096	/* entries kept (a crafted header may claim more) */

struct wc_census_item {
	char name[128];
	char module[64];	/* "" for vmlinux */
	unsigned int role;	/* enum wc_census_role */
	bool traced;		/* an attach slot follows it */
	uint64_t walks;		/* entry point: walks it began (outermost) */
	uint64_t calls;		/* entry point: calls, nested ones too; callback: visits */
	uint64_t retries;	/* callback: visits that left ACTION_AGAIN */
	uint64_t ops[WC_CENSUS_OPS];	/* ops ids it ran with, the first few */
	unsigned int nops;
	char group[256];	/* callback: the named ops structs holding it (walkops.h),
				 * comma-separated, "" if none is known */
	uint64_t ops_walks;	/* summary mode: walks of that ops struct (wc_census_mark_ops) */
};

struct wc_census {
	struct wc_census_item *it;
	int n;
	size_t cap;
	int slot_item[WC_MAX_SLOTS];	/* item per attach slot, -1 none */
	uint64_t events;		/* events counted (full mode) */
	bool by_ops;			/* reached counted from ops rows (summary mode) */
};

void wc_census_init(struct wc_census *c);
void wc_census_free(struct wc_census *c);

/* "entry", "pmd_entry", ... */
const char *wc_census_role_name(unsigned int role);
/* Role of an attach slot's (role, kind), or -1 when it is no walker user. */
int wc_census_role_of(unsigned int role, unsigned int kind, const char *name);

/* Every walker user of PLAN that is in kallsyms: 0, or -1 out of memory. */
int wc_census_from_plan(struct wc_census *c, const struct wc_plan *plan);
/* Group the callbacks by the named ops structs of the running kernel
 * (walkops.h, KS its kallsyms): 0, or -1 with the reason in ERR (no
 * /proc/kcore: the callbacks stay ungrouped). OPS and N, if not NULL, get
 * the ops structs (caller frees). */
int wc_census_group(struct wc_census *c, const struct ksyms *ks, struct wc_walkops **ops,
		    int *n, char *err, size_t errlen);
/* Into a stream header: the walker users C has that no slot traces
 * ("census_untraced": {role: [name, ...]}) and each callback's named ops
 * struct ("census_groups": {callback: ops}), so a report lists them. */
void wc_census_header_add(struct json_object *hdr, const struct wc_census *c);
/* Summary mode: the ops struct NAME ran WALKS walks; its callbacks count as
 * reached (by ops), or, for an ops struct no symbol names ("ops of X"), the
 * callback X it is named after. wc_census_clear_ops first. */
void wc_census_clear_ops(struct wc_census *c);
void wc_census_mark_ops(struct wc_census *c, const char *name, uint64_t walks);
/* From a stream header: its traced slots and "census_untraced". */
void wc_census_from_header(struct wc_census *c, struct json_object *hdr);
/* Count one event. */
void wc_census_event(struct wc_census *c, const struct wc_event *e);

/* Text (per role: how many reached, which not; then each reached entry)
 * and JSON. MEASURED: per-callback counts were taken (full mode); else only
 * the list. SYMS names ops ids. */
void wc_census_print(const struct wc_census *c, FILE *out, bool measured,
		     const struct wc_symtab *syms);
struct json_object *wc_census_json(const struct wc_census *c, bool measured,
				   const struct wc_symtab *syms);
/* walkcov probes --census: what exists, traced or not, no counts; then
 * the N named ops structs OPS with their callbacks. */
void wc_census_list(const struct wc_census *c, FILE *out, const struct wc_walkops *ops, int n);

#endif
