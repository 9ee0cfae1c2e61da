/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Events in, report out: the coverage engine feeding the report, as a sink
 * (sink.h) that a record file (report) or a live session (trace, check)
 * drives the same way. */
#ifndef WALKCOV_ANALYSIS_H
#define WALKCOV_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include "anomalies.h"
#include "coverage.h"
#include "report.h"
#include "sink.h"

struct wc_analysis {
	struct wc_sink sink;
	struct wc_engine *engine;
	struct wc_report *report;
	uint64_t events;
	/* summary mode: rows from the in-kernel counters, anomalies merged
	 * from WC_EV_ANOMALY events, with their stacks */
	bool summary;
	struct wc_merger *merger;
	char **stacks;			/* per stack id: frames joined by '\n' */
	bool quiet_truncation;		/* wc_analysis_file: no truncation warning */
	uint64_t file_events;		/* ... the events it read */
};

/*
 * Walks the engine keeps open at once (its max_open; the engine's own
 * default is 32768): beyond, the oldest is closed as incomplete. A walk
 * stays open only while its task is inside it (or its end was lost, until
 * the task starts another walk or goes idle), so 4096 is far above what a
 * machine does at once, and it bounds what a crafted file of never-ended
 * walks costs: about 4.6 KB each, 19 MB at the cap instead of 150 MB
 * (docs/file-format.md, "Memory on any input").
 */
#define WC_ANALYSIS_MAX_OPEN 4096

/* 0, or -1 out of memory. */
int wc_analysis_init(struct wc_analysis *a, uint32_t livelock_retries);
void wc_analysis_free(struct wc_analysis *a);
/* Take the report from the in-kernel judge (summary mode) instead of the
 * engine: call before the stream begins. 0, or -1 out of memory. */
int wc_analysis_summary_mode(struct wc_analysis *a);

/* Replay a record file through the analysis (0 ok, 1 truncated, -1 error). */
int wc_analysis_file(struct wc_analysis *a, const char *path);

/* Print the report (text, or JSON with json) on stdout; -1 on write error. */
int wc_analysis_print(struct wc_analysis *a, bool json);
/* Exit status of a verdict: 1 on any double, out-of-order visit or livelock,
 * 3 when the run could not be proven, 0 when proven clean. */
int wc_analysis_verdict(struct wc_analysis *a);

#endif
