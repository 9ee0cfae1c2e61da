/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The commands that trace (record, trace, check): their shared options, and
 * the run of trace and check (a session into the analysis sink). */
#ifndef WALKCOV_LIVE_H
#define WALKCOV_LIVE_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include "session.h"


struct wc_live_opts {
	struct wc_session_opts s;	/* first: argp children get it as input */
	const char *output;		/* record: -o */
	bool json;			/* trace, check: --json */
	uint32_t livelock;		/* trace, check: --livelock */
	bool raw_addresses;		/* trace, check: --raw-addresses */
	bool full;			/* trace, check: --full (every event to user space) */
	bool differential;		/* check: --differential (both judges, compared) */
};

/* The argp parser (input: struct wc_live_opts): -o, --json, --livelock,
 * the session's options (child wc_live_children) and the workload. */
error_t wc_live_parse(int key, char *arg, struct argp_state *state);
extern const struct argp_child wc_live_children[];
/* -j/--json, -l/--livelock and --raw-addresses, the options 'walkcov report'
 * has too, and --full (summary mode is the default), for the commands that
 * print a report (trace, check) */
extern const struct argp_option wc_report_options[];

/*
 * trace and check: trace through the analysis and print the report. A
 * workload that failed (non-zero status, killed by a signal) gets one line
 * on stderr. Exit status: 0; with verdict (check) 1 on any double,
 * out-of-order visit or livelock, else 2 if the workload failed.
 */
int wc_live_analyse(struct wc_live_opts *l, int argc, char **argv, bool verdict);

#endif
