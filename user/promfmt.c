// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Summary snapshots as Prometheus text exposition 0.0.4: see promfmt.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "promfmt.h"

#define LABEL_LEN (2 * 128 + 1)	/* an escaped ops name: every byte may double */
#define OTHER "other"

/* One label set: ops and comm, escaped; its counters only grow. */
struct wc_prom_series {
	char key[2 * LABEL_LEN + 1];	/* ops "\x1f" comm: the hash key */
	char ops[LABEL_LEN];
	char comm[LABEL_LEN];
	bool other;			/* the folded series */
	bool shown;			/* in the latest update's top N (or other) */
	uint64_t v[WC_PC_N];
	UT_hash_handle hh;
};

struct row_key {
	uint64_t ops;
	char comm[WC_COMM_LEN];
};

/* One kernel row (ops id, comm): the values of the last update. */
struct wc_prom_row {
	struct row_key k;
	uint64_t last[WC_PC_N];
	UT_hash_handle hh;
};

/* The session-wide counters, as lost-event causes. */
enum { LC_RINGBUF, LC_RECURSION, LC_UNTRACKED, LC_LOST_EXIT, LC_SUM_FULL, LC_N };

static const struct {
	const char *name;	/* walkcov_<name> */
	const char *help;
} counters[WC_PC_N] = {
	[WC_PC_WALKS] = { "walks_total", "Page walks closed (outermost entry point returned)." },
	[WC_PC_COMPLETE] = { "walks_complete_total", "Walks judged in full: begin, end and every event seen." },
	[WC_PC_INCOMPLETE] = { "walks_incomplete_total", "Walks not judged in full (could not prove)." },
	[WC_PC_PROVEN] = { "walks_proven_total", "Complete walks without double, out-of-order visit, livelock or gap." },
	[WC_PC_STOPPED] = { "walks_stopped_total", "Walks a callback's non-zero return ended early; what follows the stop is neither coverage nor a gap." },
	[WC_PC_UNSURE] = { "walks_unsure_total", "Walks with a range no callback handled that could not be told from one the walker is silent on by design (incomplete: could not prove)." },
	[WC_PC_BYTES] = { "handled_bytes_total", "Bytes of address space handled by callbacks, each once per walk." },
	[WC_PC_PMD_HUGE] = { "pmd_huge_total", "Huge pmds handled at pmd level." },
	[WC_PC_PTE_VISITS] = { "pte_visits_total", "pte_entry calls." },
	[WC_PC_HOLES] = { "holes_total", "pte_hole calls." },
	[WC_PC_RETRIES] = { "retries_total", "Ranges visited again: ACTION_AGAIN and the walker's own retries." },
	[WC_PC_DOUBLES] = { "doubles_total", "Ranges handled twice in one walk (pmd granularity: 2 MiB, 32 MiB with 16 KiB pages)." },
	[WC_PC_OUT_OF_ORDER] = { "out_of_order_total", "Visits below the walk's cursor." },
	[WC_PC_LIVELOCKS] = { "livelocks_total", "Ranges retried past the livelock threshold." },
	[WC_PC_GAPS] = { "gaps_total", "Ranges of complete walks that no callback handled, one per contiguous range." },
	/* WC_PC_SPLITS_*: one family with a "by" label, below */
};

static const struct {
	const char *cause;
	size_t off;
} lost_causes[LC_N] = {
	[LC_RINGBUF] = { "ringbuf", offsetof(struct wc_sum_totals, ringbuf_drops) },
	[LC_RECURSION] = { "recursion", offsetof(struct wc_sum_totals, recursion_misses) },
	[LC_UNTRACKED] = { "untracked", offsetof(struct wc_sum_totals, untracked) },
	[LC_LOST_EXIT] = { "lost_exit", offsetof(struct wc_sum_totals, lost_exits) },
	[LC_SUM_FULL] = { "summary_full", offsetof(struct wc_sum_totals, sum_full) },
};

static uint64_t val_of(const struct wc_sum_val *v, int c)
{
	switch (c) {
	case WC_PC_WALKS: return v->walks;
	case WC_PC_COMPLETE: return v->walks_complete;
	case WC_PC_INCOMPLETE: return v->walks_incomplete;
	case WC_PC_PROVEN: return v->walks_proven;
	case WC_PC_STOPPED: return v->walks_stopped;
	case WC_PC_UNSURE: return v->walks_unsure;
	case WC_PC_BYTES: return v->bytes;
	case WC_PC_PMD_HUGE: return v->pmd_huge;
	case WC_PC_PTE_VISITS: return v->pte_visits;
	case WC_PC_HOLES: return v->holes;
	case WC_PC_RETRIES: return v->retries;
	case WC_PC_DOUBLES: return v->doubles;
	case WC_PC_OUT_OF_ORDER: return v->out_of_order;
	case WC_PC_LIVELOCKS: return v->livelocks;
	case WC_PC_GAPS: return v->gaps;
	case WC_PC_SPLITS_OWN: return v->splits_own;
	case WC_PC_SPLITS_OTHER: return v->splits_other;
	}
	return 0;
}

