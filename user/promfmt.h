/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Summary snapshots (summary.h) as Prometheus metrics, in the text
 * exposition format 0.0.4 (docs/exporter.md). Pure: no I/O but the FILE
 * it renders into, no BPF; `walkcov exporter` serves its output over HTTP
 * and into node_exporter's textfile directory.
 *
 * Series are labelled ops and comm. To bound cardinality, each update
 * gives its own series only to max_series rows: those with a double,
 * out-of-order visit, livelock or gap first, then those with the most walks;
 * the rest are folded into one series labelled ops="other",
 * comm="other". Counters never go down, whatever the top-N set does: each
 * row's growth since the last update (a kernel counter that shrank counts
 * as reset, as Prometheus treats it) is added to the series the row
 * belongs to now, and a series keeps its value while it is not shown. So
 * a series shows what its rows did while they were in it, and the sum
 * over all series is what the kernel counted.
 */
#ifndef WALKCOV_PROMFMT_H
#define WALKCOV_PROMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "summary.h"

#define WC_PROM_MAX_SERIES_DEFAULT 20
#define WC_PROM_MAX_SERIES_LIMIT 10000

/* The per-row counters that become series (struct wc_sum_val's fields). */
enum wc_prom_counter {
	WC_PC_WALKS,
	WC_PC_COMPLETE,
	WC_PC_INCOMPLETE,
	WC_PC_PROVEN,
	WC_PC_STOPPED,
	WC_PC_UNSURE,
	WC_PC_BYTES,
	WC_PC_PMD_HUGE,
	WC_PC_PTE_VISITS,
	WC_PC_HOLES,
	WC_PC_RETRIES,
	WC_PC_DOUBLES,
	WC_PC_OUT_OF_ORDER,
	WC_PC_LIVELOCKS,
	WC_PC_GAPS,
	WC_PC_SPLITS_OWN,
	WC_PC_SPLITS_OTHER,
	WC_PC_N
};

struct wc_prom_series;
struct wc_prom_row;

struct wc_prom {
	size_t max_series;		/* series with their own labels, besides "other" */
	const char *version;		/* walkcov_build_info{version} */
	struct wc_prom_series *series;	/* uthash by labels */
	struct wc_prom_row *rows;	/* uthash by (ops id, comm): last values seen */
	struct wc_sum_totals t;		/* the latest totals (monotonic where counters) */
	uint64_t updates;
	bool nomem;			/* an update ran out of memory: the output says so */
};

void wc_prom_init(struct wc_prom *p, size_t max_series, const char *version);
void wc_prom_free(struct wc_prom *p);
/* Take a snapshot in: 0, or -1 out of memory (what fitted is kept). */
int wc_prom_update(struct wc_prom *p, const struct wc_snapshot *s);
/* The exposition, families in a fixed order, series sorted by labels.
 * Returns what fprintf reported last (negative on a write error). */
int wc_prom_render(const struct wc_prom *p, FILE *f);
/* The same into a malloc'd NUL-terminated string (*len without the NUL);
 * NULL out of memory. */
char *wc_prom_render_str(const struct wc_prom *p, size_t *len);

/* A label value as the format wants it: \\, \" and \n escaped; bytes that
 * are not printable ASCII (kernel symbols and comms are ASCII) as '?'.
 * Writes at most SIZE bytes with the NUL; returns the length it wanted. */
size_t wc_prom_escape(char *dst, size_t size, const char *src);

#endif
