/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Summary snapshots: the in-kernel counters (bpf/walkcov.h, struct
 * wc_sum_val per (ops, comm)) as user space reads them, once or every
 * second. The consumers of summary mode use them: trace/check's report
 * rows, `walkcov top` (rates between two snapshots), `walkcov exporter`
 * (Prometheus counters). Plain C, no BPF: the session fills a snapshot
 * from the tracer's maps (wc_tracer_summary), tests fill it by hand.
 */
#ifndef WALKCOV_SUMMARY_H
#define WALKCOV_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "walkcov.h"

/* One (ops, command) pair: counters summed over CPUs. */
struct wc_sum_row {
	uint64_t ops;			/* ops id (wc_event.ops) */
	char comm[WC_COMM_LEN];
	char name[128];			/* ops name through kallsyms, else "0x..." */
	struct wc_sum_val v;
};

/* The session-wide counters next to the rows. */
struct wc_sum_totals {
	uint64_t ringbuf_drops;		/* anomaly events the ring buffer had no room for */
	uint64_t recursion_misses;	/* programs the kernel skipped */
	uint64_t untracked;		/* walk events of tasks the tracer could not follow */
	uint64_t lost_exits;
	uint64_t sum_full;		/* walks not counted: summary map full */
	uint64_t walks_open;		/* walks in flight now (opened - closed) */
	uint64_t anomalies;		/* anomaly events received */
};

struct wc_snapshot {
	uint64_t ts_ns;			/* CLOCK_MONOTONIC when read */
	size_t n;			/* rows used */
	size_t cap;			/* rows allocated */
	struct wc_sum_row *rows;
	struct wc_sum_totals t;
};

void wc_snapshot_init(struct wc_snapshot *s);
void wc_snapshot_free(struct wc_snapshot *s);
/* DST += SRC, counter by counter (sums over CPUs, rows, intervals). */
void wc_sum_val_add(struct wc_sum_val *dst, const struct wc_sum_val *src);
/* The row of (ops, comm), added (zeroed) if absent; NULL out of memory. */
struct wc_sum_row *wc_snapshot_row(struct wc_snapshot *s, uint64_t ops, const char *comm);

#endif
