/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* One tracing session, shared by record, trace, count and check: build the
 * attach plan, start the workload (-- CMD) or follow a process (-p), attach,
 * stream events to a consumer until Ctrl-C, the duration or the workload
 * ends, then drain, count what was lost and detach. */
#ifndef WALKCOV_SESSION_H
#define WALKCOV_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "plan.h"
#include "tracer.h"

struct wc_session_info {
	const struct wc_plan *plan;
	int slot_target[WC_MAX_SLOTS];	/* plan index per attach slot, -1 free */
	int mech;
	char kernel[65];
	char machine[65];
	uint64_t mono_start_ns;		/* CLOCK_MONOTONIC, the events' clock */
	uint64_t realtime_start_ns;
	pid_t target_pid;		/* 0: system wide */
	char *const *cmd;		/* workload, or NULL */
};

struct wc_session_opts {
	pid_t pid;			/* -p PID */
	char **cmd;			/* -- CMD [ARGS], NULL-terminated */
	double duration;		/* seconds; 0: until Ctrl-C or CMD exits */
	size_t ring_size;
	unsigned int role_mask;		/* roles to attach (1 << WC_R_*) */
	int force_mech;			/* WC_MECH_KPROBE for --kprobe */
	bool verbose;
	/* consumer: info before the first event, then events, symbols for
	 * ops pointers (once each), and lost counters about every 100 ms */
	int (*on_start)(const struct wc_session_info *info, void *ctx);
	int (*on_event)(const struct wc_event *e, void *ctx);
	void (*on_symbol)(uint64_t addr, const char *name, void *ctx);
	void (*on_tick)(const struct wc_lost *lost, void *ctx);
	void *ctx;
};

struct wc_session_result {
	struct wc_lost lost;		/* final counters (per_prog freed by wc_session_result_free) */
	int mech;
	int cmd_status;			/* exit status of CMD, -1 if none or killed */
	uint64_t duration_ns;
	bool interrupted;		/* Ctrl-C */
};

/* 0 on success; WC_EXIT_FAIL after printing one line when tracing cannot run. */
int wc_session_run(const struct wc_session_opts *o, struct wc_session_result *r);
void wc_session_result_free(struct wc_session_result *r);

/* Shared argp handling of -p, -a, --duration, --ring-size, --kprobe, -v
 * (returns ARGP_ERR_UNKNOWN for keys it does not own). */
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