/* Growth from LAST to NOW; a counter that shrank was reset (Prometheus'
 * rule), so all of NOW is new. */
static uint64_t growth(uint64_t last, uint64_t now)
{
	return now >= last ? now - last : now;
}

size_t wc_prom_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char e[3] = { c, 0, 0 };

		if (c == '\\' || c == '"')
			e[0] = '\\', e[1] = c;
		else if (c == '\n')
			e[0] = '\\', e[1] = 'n';
		else if (c < 0x20 || c >= 0x7f)
			e[0] = '?';
		for (char *p = e; *p; p++, n++)
			if (n + 1 < size)
				dst[n] = *p;
	}
	if (size)
		dst[n < size ? n : size - 1] = 0;
	return n;
}

void wc_prom_init(struct wc_prom *p, size_t max_series, const char *version)
{
	memset(p, 0, sizeof(*p));
	p->max_series = max_series;
	p->version = version;
}

void wc_prom_free(struct wc_prom *p)
{
	struct wc_prom_series *s, *stmp;
	struct wc_prom_row *r, *rtmp;

	HASH_ITER(hh, p->series, s, stmp) {
		HASH_DEL(p->series, s);
		free(s);
	}
	HASH_ITER(hh, p->rows, r, rtmp) {
		HASH_DEL(p->rows, r);
		free(r);
	}
	memset(p, 0, sizeof(*p));
}

static struct wc_prom_series *series_get(struct wc_prom *p, const char *ops, const char *comm,
					 bool other)
{
	struct wc_prom_series *s;
	char key[sizeof(s->key)];

	snprintf(key, sizeof(key), "%s\x1f%s", ops, comm);
	HASH_FIND_STR(p->series, key, s);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->key, key, sizeof(key));
	snprintf(s->ops, sizeof(s->ops), "%s", ops);
	snprintf(s->comm, sizeof(s->comm), "%s", comm);
	s->other = other;
	HASH_ADD_STR(p->series, key, s);
	return s;
}

static struct wc_prom_row *row_get(struct wc_prom *p, const struct wc_sum_row *sr)
{
	struct wc_prom_row *r;
	struct row_key k;

	memset(&k, 0, sizeof(k));
	k.ops = sr->ops;
	memcpy(k.comm, sr->comm, strnlen(sr->comm, WC_COMM_LEN));
	HASH_FIND(hh, p->rows, &k, sizeof(k), r);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->k = k;
	HASH_ADD(hh, p->rows, k, sizeof(r->k), r);
	return r;
}

/* Labels of a snapshot row, escaped. */
struct labels {
	char ops[LABEL_LEN];
	char comm[LABEL_LEN];
};

static void row_labels(const struct wc_sum_row *r, struct labels *l)
{
	char comm[WC_COMM_LEN + 1];
	char name[sizeof(r->name) + 1];

	memcpy(comm, r->comm, WC_COMM_LEN);
	comm[WC_COMM_LEN] = 0;
	memcpy(name, r->name, sizeof(r->name));
	name[sizeof(r->name)] = 0;
	wc_prom_escape(l->ops, sizeof(l->ops), name);
	wc_prom_escape(l->comm, sizeof(l->comm), comm);
}

/* Snapshot rows ranked: rows with an anomaly first (a double or a gap
 * must never hide in "other"), then most walks, then by labels (deterministic). */
struct ranked {
	const struct wc_sum_row *r;
	struct labels l;
};

static bool anomalous(const struct wc_sum_val *v)
{
	return v->doubles || v->out_of_order || v->livelocks || v->gaps;
}

static int by_walks(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c;

	if (anomalous(&x->r->v) != anomalous(&y->r->v))
		return anomalous(&x->r->v) ? -1 : 1;
	if (x->r->v.walks != y->r->v.walks)
		return x->r->v.walks < y->r->v.walks ? 1 : -1;
	c = strcmp(x->l.ops, y->l.ops);
	return c ? c : strcmp(x->l.comm, y->l.comm);
}

