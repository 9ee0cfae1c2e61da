/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The coverage report (walkcov report, walkcov trace): aggregates the
 * engine's closed walks and anomalies per ops struct and per command, keeps
 * the anomalies (up to a cap) and prints a perf-style text report or one
 * JSON document. docs/report.md explains every line and column.
 *
 * Memory is bounded: at most WC_REPORT_MAX_ROWS rows per table (the rest
 * fold into one "[other]" row) and WC_REPORT_MAX_ANOMALIES stored anomalies
 * (the rest are counted).
 */
#ifndef WALKCOV_REPORT_H
#define WALKCOV_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "coverage.h"
#include "filter.h"
#include "sink.h"

#define WC_REPORT_MAX_ROWS	 4096
#define WC_REPORT_MAX_ANOMALIES	 10000
#define WC_REPORT_MAX_PROGS	 64

struct wc_report_prog {
	char name[128];		/* traced function (or program) name */
	uint64_t misses;	/* times the kernel skipped it (recursion) */
};

struct wc_report_meta {
	uint64_t events;		/* events read or received */
	uint64_t ringbuf_drops;		/* events the ring buffer had no room for */
	uint64_t recursion_misses;	/* program runs the kernel skipped */
	uint64_t stash_drops;		/* entry state not saved (cls unknown at exit) */
	uint64_t duration_ns;		/* 0: estimated from the walks */
	uint64_t start_ns;		/* CLOCK_MONOTONIC base of event ts, 0 if unknown */
	/* engine statistics (docs/coverage.md) */
	uint64_t walks_complete;	/* every event of the walk seen */
	uint64_t walks_incomplete;
	uint64_t walks_proven;		/* complete and clean */
	uint64_t missing_events;	/* seq gaps over all walks */
	uint64_t untracked_events;	/* the tracer's task table was full */
	uint64_t evicted;		/* walks closed early: too many open */
	uint64_t nomem_events;		/* events the engine had no memory to judge */
	uint64_t splits_seen;		/* huge-pmd splits traced, in walks or not */
	uint64_t orphan_events;
	bool truncated;			/* recording has no trailer */
	bool summary_mode;		/* rows and walk totals from the in-kernel judge */
	uint64_t walks_open;		/* summary mode: walks still open at the end */
	uint64_t sum_full;		/* summary mode: walks not counted, the summary map full */
	char kernel[128];
	char machine[32];
	char hostname[128];
	char command[512];		/* traced command, "" if none */
	char cmdline[512];		/* walkcov's own command line */
	char start_time[64];		/* ISO-8601 UTC */
	char mechanism[32];
	struct wc_filter filter;	/* the session's filters (header "filters") */
	int cmd_status;			/* the workload's exit status, -1: none, killed or unknown */
	int cmd_signal;			/* the signal that killed it, 0: none */
	unsigned nprogs;
	struct wc_report_prog progs[WC_REPORT_MAX_PROGS];
};

struct wc_report;

struct wc_report *wc_report_new(void);
void wc_report_free(struct wc_report *r);

/* Feed: engine callbacks (on_walk / on_anomaly) and SYMBOL records. */
void wc_report_walk(struct wc_report *r, const struct wc_walk *w);
void wc_report_anomaly(struct wc_report *r, const struct wc_anomaly *a);
void wc_report_symbol(struct wc_report *r, uint64_t addr, const char *name);
/* An anomaly with its kernel stack (summary mode): frames innermost first. */
void wc_report_anomaly_stack(struct wc_report *r, const struct wc_anomaly *a,
			     const char *const *frames, int n);
/* Summary mode: the per-ops and per-command rows, the walk totals and the
 * tracer's totals from a snapshot of the in-kernel counters, instead of
 * wc_report_walk; a later call replaces what an earlier one set. */
void wc_report_summary(struct wc_report *r, const struct wc_snapshot *s);
/* Adapters with the engine's callback signature (ctx is the report). */
void wc_report_on_walk(const struct wc_walk *w, void *report);
void wc_report_on_anomaly(const struct wc_anomaly *a, void *report);

/* The report's own metadata, filled in place by the functions below. */
struct wc_report_meta *wc_report_meta(struct wc_report *r);

/* Fill meta from a stream (sink.h), live or from a file alike: the header,
 * LOST records, the END trailer; then the engine's statistics. */
void wc_meta_from_header(struct wc_report_meta *m, struct json_object *hdr);
void wc_meta_from_lost(struct wc_report_meta *m, const struct wc_rec_lost *l);
/* extra: the trailer's JSON ("prog_misses": {name: n}, "stash_drops": n,
 * "cmd_status": n, "cmd_signal": n) */
void wc_meta_from_end(struct wc_report_meta *m, const struct wc_rec_end *e,
		      struct json_object *extra);
void wc_meta_from_engine(struct wc_report_meta *m, const struct wc_engine_stats *s);
/* Add (or raise) one program's miss count. */
void wc_meta_prog_miss(struct wc_report_meta *m, const char *name, uint64_t misses);

/* Text report; 0, or -1 if writing failed. */
int wc_report_print(struct wc_report *r, FILE *out);
/* The JSON document (caller puts it). */
struct json_object *wc_report_json(struct wc_report *r);
/* The walker census the report prints (census.h): the analysis fills it
 * from the stream's header and, in full mode, its events. */
struct wc_census *wc_report_census(struct wc_report *r);
/* The anomalies kept, in the order the report lists them (walkcov map
 * --anomaly N takes the Nth, from 1). */
const struct wc_anomaly *wc_report_anomalies(const struct wc_report *r, size_t *n);
/* An ops pointer's name, as the report prints it, into buf. */
const char *wc_report_ops_name(const struct wc_report *r, uint64_t ops, char *buf, size_t size);
/* Anomalies of one type (enum wc_anomaly_type) seen so far. */
uint64_t wc_report_count(const struct wc_report *r, uint32_t type);
/*
 * What the run proves (docs/report.md): anomalies found (any double,
 * out-of-order visit, livelock or gap), else proven clean only when every
 * walk is complete and nothing was lost (a program the kernel skipped uses no
 * index, so no walk can be proven then), else could not prove.
 */
enum wc_verdict {
	WC_VERDICT_PROVEN = 0,
	WC_VERDICT_ANOMALIES = 1,
	WC_VERDICT_UNPROVEN = 2,
};
enum wc_verdict wc_report_verdict_kind(const struct wc_report *r);
/* "proven", "anomalies", "unproven" */
const char *wc_verdict_name(enum wc_verdict v);
/* The verdict line, without newline, into buf. */
const char *wc_report_verdict(struct wc_report *r, char *buf, size_t size);

/* "workload 'false' exited with status 1" or "... was killed by signal 9
 * (Killed)" into buf; NULL when the workload did not fail (or there was none). */
const char *wc_report_workload_failure(const struct wc_report_meta *m, char *buf, size_t size);

/* "4.0K", "2.0M", "512": binary units, as the bytes column prints them. */
const char *wc_human_bytes(uint64_t n, char *buf, size_t size);

#endif /* WALKCOV_REPORT_H */
