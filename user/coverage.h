/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The coverage engine: a pure C library (no BPF) that rebuilds each page
 * walk from a stream of struct wc_event and flags ranges handled twice,
 * retried, visited out of order, or retried/doubled while another task split
 * the THP. docs/coverage.md states the rules this file implements.
 *
 * Walk identity (walk_id, seq) comes from the tracer: boundaries are facts,
 * never inferred, and a walk whose events are not all there is reported
 * incomplete instead of being guessed at.
 *
 * Memory is bounded by the number of walks in flight (capped, plus a
 * fixed-size split history), never by the number of events.
 */
#ifndef WALKCOV_COVERAGE_H
#define WALKCOV_COVERAGE_H

#include <stdint.h>
#include <linux/types.h>
#include "walkcov.h"

enum wc_anomaly_type {
	WC_AN_DOUBLE = 1,	/* a range handled by two terminal visits of one walk */
	WC_AN_RETRY = 2,	/* a visit repeated: ACTION_AGAIN or the walker's own retry */
	WC_AN_OUT_OF_ORDER = 3,	/* a terminal visit below the walk's cursor, over nothing handled */
	WC_AN_LIVELOCK = 4,	/* one range retried more than opts.livelock_retries times */
	WC_AN_GAP = 5,		/* a range of a complete walk that no callback handled */
};

enum wc_split_attr {
	WC_SPLIT_NONE = 0,	/* no split of this range during the walk */
	WC_SPLIT_OWN = 1,	/* split by the walking task itself */
	WC_SPLIT_OTHER = 2,	/* split by another task: a split race */
};

/* Walk flags (struct wc_walk.flags): why a walk is incomplete, and
 * WC_W_INCOMPLETE when any reason is set. A complete walk is judged in full;
 * an incomplete one only where what is missing cannot matter. */
#define WC_W_NO_BEGIN	0x01	/* seq 0 (its WALK_BEGIN) not seen */
#define WC_W_NO_END	0x02	/* its closing (non-nested) WALK_END not seen */
#define WC_W_SEQ_GAP	0x08	/* an index between 0 and the last is missing or repeated */
#define WC_W_OVERFLOW	0x10	/* handled-interval list full: later ranges not all judged */
#define WC_W_UNTRACKED	0x20	/* the tracer lost track of the task (WC_F_NO_WALK) */
#define WC_W_ENTRY_MISSING 0x40	/* a visit judging needs lacked its entry state */
#define WC_W_EVICTED	0x80	/* closed early: too many walks open */
#define WC_W_INCOMPLETE	0x100	/* any reason above */
#define WC_W_UNSURE	0x200	/* a range no callback handled could not be told from one
				 * the walker is silent on by design (docs/coverage.md 5a) */
#define WC_W_STOPPED	0x400	/* not a reason: a non-zero return ended the walk early;
				 * what follows the stop is neither coverage nor a gap */
#define WC_W_RACED	0x800	/* not a reason: with WC_W_UNSURE, a fault filled the
				 * range while the walk ran (the tracer saw it) */
#define WC_W_REASONS	0x2fb	/* the reason bits */

struct wc_anomaly {
	uint32_t type;		/* enum wc_anomaly_type */
	uint32_t split;		/* enum wc_split_attr */
	uint64_t walk_id;	/* the tracer's walk id */
	uint32_t pid, tid;
	char comm[WC_COMM_LEN];
	uint64_t ops, mm;
	uint64_t start, end;	/* the range concerned */
	uint32_t kind;		/* enum wc_kind of the visit that raised it */
	uint32_t count;		/* events behind it (retries: number of repeats) */
	uint64_t first_ts, last_ts;
	uint64_t split_tid;	/* task that split the range (split != NONE) */
};

struct wc_walk {
	uint64_t id;		/* the tracer's walk id (event walk_id) */
	uint32_t pid, tid;
	char comm[WC_COMM_LEN];
	uint64_t ops, mm, walk;	/* walk = struct mm_walk pointer */
	uint64_t start, end;	/* bounds from the entry event (0, 0 if not seen) */
	uint64_t begin_ts, end_ts;
	int64_t ret;
	uint32_t flags;		/* WC_W_* */
	uint32_t entry_slot;	/* slot of the walk entry point, or UINT32_MAX */
	uint64_t bytes;		/* bytes handled by terminal visits (each byte once) */
	uint64_t pmd_huge;	/* huge pmds handled at pmd level (terminal, class huge) */
	uint64_t pmd_down;	/* pmd entries handed down to pte level (pass-through) */
	uint64_t pud_visits, pte_visits, holes, hugetlb, skipped_vmas;
	uint64_t splits_own, splits_other;
	uint64_t retries, doubles, out_of_order, livelocks;
	uint64_t gaps;		/* gap anomalies (complete walks only) */
	uint64_t gap_bytes;	/* bytes of those gaps */
	uint64_t events;
	uint64_t untracked;	/* bytes of terminal visits the engine could not record
				 * (interval list full: WC_W_OVERFLOW) */
	uint64_t missing;	/* events missing by seq (lost or skipped) */
};

/*
 * What the engine made of the events of one walk, for a consumer that
 * draws it (walkcov map, user/walkmap.c) without judging anything itself.
 * Given to the observer (struct wc_observer, below) while the walk is open;
 * ranges are in the address space mm.
 */
