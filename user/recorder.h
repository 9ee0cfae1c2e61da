/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A tracing session's consumer: into a record file (record), or through the
 * coverage engine into a report (trace, check). */
#ifndef WALKCOV_RECORDER_H
#define WALKCOV_RECORDER_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include "analysis.h"
#include "recfile.h"
#include "session.h"

enum { OPT_JSON = 0x200, OPT_LIVELOCK };

struct recorder {
	struct wc_session_opts s;	/* first: argp children get it as input */
	bool live;			/* trace: analyse instead of writing */
	const char *output;
	bool json;
	uint32_t livelock;
	int argc;
	char **argv;
	struct wc_writer *w;
	struct wc_analysis an;
	struct wc_session_info info;
	bool failed;
	bool verdict;			/* check: exit 1 on anomalies */
};

/* Options: -o, --json, --livelock, the session's (as argp child 0) and the
 * workload after them. Use as the argp parser with R as input. */
int wc_parse_common(struct recorder *r, int key, char *arg, struct argp_state *state);
error_t wc_recorder_parse(int key, char *arg, struct argp_state *state);
extern const struct argp_child wc_recorder_children[];
/* --json and --livelock, for the commands that print a report (trace, check) */
extern const struct argp_option wc_report_options[];

/* Run the session; returns the exit status. */
int wc_run_recorder(struct recorder *r, int argc, char **argv);

#endif
