/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* One tracing session, shared by record, trace, count and check: build the
 * attach plan, start the workload (-- CMD) or follow a process (-p), attach,
 * stream events to a sink until Ctrl-C, the duration or the workload ends,
 * then drain, count what was lost, close the stream with its trailer and
 * detach. */
#ifndef WALKCOV_SESSION_H
#define WALKCOV_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "filter.h"
#include "plan.h"
#include "sink.h"
#include "tracer.h"

/* What the session's header is built from (wc_session_header). */
struct wc_session_info {
	const struct wc_plan *plan;
	struct json_object *census;	/* the census's header keys (census.h), or NULL */
	int slot_target[WC_MAX_SLOTS];	/* plan index per attach slot, -1 free */
	int mech;
	uint64_t mono_start_ns;		/* CLOCK_MONOTONIC, the events' clock */
	char *const *cmd;		/* workload, or NULL */
	const struct wc_filter *filter;	/* the session's filters ("filters"), NULL: none */
	int argc;			/* walkcov's own command line */
	char **argv;
};

/* What the tracer does with each walk (wc_session_opts.mode). */
enum wc_mode {
	WC_MODE_FULL = 1,		/* every event through the ring buffer: the user-space engine judges */
	WC_MODE_SUMMARY = 2,		/* judged in the kernel: counters, and only anomalies as events */
	WC_MODE_BOTH = 3,		/* both on the same walks (the differential test) */
};

struct wc_session_opts {
	pid_t pid;			/* -p PID */
	struct wc_filter filter;	/* --comm, --cgroup, --ops (its pid: -p, set by the session) */
	int mode;			/* enum wc_mode; 0: WC_MODE_FULL */
	uint32_t livelock;		/* summary mode: retries of one range that make a livelock (0: 1000) */
	char **cmd;			/* -- CMD [ARGS], NULL-terminated */
	double duration;		/* seconds; 0: until Ctrl-C or CMD exits */
	size_t ring_size;
	unsigned int role_mask;		/* roles to attach (1 << WC_R_*) */
	int force_mech;			/* WC_MECH_KPROBE for --kprobe */
	bool verbose;
	bool prog_stats;		/* --prog-stats: print the programs' run-time statistics at the end */
	int argc;			/* walkcov's own command line, for the header */
	char **argv;
};

struct wc_session_result {
	int cmd_status;			/* exit status of CMD when it ended by itself, else -1 */
	int cmd_signal;			/* the signal that killed CMD, 0: none */
	bool interrupted;		/* Ctrl-C */
};

/*
 * Trace into SINK (sink.h): begin with the header a record file has, then
 * events, ops symbols (each once, before its first event), LOST counters
 * (about every 100 ms if the sink asks for them), and the END trailer
 * (wc_session_trailer). 0 on success; WC_EXIT_FAIL after printing one line
 * when tracing cannot run or the sink failed.
 */
int wc_session_run(const struct wc_session_opts *o, struct wc_sink *sink,
		   struct wc_session_result *r);

/* Ask the running session to stop, as Ctrl-C does (any thread, or a sink
 * callback): it ends within about 100 ms, with its final summary and
 * trailer. walkcov top's q and -n N use it. */
void wc_session_stop(void);

/* The header of a live session, as a record file stores it: wc_hdr_new, the
 * workload, monotonic_start_ns, the filters and one plan entry per attach
 * slot. */
struct json_object *wc_session_header(const struct wc_session_info *info);
/* The END trailer: the final lost counters, the duration, EVENTS delivered;
 * its extra JSON (returned, caller puts it) carries prog_misses,
 * stash_drops, unnamed_ops_events, cmd_status and cmd_signal. */
struct json_object *wc_session_trailer(const struct wc_lost *lost,
				       const struct wc_session_result *res,
				       uint64_t events, uint64_t duration_ns,
				       uint64_t unnamed_ops_events, struct wc_rec_end *end);

/* Shared argp handling of -p, -a, --comm, --cgroup, --ops, --duration,
 * --ring-size, --kprobe, --fentry, -v (returns ARGP_ERR_UNKNOWN for keys it does not own). */
struct argp_state;
int wc_session_parse(struct wc_session_opts *o, int key, char *arg, struct argp_state *state);
/* As an argp child: its input is the struct wc_session_opts, which a parent
 * passes on with wc_session_parent_parse. */
extern const struct argp wc_session_argp;
/* For the parent of wc_session_argp (child 0, parsed with ARGP_IN_ORDER):
 * ARGP_KEY_INIT gives O to the child, ARGP_KEY_ARG takes the rest of the
 * command line as the workload (O->cmd); ARGP_ERR_UNKNOWN for other keys. */
int wc_session_parent_parse(struct wc_session_opts *o, int key, struct argp_state *state);

#endif
