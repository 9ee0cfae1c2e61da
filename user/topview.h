/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What `walkcov top` shows, computed from two summary snapshots (summary.h)
 * without any terminal: the rows grouped per ops struct or per command,
 * what each counter grew by over the interval (rates), sorted by a chosen
 * column, the first N shown and the rest folded into one "others" row.
 * Plain C, unit-tested (tests/unit/test_top.c).
 *
 * Counters only grow while a session runs. A (ops, command) row whose
 * counters went down was reset (its map entry was removed and re-created):
 * everything it has now is counted as new. A row that vanished adds
 * nothing to the interval and is not shown.
 */
#ifndef WALKCOV_TOPVIEW_H
#define WALKCOV_TOPVIEW_H

#include <stddef.h>
#include <stdint.h>
#include "summary.h"

/* What a row is (--by). */
enum wc_top_group {
	WC_TOP_BY_OPS = 0,
	WC_TOP_BY_COMM = 1,
};

/* The column the rows are sorted by (--sort, key s): the interval's growth
 * first (largest first), then the total, then the name. */
enum wc_top_sort {
	WC_TOP_SORT_WALKS = 0,
	WC_TOP_SORT_BYTES,
	WC_TOP_SORT_RETRIES,
	WC_TOP_SORT_DOUBLES,
	WC_TOP_SORT_GAPS,
	WC_TOP_SORT_SPLITS,	/* own + other */
	WC_TOP_SORT_INCOMPLETE,
	WC_TOP_SORT_NAME,	/* alphabetical */
	WC_TOP_SORT_N,
};

/* "walks", "bytes", ...; -1 for an unknown name. */
int wc_top_sort_parse(const char *name);
const char *wc_top_sort_name(int sort);
/* "ops" or "comm"; -1 for an unknown name. */
int wc_top_group_parse(const char *name);
const char *wc_top_group_name(int group);

struct wc_top_row {
	char name[128];		/* ops name (as the snapshot has it) or command */
	uint64_t ops;		/* WC_TOP_BY_OPS: the ops id */
	struct wc_sum_val total;	/* the counters in the newer snapshot */
	struct wc_sum_val delta;	/* what they grew by over the interval */
	size_t merged;		/* snapshot rows summed into this row */
};

struct wc_top_view {
	double interval_s;		/* between the two snapshots; 0: no rates */
	struct wc_top_row *rows;	/* shown, sorted */
	size_t n;
	size_t n_folded;		/* rows folded into "others" */
	struct wc_top_row others;	/* the sum of the folded rows */
	struct wc_top_row all;		/* the sum of every row */
	struct wc_sum_totals t;		/* session totals in the newer snapshot */
	struct wc_sum_totals dt;	/* what they grew by (walks_open is a gauge: 0) */
};

/*
 * Build V from PREV (NULL, or an empty snapshot with the session's start
 * time: everything counts as new) and CUR. MAX_ROWS > 0 limits the rows
 * shown, the "others" row included: past it, the first MAX_ROWS - 1 rows
 * are shown and the rest folded. 0 on success, -1 out of memory (V is then
 * empty). V must be freed with wc_top_view_free, also before a rebuild.
 */
int wc_top_view_build(struct wc_top_view *v, const struct wc_snapshot *prev,
		      const struct wc_snapshot *cur, int group, int sort, size_t max_rows);
void wc_top_view_free(struct wc_top_view *v);

/* DELTA per second of the view's interval (0 without one). */
double wc_top_rate(const struct wc_top_view *v, uint64_t delta);

/*
 * The anomaly list: the latest WC_TOP_ANOMALIES anomalies, in the order
 * they arrived. The kernel sends one WC_EV_ANOMALY per overlapping piece
 * (a double of a pmd-sized block arrives as one piece a pte); a piece with the
 * key of one of the last WC_TOP_MERGE_WINDOW entries is merged into it, by
 * the engine's rule (anomalies.h): type, walk, mm, and the pmd-sized block
 * (double, out-of-order), the kind and start (retry, livelock) or the
 * start (gap). The range
 * widens, ret (the count) adds up, a split by another task wins. Memory is
 * fixed, however long top runs.
 */
#define WC_TOP_ANOMALIES 256
#define WC_TOP_MERGE_WINDOW 16

struct wc_top_anomaly {
	struct wc_event e;	/* the first piece, with start, end, ret, cls and vma merged */
	char ops[128];		/* the ops name when it arrived */
};

struct wc_top_anomalies {
	struct wc_top_anomaly ring[WC_TOP_ANOMALIES];
	uint64_t n;		/* entries made since the start */
	uint64_t pieces;	/* events added */
};

/* Add one WC_EV_ANOMALY event; OPS names its ops. Returns its entry. */
const struct wc_top_anomaly *wc_top_anomaly_add(struct wc_top_anomalies *l,
						const struct wc_event *e, const char *ops);
/* Entry I (counted from the start), NULL if it is not kept any more. */
const struct wc_top_anomaly *wc_top_anomaly_get(const struct wc_top_anomalies *l, uint64_t i);

/* A deep copy of SRC into DST (DST's old rows freed); -1 out of memory. */
int wc_snapshot_copy(struct wc_snapshot *dst, const struct wc_snapshot *src);

#endif
