// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* check --differential: see differential.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anomalies.h"
#include "coverage.h"
#include "differential.h"
#include "errors.h"
#include "grow.h"
#include "kaddr.h"
#include "symtab.h"

/* The counters compared, in struct wc_sum_val order. */
static const char *const fields[] = {
	"walks", "complete", "incomplete", "proven", "bytes", "pmd_huge", "pmd_down",
	"pud_visits", "pte_visits", "holes", "hugetlb", "skipped_vmas", "retries",
	"doubles", "out_of_order", "livelocks", "splits_own", "splits_other", "events",
	"gaps", "walks_stopped", "walks_unsure", "walks_raced",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
#define F_SPLITS_OTHER 17
#define F_GAPS 19
_Static_assert(NFIELDS * sizeof(uint64_t) == sizeof(struct wc_sum_val),
	       "one field per struct wc_sum_val counter, in its order");

/*
 * splits_other depends on the order of two tasks' events: a split by one
 * task counts for another's walk if that walk is open and active. The
 * engine sees walks open in ring buffer order, the kernel in the order
 * the programs ran; for a split on one CPU at the moment a walk begins or
 * ends on another the two may differ. No lock can make them agree, so a
 * difference of a few (2, or 10 %) is printed as ORDER, not counted.
 */
static bool order_tolerated(size_t field, uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a, m = a > b ? a : b;

	return field == F_SPLITS_OTHER && (d <= 2 || d * 10 <= m);
}

struct agg {
	char name[128];
	uint64_t f[2][NFIELDS];		/* [0] engine, [1] kernel */
};

struct diff {
	struct wc_sink sink;
	struct wc_engine *engine;
	struct wc_merger *merger;
	struct wc_symtab *syms;
	struct agg *aggs;
	size_t naggs, capaggs;
	struct wc_anomaly *an;		/* the engine's */
	size_t nan, capan;
	bool flushing;			/* the engine closes walks still open at the end */
	uint64_t flushed;		/* ... how many */
	uint64_t kernel_open, lost, nomem;
	bool got_summary;
};

static struct diff *diff_of(struct wc_sink *s)
{
	return wc_container_of(s, struct diff, sink);
}

static struct agg *agg_get(struct diff *d, const char *name)
{
	for (size_t i = 0; i < d->naggs; i++)
		if (!strcmp(d->aggs[i].name, name))
			return &d->aggs[i];
	if (wc_grow(&d->aggs, &d->capaggs, d->naggs + 1, sizeof(*d->aggs), 32)) {
		d->nomem++;
		return NULL;
	}
	memset(&d->aggs[d->naggs], 0, sizeof(d->aggs[0]));
	snprintf(d->aggs[d->naggs].name, sizeof(d->aggs[0].name), "%s", name);
	return &d->aggs[d->naggs++];
}

static const char *ops_label(struct diff *d, uint64_t ops, char *buf, size_t size)
{
	const char *n = wc_symtab_name(d->syms, ops);

	return n ? n : wc_kaddr(ops, buf, size);
}

static void on_walk(const struct wc_walk *w, void *ctx)
{
	struct diff *d = ctx;
	char buf[64];
	struct agg *a;
	bool complete = !(w->flags & WC_W_INCOMPLETE);
	uint64_t v[NFIELDS] = {
		1, complete, !complete,
		complete && !w->doubles && !w->out_of_order && !w->livelocks && !w->gaps,
		w->bytes, w->pmd_huge, w->pmd_down, w->pud_visits, w->pte_visits, w->holes,
		w->hugetlb, w->skipped_vmas, w->retries, w->doubles, w->out_of_order,
		w->livelocks, w->splits_own, w->splits_other, w->events,
		w->gaps, !!(w->flags & WC_W_STOPPED), !!(w->flags & WC_W_UNSURE),
		!!(w->flags & WC_W_RACED),
	};

	if (d->flushing) {	/* open in the kernel too: compared as a count */
		d->flushed++;
		return;
	}
	a = agg_get(d, ops_label(d, w->ops, buf, sizeof(buf)));
	if (a)
		for (size_t i = 0; i < NFIELDS; i++)
			a->f[0][i] += v[i];
}

static void on_anomaly(const struct wc_anomaly *x, void *ctx)
{
	struct diff *d = ctx;

	if (wc_grow(&d->an, &d->capan, d->nan + 1, sizeof(*d->an), 64)) {
		d->nomem++;
		return;
	}
	d->an[d->nan++] = *x;
}

static int diff_event(struct wc_sink *s, const struct wc_event *e)
{
	struct diff *d = diff_of(s);

	if (e->type == WC_EV_ANOMALY) {
		if (wc_merger_add(d->merger, e))
			d->nomem++;
	} else {
		wc_engine_feed(d->engine, e);
	}
	return 0;
}

static int diff_symbol(struct wc_sink *s, uint64_t addr, const char *name)
{
	wc_symtab_add(diff_of(s)->syms, addr, name);
	return 0;
}

static int diff_summary(struct wc_sink *s, const struct wc_snapshot *snap, bool final)
{
	struct diff *d = diff_of(s);

	if (!final)
		return 0;
	for (size_t i = 0; i < snap->n; i++) {
		const struct wc_sum_row *r = &snap->rows[i];
		const uint64_t *v = (const uint64_t *)&r->v;
		struct agg *a = agg_get(d, r->name);

		if (a)
			for (size_t k = 0; k < NFIELDS; k++)
				a->f[1][k] += v[k];
	}
	d->kernel_open = snap->t.walks_open;
	d->lost = snap->t.ringbuf_drops + snap->t.recursion_misses + snap->t.untracked +
		  snap->t.sum_full;
	d->got_summary = true;
	return 0;
}

static int diff_end(struct wc_sink *s, const struct wc_rec_end *e, struct json_object *extra)
{
	struct diff *d = diff_of(s);

	(void)e;
	(void)extra;
	d->flushing = true;
	wc_engine_flush(d->engine);
	return 0;
}

static int an_cmp(const void *pa, const void *pb)
{
	const struct wc_anomaly *a = pa, *b = pb;

	if (a->walk_id != b->walk_id)
		return a->walk_id < b->walk_id ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->mm != b->mm)
		return a->mm < b->mm ? -1 : 1;
	if (a->split != b->split)
		return a->split < b->split ? -1 : 1;
	return a->count < b->count ? -1 : a->count > b->count;
}