enum wc_obs_type {
	WC_OBS_CHUNK = 1,	/* a chunk began: [start, end) of one VMA (vma) */
	WC_OBS_HANDLED = 2,	/* a terminal visit (kind, cls): [start, end) handled */
	WC_OBS_DOWN = 3,	/* a pass-through pud/pmd visit (kind, cls): the walker went down */
	WC_OBS_UNJUDGED = 4,	/* a visit whose action is unknown: no coverage */
	WC_OBS_DOUBLE = 5,	/* [start, end) judged handled again (a double) */
	WC_OBS_OUT_OF_ORDER = 6,/* [start, end) handled below the walk's cursor */
	WC_OBS_RETRY = 7,	/* one repeat of [start, end) (kind: the repeated visit's) */
	WC_OBS_SKIP = 8,	/* a VMA skipped by walk_page_test: [start, end) */
	WC_OBS_SPLIT = 9,	/* a huge pmd split while the walk was open: [start, end)
				 * the pmd-sized block, split (own/other), tid the splitter */
	WC_OBS_GAP = 10,	/* [start, end) handled by no callback: a gap (made when
				 * the walk closes complete) */
	WC_OBS_SILENT = 11,	/* [start, end) unvisited where the walker is silent by
				 * design (none entries, VMA gaps, hugetlb without hugetlb_entry) */
	WC_OBS_UNSURE = 12,	/* [start, end) unvisited, and whether by design is unknown */
	WC_OBS_STOPPED = 13,	/* [start, end) not walked: a non-zero return stopped the walk */
};

struct wc_observation {
	uint32_t type;		/* enum wc_obs_type */
	uint32_t kind;		/* enum wc_kind of the visit, 0 for chunks, skips, splits */
	uint64_t walk_id, mm, vma;
	uint64_t start, end;
	uint64_t ts;
	uint32_t cls;		/* the visit's entry class (WC_CLS_UNKNOWN if not seen) */
	uint32_t split;		/* enum wc_split_attr (WC_OBS_SPLIT) */
	uint32_t tid;		/* the splitting task (WC_OBS_SPLIT) */
};

struct wc_engine_opts {
	uint32_t livelock_retries;	/* retries of one range that make a livelock (default 1000) */
	uint32_t split_history;		/* splits remembered for attribution (default 4096) */
	void (*on_walk)(const struct wc_walk *w, void *ctx);		/* walk closed */
	void (*on_anomaly)(const struct wc_anomaly *a, void *ctx);	/* anomaly final */
	void *ctx;
	uint64_t idle_ns;	/* close a walk that saw no event for this long
				 * (default 10 s; UINT64_MAX: never) */
	uint32_t max_open;	/* walks open at once (default 32768); beyond, the
				 * oldest is closed incomplete (WC_W_EVICTED) */
	/* Walk entry slots that may visit addresses in any order
	 * (walk_page_mapping: VMAs in i_mmap order): bit n is slot n. Default
	 * 0: every entry point walks in address order. See also
	 * wc_engine_slot_unordered(). */
	uint64_t unordered_slots[(WC_MAX_SLOTS + 63) / 64];
};

/* An observer (walkcov map): every judgement made in the walk walk_id (0:
 * in every walk), as it is made, then the walk when it closes (after
 * on_walk). Either callback may be NULL. */
struct wc_observer {
	void (*observe)(const struct wc_observation *o, void *ctx);
	void (*closed)(const struct wc_walk *w, void *ctx);
	void *ctx;
	uint64_t walk_id;
};

struct wc_engine_stats {
	uint64_t events, walks, walks_open_max;
	uint64_t splits, splits_huge;
	uint64_t orphan_events;		/* events of no walk (walk_id 0, not a split) */
	uint64_t bad_events;		/* unknown type or kind, empty range: ignored */
	uint64_t idle_closed;		/* walks closed because they went idle */
	uint64_t walks_complete;	/* every event of the walk seen */
	uint64_t walks_incomplete;	/* WC_W_INCOMPLETE */
	uint64_t walks_proven;		/* complete, no double, out-of-order, livelock or gap */
	uint64_t walks_stopped;		/* WC_W_STOPPED */
	uint64_t missing_events;	/* seq gaps over all walks */
	uint64_t untracked_events;	/* WC_F_NO_WALK: the tracer's task table was full */
	uint64_t evicted;		/* walks closed early because max_open were open */
	uint64_t nomem_events;		/* events not judged: no memory for their walk */
};

struct wc_engine;

struct wc_engine *wc_engine_new(const struct wc_engine_opts *opts);
/* Feed events in the order the ring buffer delivered them. */
void wc_engine_feed(struct wc_engine *e, const struct wc_event *ev);
/* End of stream: close every open walk (flagged WC_W_NO_END) and report. */
void wc_engine_flush(struct wc_engine *e);
const struct wc_engine_stats *wc_engine_stats(const struct wc_engine *e);
/* Set (or with NULL, remove) the observer; call before feeding. */
void wc_engine_observe(struct wc_engine *e, const struct wc_observer *obs);
/* Walks entered at SLOT may go backwards without fault (call before feeding). */
void wc_engine_slot_unordered(struct wc_engine *e, uint32_t slot);
/* Does the walk entry point FUNC visit addresses in increasing order? */
int wc_entry_ordered(const char *func);
void wc_engine_free(struct wc_engine *e);

const char *wc_anomaly_name(uint32_t type);
const char *wc_kind_name(uint32_t kind);
const char *wc_action_name(uint32_t action);
const char *wc_class_name(uint32_t cls);

#endif /* WALKCOV_COVERAGE_H */
