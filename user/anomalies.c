// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The anomaly merger: see anomalies.h. */
#include <stdlib.h>
#include <string.h>
#include "anomalies.h"
#include "geometry.h"
#include "grow.h"

static int hash_oom;
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (hash_oom = 1)
#include <uthash.h>

#define BLOCK(a) ((a) & ~(WC_PMD_SIZE - 1))

struct entry {
	struct wc_anomaly_key k;
	size_t idx;		/* in m->v */
	UT_hash_handle hh;
};

struct wc_merger {
	struct entry *h;
	struct wc_merged *v;
	size_t n, cap;
	uint64_t dropped;
};

struct wc_merger *wc_merger_new(void)
{
	return calloc(1, sizeof(struct wc_merger));
}

void wc_merger_free(struct wc_merger *m)
{
	struct entry *x, *tmp;

	if (!m)
		return;
	HASH_ITER(hh, m->h, x, tmp) {
		HASH_DEL(m->h, x);
		free(x);
	}
	free(m->v);
	free(m);
}

void wc_anomaly_key_of(const struct wc_event *e, struct wc_anomaly_key *k)
{
	memset(k, 0, sizeof(*k));
	k->walk_id = e->walk_id;
	k->mm = e->mm;
	k->type = (uint32_t)e->value;
	if (k->type == WC_AN_RETRY || k->type == WC_AN_LIVELOCK) {
		k->kind = e->kind;
		k->at = e->start;
	} else if (k->type == WC_AN_GAP) {
		k->at = e->start;	/* one gap per contiguous unhandled range */
	} else {
		k->at = BLOCK(e->start);
	}
}

/* A split by another task wins over one by the walking task. */
static void merge_split(struct wc_anomaly *a, const struct wc_event *e)
{
	if (e->cls > a->split && e->cls <= WC_SPLIT_OTHER) {
		a->split = e->cls;
		a->split_tid = e->vma;
	}
}

int wc_merger_add(struct wc_merger *m, const struct wc_event *e)
{
	struct wc_anomaly_key k;
	struct entry *x;
	struct wc_anomaly *a;
	uint64_t count = e->ret > 0 ? (uint64_t)e->ret : 1;

	if (e->type != WC_EV_ANOMALY)
		return 0;
	wc_anomaly_key_of(e, &k);
	HASH_FIND(hh, m->h, &k, sizeof(k), x);
	if (x) {
		a = &m->v[x->idx].a;
		if (e->start < a->start)
			a->start = e->start;
		if (e->end > a->end)
			a->end = e->end;
		a->count = (uint32_t)(a->count + count);
		if (e->ts_ns < a->first_ts)
			a->first_ts = e->ts_ns;
		if (e->ts_ns > a->last_ts)
			a->last_ts = e->ts_ns;
		merge_split(a, e);
		return 0;
	}
	if (m->n >= WC_MERGER_MAX)
		goto drop;
	if (wc_grow(&m->v, &m->cap, m->n + 1, sizeof(*m->v), 64))
		goto drop;
	x = calloc(1, sizeof(*x));
	if (!x)
		goto drop;
	x->k = k;
	x->idx = m->n;
	hash_oom = 0;
	HASH_ADD(hh, m->h, k, sizeof(x->k), x);
	if (hash_oom) {
		free(x);
		goto drop;
	}
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	a = &m->v[m->n].a;
	a->type = k.type;
	a->walk_id = e->walk_id;
	a->pid = e->pid;
	a->tid = e->tid;
	memcpy(a->comm, e->comm, WC_COMM_LEN);
	a->ops = e->ops;
	a->mm = e->mm;
	a->start = e->start;
	a->end = e->end;
	a->kind = e->kind;
	a->count = (uint32_t)count;
	a->first_ts = a->last_ts = e->ts_ns;
	merge_split(a, e);
	m->v[m->n].stack_id = e->depth;
	m->n++;
	return 0;
drop:
	m->dropped++;
	return -1;
}

size_t wc_merger_count(const struct wc_merger *m)
{
	return m->n;
}

const struct wc_merged *wc_merger_get(const struct wc_merger *m, size_t i)
{
	return i < m->n ? &m->v[i] : NULL;
}

uint64_t wc_merger_dropped(const struct wc_merger *m)
{
	return m->dropped;
}
