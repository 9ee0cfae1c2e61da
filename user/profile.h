/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What a run did, in the terms walkcov diff compares (docs/report.md, "walkcov
 * diff"): per ops struct its walks, bytes, visits per level, holes,
 * descents, retries and anomalies; per walk entry point its walks; per
 * callback its visits and retries (the census, full mode only); anomalies
 * by type. Read from the JSON document of walkcov report --json (or trace,
 * check --json); a record file goes through the report first. The document
 * is untrusted: every field is type-checked, names keep printable ASCII.
 */
#ifndef WALKCOV_PROFILE_H
#define WALKCOV_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

enum wc_prof_kind {
	WC_PK_RUN = 0,		/* the run: anomalies by type, walks */
	WC_PK_OPS = 1,
	WC_PK_ENTRY = 2,	/* a walk entry point (census) */
	WC_PK_CALLBACK = 3,	/* a callback (census, full mode) */
};

#define WC_PROF_METRICS 13
#define WC_PROF_MAX_ITEMS 8192
#define WC_PROF_NAME 160

struct wc_prof_item {
	char name[WC_PROF_NAME];	/* printable ASCII */
	unsigned int kind;		/* enum wc_prof_kind */
	uint64_t v[WC_PROF_METRICS];	/* by wc_prof_metrics(kind) */
};

struct wc_profile {
	struct wc_prof_item *it;
	size_t n, cap;
	uint64_t walks;			/* walks of the run */
	bool census;			/* per-callback counts present (full mode) */
	char kernel[128];
	char mode[16];			/* "full", "summary" */
};

/* The metric names of KIND, NULL-terminated; the walk count of an ops row is
 * its metric 0. */
const char *const *wc_prof_metrics(unsigned int kind);
const char *wc_prof_kind_name(unsigned int kind);

/* From a report's JSON document: 0, or -1 with the reason in ERR. */
int wc_profile_from_json(struct wc_profile *p, struct json_object *doc, char *err, size_t errlen);
/* Item of KIND named NAME, or NULL. */
const struct wc_prof_item *wc_profile_find(const struct wc_profile *p, unsigned int kind,
					   const char *name);
void wc_profile_free(struct wc_profile *p);

#endif
