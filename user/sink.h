/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one event pipeline, in the spirit of perf's struct perf_tool: a source
 * (a live tracing session, session.c, or a record file, wc_replay in
 * recfile.c) drives a consumer through these callbacks, in this order:
 *
 *   begin(header)  the JSON header a record file has (docs/file-format.md);
 *                  a live session builds the same one
 *   event, symbol, lost ...   as they come
 *   end(trailer)   exactly once after a successful begin: the END record
 *                  (counts, duration) and its JSON extra, or NULL when the
 *                  stream stopped without one (a truncated file, a failed
 *                  session, a callback's error)
 *
 * Consumers: the file writer (record), the analysis (engine + report:
 * report, trace, check), script, count. Each embeds a struct wc_sink and
 * finds itself with container_of. Any callback may be NULL. A non-zero
 * return stops the source, which returns that value.
 */
#ifndef WALKCOV_SINK_H
#define WALKCOV_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <linux/types.h>
#include "walkcov.h"
#include "summary.h"

/* Lost-event counters as a LOST record stores them. */
struct wc_rec_lost {
	uint64_t ringbuf_drops;		/* cumulative since start */
	uint64_t recursion_misses;	/* cumulative, all programs */
	uint64_t ts_ns;			/* CLOCK_MONOTONIC when sampled */
};

/* The END trailer. Its JSON extra holds "prog_misses" {function: n},
 * "stash_drops", "cmd_status" and "cmd_signal" (docs/file-format.md). */
struct wc_rec_end {
	uint64_t events;		/* EVENT records in the stream */
	uint64_t ringbuf_drops;
	uint64_t recursion_misses;
	uint64_t duration_ns;
};

struct wc_sink {
	int (*begin)(struct wc_sink *s, struct json_object *hdr);
	int (*event)(struct wc_sink *s, const struct wc_event *e);
	int (*symbol)(struct wc_sink *s, uint64_t addr, const char *name);
	int (*lost)(struct wc_sink *s, const struct wc_rec_lost *l);
	/* e == NULL: no trailer; extra may be NULL; both borrowed */
	int (*end)(struct wc_sink *s, const struct wc_rec_end *e, struct json_object *extra);
	/* summary mode (docs/production.md): the in-kernel counters, read
	 * about every summary_interval_ms (0: only once) and once more,
	 * final, before end(); borrowed. Anomalies arrive through event() as
	 * WC_EV_ANOMALY events. */
	int (*summary)(struct wc_sink *s, const struct wc_snapshot *snap, bool final);
	/* summary mode: the kernel stack of anomaly events whose depth is ID,
	 * symbolized ("func+0x1a", innermost first), once before the first
	 * event that refers to it; borrowed */
	int (*stack)(struct wc_sink *s, int32_t id, const char *const *frames, int n);
	unsigned int summary_interval_ms;
	/* a live session calls lost() about every 100 ms (a file keeps the
	 * counts over time); without it, only the trailer carries them */
	bool periodic_lost;
};

#define wc_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline int wc_sink_begin(struct wc_sink *s, struct json_object *hdr)
{
	return s->begin ? s->begin(s, hdr) : 0;
}

static inline int wc_sink_event(struct wc_sink *s, const struct wc_event *e)
{
	return s->event ? s->event(s, e) : 0;
}

static inline int wc_sink_symbol(struct wc_sink *s, uint64_t addr, const char *name)
{
	return s->symbol ? s->symbol(s, addr, name) : 0;
}

static inline int wc_sink_lost(struct wc_sink *s, const struct wc_rec_lost *l)
{
	return s->lost ? s->lost(s, l) : 0;
}

static inline int wc_sink_summary(struct wc_sink *s, const struct wc_snapshot *snap, bool final)
{
	return s->summary ? s->summary(s, snap, final) : 0;
}

static inline int wc_sink_stack(struct wc_sink *s, int32_t id, const char *const *frames, int n)
{
	return s->stack ? s->stack(s, id, frames, n) : 0;
}

static inline int wc_sink_end(struct wc_sink *s, const struct wc_rec_end *e,
			      struct json_object *extra)
{
	return s->end ? s->end(s, e, extra) : 0;
}

#endif