static void print_an(const char *who, const struct wc_anomaly *a)
{
	static const char *const split[] = { "-", "own-split", "split-race" };

	printf("%s %s walk %" PRIu64 " [0x%" PRIx64 ", 0x%" PRIx64 ") %s count %u %s\n", who,
	       wc_anomaly_name(a->type), a->walk_id, a->start, a->end,
	       a->kind ? wc_kind_name(a->kind) : "-",
	       a->count, a->split <= WC_SPLIT_OTHER ? split[a->split] : "?");
}

/* Compare the two anomaly sets: both sorted, one pass. */
static uint64_t compare_anomalies(struct diff *d)
{
	size_t nk = wc_merger_count(d->merger), i = 0, j = 0;
	struct wc_anomaly *k = calloc(nk ? nk : 1, sizeof(*k));
	uint64_t n = 0, same = 0;

	if (!k) {
		d->nomem++;
		return 1;
	}
	for (size_t x = 0; x < nk; x++)
		k[x] = wc_merger_get(d->merger, x)->a;
	qsort(k, nk, sizeof(*k), an_cmp);
	qsort(d->an, d->nan, sizeof(*d->an), an_cmp);
	while (i < d->nan || j < nk) {
		int c = i == d->nan ? 1 : j == nk ? -1 : an_cmp(&d->an[i], &k[j]);

		if (!c) {
			print_an("both:        ", &d->an[i]);
			same++;
			i++, j++;
		} else if (c < 0) {
			print_an("DIFF engine: ", &d->an[i++]);
			n++;
		} else {
			print_an("DIFF kernel: ", &k[j++]);
			n++;
		}
	}
	printf("# anomalies: engine %zu, kernel %zu, in both %" PRIu64 "\n", d->nan, nk, same);
	free(k);
	return n;
}

