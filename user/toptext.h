/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * walkcov top's text: the header lines, the table of a view (topview.h) and
 * one line per anomaly, the same for the live screen and the plain
 * snapshots (--once, -n, stdout not a terminal). Columns starting with '+'
 * are what grew over the last interval; WALKS, DOUBLES and GAPS are totals
 * since the start. The screen cuts the lines to its width; plain output does not.
 */
#ifndef WALKCOV_TOPTEXT_H
#define WALKCOV_TOPTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "topview.h"
#include "walkcov.h"

struct wc_top_head {
	const char *kernel;
	const char *mechanism;
	double elapsed_s;
	int group;		/* enum wc_top_group */
	int sort;		/* enum wc_top_sort */
	bool final;		/* the session's last snapshot */
	uint64_t anomalies;	/* anomalies (merged) so far */
};

/* Two lines: kernel, mechanism, elapsed, grouping and sort; then walks
 * open, anomalies and the lost events per cause. */
void wc_top_print_head(FILE *f, const struct wc_top_head *h, const struct wc_top_view *v);

/* The column header, the rows, "others" (if any were folded) and "total". */
void wc_top_print_table(FILE *f, const struct wc_top_view *v, int group);

/* One anomaly event (WC_EV_ANOMALY, bpf/walkcov.h): time since START_NS,
 * type, comm/pid, ops name, range, count, who split it. */
void wc_top_print_anomaly(FILE *f, const struct wc_event *e, const char *ops_name,
			  uint64_t start_ns);

#endif
