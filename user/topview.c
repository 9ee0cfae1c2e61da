// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov top's view of two snapshots: see topview.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "coverage.h"
#include "fmt.h"
#include "anomalies.h"
#include "topview.h"

/* struct wc_sum_val is a list of __u64 counters: summed and subtracted
 * field by field, whatever fields it gains. */
#define N_COUNTERS (sizeof(struct wc_sum_val) / sizeof(__u64))
_Static_assert(sizeof(struct wc_sum_val) % sizeof(__u64) == 0, "wc_sum_val holds only __u64");

static const char *const sort_names[WC_TOP_SORT_N] = {
	[WC_TOP_SORT_WALKS] = "walks",
	[WC_TOP_SORT_BYTES] = "bytes",
	[WC_TOP_SORT_RETRIES] = "retries",
	[WC_TOP_SORT_DOUBLES] = "doubles",
	[WC_TOP_SORT_GAPS] = "gaps",
	[WC_TOP_SORT_SPLITS] = "splits",
	[WC_TOP_SORT_INCOMPLETE] = "incomplete",
	[WC_TOP_SORT_NAME] = "name",
};

int wc_top_sort_parse(const char *name)
{
	for (int i = 0; i < WC_TOP_SORT_N; i++)
		if (!strcmp(name, sort_names[i]))
			return i;
	return -1;
}

const char *wc_top_sort_name(int sort)
{
	return sort >= 0 && sort < WC_TOP_SORT_N ? sort_names[sort] : "?";
}

int wc_top_group_parse(const char *name)
{
	if (!strcmp(name, "ops"))
		return WC_TOP_BY_OPS;
	if (!strcmp(name, "comm"))
		return WC_TOP_BY_COMM;
	return -1;
}

const char *wc_top_group_name(int group)
{
	return group == WC_TOP_BY_COMM ? "comm" : "ops";
}

/* CUR - PREV; all of CUR if any counter went down (the row was reset) */
static void delta_val(struct wc_sum_val *d, const struct wc_sum_val *cur,
		      const struct wc_sum_val *prev)
{
	const __u64 *c = (const __u64 *)cur, *p = (const __u64 *)prev;
	__u64 *o = (__u64 *)d;

	for (size_t i = 0; i < N_COUNTERS; i++) {
		if (c[i] < p[i]) {
			*d = *cur;
			return;
		}
	}
	for (size_t i = 0; i < N_COUNTERS; i++)
		o[i] = c[i] - p[i];
}

static uint64_t grown(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

/* A snapshot row by (ops, comm), to find each row's previous counters. */
struct prev_entry {
	struct wc_sum_key key;
	const struct wc_sum_row *row;
	UT_hash_handle hh;
};

/* A row of the view by what it groups on. */
struct group_entry {
	struct wc_sum_key key;	/* ops, or comm (ops 0) */
	size_t index;		/* in the view's rows */
	UT_hash_handle hh;
};

static void make_key(struct wc_sum_key *k, uint64_t ops, const char *comm)
{
	memset(k, 0, sizeof(*k));
	k->ops = ops;
	if (comm)
		strncpy(k->comm, comm, WC_COMM_LEN);
}

static uint64_t column(const struct wc_sum_val *v, int sort)
{
	switch (sort) {
	case WC_TOP_SORT_BYTES: return v->bytes;
	case WC_TOP_SORT_RETRIES: return v->retries;
	case WC_TOP_SORT_DOUBLES: return v->doubles;
	case WC_TOP_SORT_GAPS: return v->gaps;
	case WC_TOP_SORT_SPLITS: return v->splits_own + v->splits_other;
	case WC_TOP_SORT_INCOMPLETE: return v->walks_incomplete;
	default: return v->walks;
	}
}

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct wc_top_row *x = a, *y = b;
	int sort_by = *(const int *)ctx;
	uint64_t cx, cy;

	if (sort_by != WC_TOP_SORT_NAME) {
		cx = column(&x->delta, sort_by), cy = column(&y->delta, sort_by);
		if (cx != cy)
			return cx < cy ? 1 : -1;
		cx = column(&x->total, sort_by), cy = column(&y->total, sort_by);
		if (cx != cy)
			return cx < cy ? 1 : -1;
	}
	return strcmp(x->name, y->name);
}

