/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Events in, report out: the coverage engine feeding the report, shared by
 * `report` (from a file), `trace` and `check` (live). */
#ifndef WALKCOV_ANALYSIS_H
#define WALKCOV_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include "coverage.h"
#include "report.h"
#include "session.h"

struct wc_analysis {
	struct wc_engine *engine;
	struct wc_report *report;
	uint64_t events;
};

int wc_analysis_init(struct wc_analysis *a, uint32_t livelock_retries);
void wc_analysis_event(struct wc_analysis *a, const struct wc_event *e);
/* End of stream: close open walks, take the engine's statistics. */
void wc_analysis_finish(struct wc_analysis *a);
void wc_analysis_free(struct wc_analysis *a);

/* Replay a record file through the analysis (0 ok, 1 truncated, -1 error). */
int wc_analysis_file(struct wc_analysis *a, const char *path);
/* Fill the report's metadata from a live session. */
void wc_analysis_live_meta(struct wc_analysis *a, const struct wc_session_info *info,
			   const struct wc_session_result *res, int argc, char **argv);

/* Print the report (text, or JSON with json) on stdout; -1 on write error. */
int wc_analysis_print(struct wc_analysis *a, bool json);
/* Exit status of a verdict: 1 on any double, out-of-order visit or livelock. */
int wc_analysis_verdict(struct wc_analysis *a);

#endif
