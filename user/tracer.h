/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The BPF side's lifecycle: choose the mechanism (fentry/fexit, kprobe.multi
 * or kprobes, per kernel and per target), load the tracer for an attach plan,
 * attach, poll the ring buffer, count what was lost, detach. */
#ifndef WALKCOV_TRACER_H
#define WALKCOV_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "walkcov.h"
#include "filter.h"
#include "plan.h"

struct wc_tracer_opts {
	struct wc_plan *plan;		/* targets; skipped ones get a reason */
	__u32 target_tgid;		/* 0: every process */
	const struct wc_filter *filter;	/* --comm, --cgroup, --ops (resolved); NULL: none */
	size_t ring_size;		/* bytes, power of two */
	int force_mech;			/* WC_MECH_NONE: chosen per kernel; else WC_MECH_FENTRY,
					 * WC_MECH_KPROBE or WC_MECH_KPROBE_MULTI */
	bool verbose;			/* libbpf's messages on stderr */
	bool prog_stats;		/* BPF_ENABLE_STATS while the tracer is open */
	bool load_only;			/* load (verify) every program, attach nothing */
	int mode;			/* WC_MODE_F_* bits (walkcov.h); 0: full events */
	uint32_t livelock;		/* the judge's livelock threshold; 0: default */
	int (*on_event)(const struct wc_event *e, void *ctx);
	/* summary mode: a kernel stack, before the first anomaly event with its id */
	int (*on_stack)(const struct wc_stack_rec *r, void *ctx);
	void *ctx;
};

struct wc_prog_miss {
	char name[128];			/* traced function */
	uint64_t misses;		/* recursion_misses of its programs */
};

struct wc_lost {
	uint64_t ringbuf_drops;		/* reserve failed: ring buffer full */
	uint64_t stash_drops;		/* entry state not saved */
	uint64_t recursion_misses;	/* programs or kprobes the kernel skipped */
	bool kprobe_misses_unknown;	/* kprobes in use and the kernel (< 6.7) does not
					 * say how often their handlers were not run */
	uint64_t events;		/* events submitted */
	struct wc_prog_miss *per_prog;	/* functions with misses > 0 */
	int n_per_prog;
};

struct wc_tracer;

/* The default mechanism from run-time facts, and why: PREEMPT is the text of
 * /sys/kernel/debug/sched/preempt (NULL if unreadable), UNAME_V uname -v,
 * KPROBES whether the kernel has the kprobe PMU. fentry where the kernel
 * does not preempt kernel code, else kprobe.multi (the tracer falls back to
 * kprobes per target where the kernel has no fprobe). */
int wc_mech_default(const char *preempt, const char *uname_v, bool kprobes,
		    char *why, size_t len);

/* Can summary mode (the in-kernel judge) load on the running kernel? If
 * not, WHY names what the kernel lacks. */
bool wc_tracer_summary_loads(char *why, size_t len);
/* Which BPF object the running kernel gets ("main", or "compat ..." with
 * what the kernel lacks and what that costs), for walkcov probes. */
void wc_tracer_object(char *buf, size_t len);

/* Load and attach. On failure returns NULL with one line in ERR. */
struct wc_tracer *wc_tracer_open(const struct wc_tracer_opts *opts, char *err, size_t errlen);
/* The mechanism most targets use (WC_MECH_*), and why it was chosen. */
int wc_tracer_mech(const struct wc_tracer *t);
const char *wc_tracer_why(const struct wc_tracer *t);
/* Plan index of the target in SLOT, or -1 if the slot is free. */
int wc_tracer_slot_target(const struct wc_tracer *t, int slot);
/* Deliver ready events (on_event); returns events consumed or -errno. */
int wc_tracer_poll(struct wc_tracer *t, int timeout_ms);
/* Snapshot of the lost-event counters (per_prog: caller frees). */
void wc_tracer_lost(struct wc_tracer *t, struct wc_lost *lost);
void wc_tracer_close(struct wc_tracer *t);
/* With opts->prog_stats: the kernel's run-time statistics of each loaded
 * program (*STATS: caller frees; count, or -errno). */
struct wc_prog_stat;
int wc_tracer_prog_stats(struct wc_tracer *t, struct wc_prog_stat **stats);

struct wc_snapshot;
/* Summary mode: add the in-kernel counters (summed over CPUs) and the
 * tracer's totals to SNAP (rows named "0x..." until the caller names
 * them). 0, or -errno. */
int wc_tracer_summary(struct wc_tracer *t, struct wc_snapshot *snap);
/* The slot of the first visit seen for OPS (summary mode), or -1. */
int wc_tracer_ops_slot(struct wc_tracer *t, uint64_t ops);

/* Mechanism of one target (fentry, or kprobe where the kernel refused
 * fentry for that function alone). */
int wc_tracer_target_mech(const struct wc_tracer *t, const struct wc_target *tg);

#endif