static void free_hashes(struct prev_entry **prev, struct group_entry **groups)
{
	struct prev_entry *p, *ptmp;
	struct group_entry *g, *gtmp;

	HASH_ITER(hh, *prev, p, ptmp) {
		HASH_DEL(*prev, p);
		free(p);
	}
	HASH_ITER(hh, *groups, g, gtmp) {
		HASH_DEL(*groups, g);
		free(g);
	}
}

/* Index the previous snapshot's rows by (ops, comm). */
static int index_prev(struct prev_entry **hash, const struct wc_snapshot *prev)
{
	for (size_t i = 0; prev && i < prev->n; i++) {
		struct prev_entry *p = calloc(1, sizeof(*p)), *dup;

		if (!p)
			return -1;
		make_key(&p->key, prev->rows[i].ops, prev->rows[i].comm);
		p->row = &prev->rows[i];
		HASH_FIND(hh, *hash, &p->key, sizeof(p->key), dup);
		if (dup) {
			free(p);	/* a snapshot has each pair once; keep the first */
			continue;
		}
		HASH_ADD(hh, *hash, key, sizeof(p->key), p);
	}
	return 0;
}

/* The view's row for snapshot row R, added if new. */
static struct wc_top_row *group_row(struct wc_top_view *v, struct group_entry **groups,
				    const struct wc_sum_row *r, int group)
{
	struct group_entry *g;
	struct wc_sum_key k;
	struct wc_top_row *row;

	make_key(&k, group == WC_TOP_BY_COMM ? 0 : r->ops, group == WC_TOP_BY_COMM ? r->comm : NULL);
	HASH_FIND(hh, *groups, &k, sizeof(k), g);
	if (g)
		return &v->rows[g->index];
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->key = k;
	g->index = v->n++;
	HASH_ADD(hh, *groups, key, sizeof(g->key), g);
	row = &v->rows[g->index];
	memset(row, 0, sizeof(*row));
	if (group == WC_TOP_BY_COMM) {
		char comm[WC_COMM_LEN + 1];

		wc_clean_comm(comm, r->comm);
		snprintf(row->name, sizeof(row->name), "%s", comm);
	} else {
		row->ops = r->ops;
		snprintf(row->name, sizeof(row->name), "%s", r->name);
	}
	return row;
}

static void totals_delta(struct wc_sum_totals *d, const struct wc_sum_totals *cur,
			 const struct wc_sum_totals *prev)
{
	d->ringbuf_drops = grown(cur->ringbuf_drops, prev->ringbuf_drops);
	d->recursion_misses = grown(cur->recursion_misses, prev->recursion_misses);
	d->untracked = grown(cur->untracked, prev->untracked);
	d->lost_exits = grown(cur->lost_exits, prev->lost_exits);
	d->sum_full = grown(cur->sum_full, prev->sum_full);
	d->anomalies = grown(cur->anomalies, prev->anomalies);
	d->walks_open = 0;
}

