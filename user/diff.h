/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * walkcov diff's comparison of two runs (profile.h), in the style of perf
 * diff: one row per item and metric that changed, with both counts, the
 * delta and the ratio, and the values normalised so that runs of different
 * length compare honestly (docs/report.md, "walkcov diff"):
 *   an ops struct's counts other than walks: per walk of that ops struct;
 *   walks (per ops, per entry point), callback visits and retries, and
 *   anomalies: per 1000 walks of the run; the run's bytes: per walk.
 * Rows are sorted by the relative change of the normalised value (1 =
 * appeared or vanished), then by the raw delta. B "regresses" (status 1)
 * when it has an anomaly type A had none of, or an ops struct A reached
 * was not reached in B.
 */
#ifndef WALKCOV_DIFF_H
#define WALKCOV_DIFF_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "profile.h"

struct wc_diff_row {
	unsigned int kind;	/* enum wc_prof_kind */
	const char *name;	/* the item's, in its profile */
	const char *metric;
	uint64_t a, b;
	double na, nb;		/* normalised */
	const char *norm;	/* how: "per ops walk", "per 1000 walks", "per walk", "raw" */
	double score;		/* relative change of the normalised value, 0 to 1 */
};

struct wc_diff {
	struct wc_diff_row *rows;	/* rows that changed, sorted */
	size_t n, cap;
	size_t compared;		/* item metrics compared */
	const char *new_types[8];	/* anomaly types B has and A had not */
	int n_new_types;
	const char **lost_ops;		/* ops A reached, B did not */
	size_t n_lost_ops;
	bool census;			/* callbacks compared (both had per-callback counts) */
};

/* 0, or -1 out of memory. D borrows names from A and B. */
int wc_diff_compute(struct wc_diff *d, const struct wc_profile *a, const struct wc_profile *b);
/* 1: B regresses (new anomaly type or an ops no longer reached), else 0. */
int wc_diff_status(const struct wc_diff *d);
void wc_diff_print(const struct wc_diff *d, FILE *out, const char *aname, const struct wc_profile *a,
		   const char *bname, const struct wc_profile *b);
struct json_object *wc_diff_json(const struct wc_diff *d, const char *aname,
				 const struct wc_profile *a, const char *bname,
				 const struct wc_profile *b);
void wc_diff_free(struct wc_diff *d);

#endif