static int compare(struct diff *d)
{
	uint64_t ndiff = 0;

	if (!d->got_summary) {
		wc_err("differential: the in-kernel counters were never read");
		return WC_EXIT_FAIL;
	}
	for (size_t i = 0; i < d->naggs; i++) {
		const struct agg *a = &d->aggs[i];
		bool same = true;

		for (size_t k = 0; k < NFIELDS; k++)
			same &= a->f[0][k] == a->f[1][k] ||
				order_tolerated(k, a->f[0][k], a->f[1][k]);

		printf("%s ops %s: walks %" PRIu64 "/%" PRIu64 ", bytes %" PRIu64 "/%" PRIu64
		       ", doubles %" PRIu64 "/%" PRIu64 ", gaps %" PRIu64 "/%" PRIu64 ", retries %"
		       PRIu64 "/%" PRIu64 " (engine/kernel)\n", same ? "same" : "DIFF", a->name,
		       a->f[0][0], a->f[1][0], a->f[0][4], a->f[1][4], a->f[0][13], a->f[1][13],
		       a->f[0][F_GAPS], a->f[1][F_GAPS], a->f[0][12], a->f[1][12]);
		for (size_t k = 0; k < NFIELDS; k++) {
			if (a->f[0][k] == a->f[1][k])
				continue;
			if (order_tolerated(k, a->f[0][k], a->f[1][k])) {
				printf("ORDER  %s: engine %" PRIu64 ", kernel %" PRIu64
				       " (splits at a walk's boundary on another CPU)\n", fields[k],
				       a->f[0][k], a->f[1][k]);
				continue;
			}
			printf("DIFF   %s: engine %" PRIu64 ", kernel %" PRIu64 "\n", fields[k],
			       a->f[0][k], a->f[1][k]);
			ndiff++;
		}
	}
	if (d->flushed != d->kernel_open) {
		printf("DIFF walks open at the end: engine %" PRIu64 ", kernel %" PRIu64 "\n",
		       d->flushed, d->kernel_open);
		ndiff++;
	}
	ndiff += compare_anomalies(d);
	printf("# differential: %zu ops structs, %" PRIu64 " differences\n", d->naggs, ndiff);
	if (d->lost || d->nomem) {
		printf("# not comparable: %" PRIu64 " events lost, %" PRIu64 " not kept (memory)\n",
		       d->lost, d->nomem);
		return ndiff ? WC_EXIT_UNPROVEN : WC_EXIT_OK;
	}
	return ndiff ? WC_EXIT_ANOMALY : WC_EXIT_OK;
}

int wc_differential_run(struct wc_session_opts *o, uint32_t livelock)
{
	struct wc_engine_opts eo = { .livelock_retries = livelock, .on_walk = on_walk,
				     .on_anomaly = on_anomaly };
	struct wc_session_result res;
	struct diff d = {};
	int ret = WC_EXIT_FAIL;

	d.sink = (struct wc_sink){ .event = diff_event, .symbol = diff_symbol,
				   .summary = diff_summary, .end = diff_end };
	eo.ctx = &d;
	d.engine = wc_engine_new(&eo);
	d.merger = wc_merger_new();
	d.syms = wc_symtab_new();
	if (!d.engine || !d.merger || !d.syms) {
		wc_err("out of memory");
		goto out;
	}
	o->mode = WC_MODE_BOTH;
	o->livelock = livelock;
	if (wc_session_run(o, &d.sink, &res))
		goto out;
	ret = compare(&d);
out:
	wc_engine_free(d.engine);
	wc_merger_free(d.merger);
	wc_symtab_free(d.syms);
	free(d.aggs);
	free(d.an);
	return ret;
}