int wc_top_view_build(struct wc_top_view *v, const struct wc_snapshot *prev,
		      const struct wc_snapshot *cur, int group, int sort, size_t max_rows)
{
	static const struct wc_sum_totals no_totals;
	struct prev_entry *prev_rows = NULL;
	struct group_entry *groups = NULL;

	memset(v, 0, sizeof(*v));
	snprintf(v->others.name, sizeof(v->others.name), "others");
	snprintf(v->all.name, sizeof(v->all.name), "total");
	v->t = cur->t;
	totals_delta(&v->dt, &cur->t, prev ? &prev->t : &no_totals);
	if (prev && cur->ts_ns > prev->ts_ns)
		v->interval_s = (double)(cur->ts_ns - prev->ts_ns) / 1e9;
	if (cur->n && !(v->rows = calloc(cur->n, sizeof(*v->rows))))
		goto nomem;
	if (index_prev(&prev_rows, prev))
		goto nomem;

	for (size_t i = 0; i < cur->n; i++) {
		const struct wc_sum_row *r = &cur->rows[i];
		struct wc_top_row *row = group_row(v, &groups, r, group);
		struct prev_entry *p;
		struct wc_sum_val d;
		struct wc_sum_key k;

		if (!row)
			goto nomem;
		make_key(&k, r->ops, r->comm);
		HASH_FIND(hh, prev_rows, &k, sizeof(k), p);
		if (p)
			delta_val(&d, &r->v, &p->row->v);
		else
			d = r->v;	/* new since PREV: all of it is new */
		wc_sum_val_add(&row->total, &r->v);
		wc_sum_val_add(&row->delta, &d);
		row->merged++;
		wc_sum_val_add(&v->all.total, &r->v);
		wc_sum_val_add(&v->all.delta, &d);
		v->all.merged++;
	}
	free_hashes(&prev_rows, &groups);

	if (v->n > 1)
		qsort_r(v->rows, v->n, sizeof(*v->rows), cmp_rows, &sort);
	if (max_rows && v->n > max_rows) {
		size_t keep = max_rows - 1;

		for (size_t i = keep; i < v->n; i++) {
			wc_sum_val_add(&v->others.total, &v->rows[i].total);
			wc_sum_val_add(&v->others.delta, &v->rows[i].delta);
			v->others.merged += v->rows[i].merged;
		}
		v->n_folded = v->n - keep;
		v->n = keep;
	}
	return 0;
nomem:
	free_hashes(&prev_rows, &groups);
	wc_top_view_free(v);
	return -1;
}

void wc_top_view_free(struct wc_top_view *v)
{
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

double wc_top_rate(const struct wc_top_view *v, uint64_t delta)
{
	return v->interval_s > 0 ? (double)delta / v->interval_s : 0;
}

int wc_snapshot_copy(struct wc_snapshot *dst, const struct wc_snapshot *src)
{
	struct wc_sum_row *rows = NULL;

	if (src->n && !(rows = malloc(src->n * sizeof(*rows))))
		return -1;
	if (src->n)
		memcpy(rows, src->rows, src->n * sizeof(*rows));
	free(dst->rows);
	*dst = *src;
	dst->rows = rows;
	dst->cap = src->n;
	return 0;
}

/* Two anomaly pieces are one anomaly: the merger's key (anomalies.h). */
static bool same_anomaly(const struct wc_event *a, const struct wc_event *b)
{
	struct wc_anomaly_key ka, kb;

	wc_anomaly_key_of(a, &ka);
	wc_anomaly_key_of(b, &kb);
	return !memcmp(&ka, &kb, sizeof(ka));
}

const struct wc_top_anomaly *wc_top_anomaly_add(struct wc_top_anomalies *l,
						const struct wc_event *e, const char *ops)
{
	uint64_t window = l->n < WC_TOP_MERGE_WINDOW ? l->n : WC_TOP_MERGE_WINDOW;
	struct wc_top_anomaly *a;

	l->pieces++;
	for (uint64_t i = l->n - window; i < l->n; i++) {
		a = &l->ring[i % WC_TOP_ANOMALIES];
		if (!same_anomaly(&a->e, e))
			continue;
		if (e->start < a->e.start)
			a->e.start = e->start;
		if (e->end > a->e.end)
			a->e.end = e->end;
		a->e.ret += e->ret > 0 ? e->ret : 1;
		if (e->cls > a->e.cls && e->cls <= WC_SPLIT_OTHER) {
			a->e.cls = e->cls;
			a->e.vma = e->vma;
		}
		return a;
	}
	a = &l->ring[l->n++ % WC_TOP_ANOMALIES];
	a->e = *e;
	if (a->e.ret <= 0)
		a->e.ret = 1;
	snprintf(a->ops, sizeof(a->ops), "%s", ops);
	return a;
}

const struct wc_top_anomaly *wc_top_anomaly_get(const struct wc_top_anomalies *l, uint64_t i)
{
	if (i >= l->n || l->n - i > WC_TOP_ANOMALIES)
		return NULL;
	return &l->ring[i % WC_TOP_ANOMALIES];
}