int wc_prom_update(struct wc_prom *p, const struct wc_snapshot *snap)
{
	struct wc_prom_series *s, *tmp;
	struct ranked *rk;
	size_t named = 0;
	int ret = 0;

	rk = calloc(snap->n ? snap->n : 1, sizeof(*rk));
	if (!rk)
		return -1;
	for (size_t i = 0; i < snap->n; i++) {
		rk[i].r = &snap->rows[i];
		row_labels(rk[i].r, &rk[i].l);
	}
	qsort(rk, snap->n, sizeof(*rk), by_walks);

	HASH_ITER(hh, p->series, s, tmp)
		s->shown = s->other;	/* "other" stays once it exists */
	for (size_t i = 0; i < snap->n; i++) {
		const struct labels *l = &rk[i].l;
		struct wc_prom_series *dst = NULL;
		struct wc_prom_row *r;
		char key[sizeof(dst->key)];

		/* a label set already shown this update takes its other rows too */
		snprintf(key, sizeof(key), "%s\x1f%s", l->ops, l->comm);
		HASH_FIND_STR(p->series, key, dst);
		if (dst && (dst->other || !dst->shown))
			dst = NULL;
		/* a real row labelled like the folded series is folded */
		if (!dst && named < p->max_series &&
		    !(!strcmp(l->ops, OTHER) && !strcmp(l->comm, OTHER))) {
			dst = series_get(p, l->ops, l->comm, false);
			if (dst) {
				dst->shown = true;
				named++;
			}
		} else if (!dst) {
			dst = series_get(p, OTHER, OTHER, true);
			if (dst)
				dst->shown = true;
		}
		r = row_get(p, rk[i].r);
		if (!dst || !r) {
			ret = -1;
			continue;
		}
		for (int c = 0; c < WC_PC_N; c++) {
			uint64_t now = val_of(&rk[i].r->v, c);

			dst->v[c] += growth(r->last[c], now);
			r->last[c] = now;
		}
	}
	free(rk);

	/* lost-event causes are cumulative counters; open walks a gauge */
	for (int c = 0; c < LC_N; c++) {
		uint64_t *mine = (uint64_t *)((char *)&p->t + lost_causes[c].off);
		uint64_t now = *(const uint64_t *)((const char *)&snap->t + lost_causes[c].off);

		*mine = *mine > now ? *mine : now;
	}
	p->t.anomalies = p->t.anomalies > snap->t.anomalies ? p->t.anomalies : snap->t.anomalies;
	p->t.walks_open = snap->t.walks_open;
	p->updates++;
	return ret;
}

/* The shown series, sorted by labels, "other" last. */
static int by_labels(const void *a, const void *b)
{
	const struct wc_prom_series *x = *(struct wc_prom_series *const *)a;
	const struct wc_prom_series *y = *(struct wc_prom_series *const *)b;
	int c;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	c = strcmp(x->ops, y->ops);
	return c ? c : strcmp(x->comm, y->comm);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP walkcov_%s %s\n# TYPE walkcov_%s %s\n", name, help, name, type);
}

int wc_prom_render(const struct wc_prom *p, FILE *f)
{
	struct wc_prom_series *s, *tmp, **shown;
	size_t n = 0;
	int ret;

	shown = calloc(HASH_COUNT(p->series) + 1, sizeof(*shown));
	if (!shown)
		return -1;
	HASH_ITER(hh, p->series, s, tmp)
		if (s->shown)
			shown[n++] = s;
	qsort(shown, n, sizeof(*shown), by_labels);

	for (int c = 0; c < WC_PC_N; c++) {
		if (!counters[c].name)
			continue;
		family(f, counters[c].name, "counter", counters[c].help);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "walkcov_%s{ops=\"%s\",comm=\"%s\"} %" PRIu64 "\n",
				counters[c].name, shown[i]->ops, shown[i]->comm, shown[i]->v[c]);
	}
	family(f, "splits_total", "counter",
	       "Huge-pmd splits during walks, by the walking task (own) or another task (other).");
	for (size_t i = 0; i < n; i++)
		for (int c = WC_PC_SPLITS_OWN; c <= WC_PC_SPLITS_OTHER; c++)
			fprintf(f, "walkcov_splits_total{ops=\"%s\",comm=\"%s\",by=\"%s\"} %" PRIu64 "\n",
				shown[i]->ops, shown[i]->comm,
				c == WC_PC_SPLITS_OWN ? "own" : "other", shown[i]->v[c]);
	free(shown);

	family(f, "lost_events_total", "counter",
	       "Events or walks walkcov could not count, by cause (docs/exporter.md).");
	for (int c = 0; c < LC_N; c++)
		fprintf(f, "walkcov_lost_events_total{cause=\"%s\"} %" PRIu64 "\n", lost_causes[c].cause,
			*(const uint64_t *)((const char *)&p->t + lost_causes[c].off));
	family(f, "anomaly_events_total", "counter",
	       "Anomaly events (double, retry, out-of-order, livelock, gap) received from the kernel.");
	fprintf(f, "walkcov_anomaly_events_total %" PRIu64 "\n", p->t.anomalies);
	family(f, "open_walks", "gauge", "Walks in flight at the latest snapshot.");
	fprintf(f, "walkcov_open_walks %" PRIu64 "\n", p->t.walks_open);
	family(f, "build_info", "gauge", "walkcov's version; always 1.");
	ret = fprintf(f, "walkcov_build_info{version=\"%s\"} 1\n", p->version ? p->version : "");
	return ret < 0 || ferror(f) ? -1 : ret;
}

char *wc_prom_render_str(const struct wc_prom *p, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int ret;

	if (!f)
		return NULL;
	ret = wc_prom_render(p, f);
	if (fclose(f) || ret < 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = size;
	return buf;
}
