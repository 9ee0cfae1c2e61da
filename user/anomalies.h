/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Summary mode's anomalies: the in-kernel judge emits one WC_EV_ANOMALY per
 * overlapping piece or repeat as it finds them (bpf/walkcov.h); this merges
 * them into struct wc_anomaly with the engine's granularity
 * (docs/coverage.md, section 5): one double or out-of-order per (walk, mm,
 * pmd-sized block of the start), one retry per (walk, mm, kind, start), one
 * livelock per retried range, one gap per (walk, mm, start): a contiguous
 * range no callback handled. Ranges widen, counts add up, a split by
 * another task wins over one by the walking task. Memory: one entry per
 * merged anomaly, at most WC_MERGER_MAX (the rest are counted).
 */
#ifndef WALKCOV_ANOMALIES_H
#define WALKCOV_ANOMALIES_H

#include <stddef.h>
#include <stdint.h>
#include "coverage.h"

#define WC_MERGER_MAX 100000

/* The engine's key of an anomaly: type, walk, mm, and the pmd-sized block of
 * the start (double, out of order), the kind and start (retry, livelock)
 * or the start (gap). Pieces with equal keys (compared as bytes: no padding) are one
 * anomaly. */
struct wc_anomaly_key {
	uint64_t walk_id, mm, at;
	uint32_t type, kind;
};

void wc_anomaly_key_of(const struct wc_event *e, struct wc_anomaly_key *k);

struct wc_merged {
	struct wc_anomaly a;
	int32_t stack_id;	/* the kernel stack of its first piece, < 0: none */
};

struct wc_merger;

struct wc_merger *wc_merger_new(void);
void wc_merger_free(struct wc_merger *m);
/* One WC_EV_ANOMALY event; other types are ignored. 0, or -1 when it could
 * not be kept (out of memory, WC_MERGER_MAX reached: counted in dropped). */
int wc_merger_add(struct wc_merger *m, const struct wc_event *e);
/* The merged anomalies, in the order their first piece arrived. */
size_t wc_merger_count(const struct wc_merger *m);
const struct wc_merged *wc_merger_get(const struct wc_merger *m, size_t i);
uint64_t wc_merger_dropped(const struct wc_merger *m);

#endif
