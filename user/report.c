// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The coverage report: see report.h and docs/report.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "census.h"
#include "fmt.h"
#include "grow.h"
#include "kaddr.h"
#include "recfile.h"
#include "report.h"

#define AN_LAST WC_AN_GAP	/* the highest anomaly type */

/* An anomaly type's slot in by_type: unknown ones share the last. */
static uint32_t an_slot(uint32_t type)
{
	return type >= 1 && type <= AN_LAST ? type : AN_LAST + 1;
}

/* A row's key: an ops struct (comm "") or a command (ops 0). Compared as
 * bytes, so always built zeroed. */
struct row_key {
	uint64_t ops;
	char comm[WC_COMM_LEN + 1];
};

struct row {
	struct row_key key;
	UT_hash_handle hh;
	uint64_t walks, bytes, pmd_huge, pmd_down, pte_visits, holes, pud_visits, hugetlb;
	uint64_t splits_own, splits_other, retries, doubles, out_of_order, livelocks, gaps;
	uint64_t incomplete;	/* walks not all of whose events were seen (WC_W_INCOMPLETE) */
	uint64_t unsure;	/* ... of them with a range that may be a gap (WC_W_UNSURE) */
	uint64_t raced;		/* ... of those, a fault filled it while the walk ran */
	uint64_t stopped;	/* walks a non-zero return ended early (WC_W_STOPPED) */
};

struct table {
	struct row *head;
	struct row other;	/* rows past WC_REPORT_MAX_ROWS */
};

/* The first address seen with each ops name (canonical_ops). */
struct canon {
	const char *name;	/* owned by the report's symtab */
	uint64_t ops;
	UT_hash_handle hh;
};

struct wc_report {
	struct wc_report_meta meta;
	struct canon *canon;
	struct table ops, comms;
	struct row total;
	struct wc_symtab *syms;
	struct wc_anomaly *an;
	char **an_stack;			/* per stored anomaly: frames joined by '\n', or NULL */
	size_t nan, capan, capstack;	/* capstack: an_stack's capacity */
	uint64_t an_total, an_dropped;
	uint64_t by_type[AN_LAST + 2];		/* last slot: unknown types */
	uint64_t split_races;			/* anomalies with split OTHER */
	uint64_t race_by_type[AN_LAST + 2];	/* ... of them with split OTHER */
	uint64_t gap_bytes;			/* bytes of the gap anomalies */
	uint64_t first_ts, last_ts;		/* over the walks */
	struct wc_census census;		/* walker users, and what the run reached */
};

/* ---- small helpers ---- */

const char *wc_human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%" PRIu64, n);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

static const char *name_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static const char *ops_name(const struct wc_report *r, uint64_t ops, char *buf, size_t size)
{
	return wc_ops_name(r->syms, ops, "[unknown]", buf, size);
}

/* ---- tables ---- */

static struct row *table_get(struct table *t, uint64_t ops, const char *comm)
{
	struct row_key k;
	struct row *x;

	memset(&k, 0, sizeof(k));
	k.ops = ops;
	snprintf(k.comm, sizeof(k.comm), "%s", comm);
	HASH_FIND(hh, t->head, &k, sizeof(k), x);
	if (x)
		return x;
	if (HASH_COUNT(t->head) >= WC_REPORT_MAX_ROWS || !(x = calloc(1, sizeof(*x))))
		return &t->other;
	x->key = k;
	HASH_ADD(hh, t->head, key, sizeof(x->key), x);
	return x;
}

static void table_free(struct table *t)
{
	struct row *x, *tmp;

	HASH_ITER(hh, t->head, x, tmp) {
		HASH_DEL(t->head, x);
		free(x);
	}
}

static void row_add(struct row *x, const struct wc_walk *w)
{
	x->walks++;
	x->bytes += w->bytes;
	x->pmd_huge += w->pmd_huge;
	x->pmd_down += w->pmd_down;
	x->pte_visits += w->pte_visits;
	x->holes += w->holes;
	x->pud_visits += w->pud_visits;
	x->hugetlb += w->hugetlb;
	x->splits_own += w->splits_own;
	x->splits_other += w->splits_other;
	x->retries += w->retries;
	x->doubles += w->doubles;
	x->out_of_order += w->out_of_order;
	x->livelocks += w->livelocks;
	x->gaps += w->gaps;
	x->incomplete += !!(w->flags & WC_W_INCOMPLETE);
	x->unsure += !!(w->flags & WC_W_UNSURE);
	x->raced += !!(w->flags & WC_W_RACED);
	x->stopped += !!(w->flags & WC_W_STOPPED);
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	if (x->walks != y->walks)
		return x->walks > y->walks ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->key.ops != y->key.ops)
		return x->key.ops < y->key.ops ? -1 : 1;
	return strcmp(x->key.comm, y->key.comm);
}

/* Rows sorted by walks, descending; "other" last. Caller frees. */
static const struct row **table_sorted(const struct table *t, size_t *n)
{
	const struct row **v = calloc(HASH_COUNT(t->head) + 1, sizeof(*v));
	const struct row *x;
	size_t k = 0;

	if (!v) {
		*n = 0;
		return NULL;
	}
	for (x = t->head; x; x = x->hh.next)
		v[k++] = x;
	qsort(v, k, sizeof(*v), row_cmp);
	if (t->other.walks)
		v[k++] = &t->other;
	*n = k;
	return v;
}

/* ---- feeding ---- */

static uint64_t canonical_ops(struct wc_report *r, uint64_t ops);

struct wc_report *wc_report_new(void)
{
	struct wc_report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->syms = wc_symtab_new();
	if (!r->syms) {
		free(r);
		return NULL;
	}
	snprintf(r->ops.other.key.comm, sizeof(r->ops.other.key.comm), "[other]");
	snprintf(r->comms.other.key.comm, sizeof(r->comms.other.key.comm), "[other]");
	r->meta.cmd_status = -1;
	wc_census_init(&r->census);
	return r;
}

void wc_report_free(struct wc_report *r)
{
	struct canon *c, *tmp;

	if (!r)
		return;

	table_free(&r->ops);
	table_free(&r->comms);
	HASH_ITER(hh, r->canon, c, tmp) {
		HASH_DEL(r->canon, c);
		free(c);
	}
	for (size_t i = 0; i < r->nan; i++)
		free(r->an_stack[i]);
	free(r->an_stack);
	free(r->an);
	wc_symtab_free(r->syms);
	wc_census_free(&r->census);
	free(r);
}

/* One row per ops name: ops built on the kernel stack (7.x madvise, guard
 * regions) have a new address per walk but the same name. Such ops stay
 * nameless when no callback ran in the walk: those share the row 0
 * ("[unknown]"), not one row per stack address. */
static uint64_t canonical_ops(struct wc_report *r, uint64_t ops)
{
	const char *name = wc_symtab_name(r->syms, ops);
	struct canon *c;

	if (!name)
		return ops < WC_KERNEL_IMAGE_BASE ? 0 : ops;
	HASH_FIND_STR(r->canon, name, c);
	if (c)
		return c->ops;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ops;
	c->name = name;
	c->ops = ops;
	HASH_ADD_KEYPTR(hh, r->canon, c->name, strlen(c->name), c);
	return ops;
}

void wc_report_walk(struct wc_report *r, const struct wc_walk *w)
{
	char comm[WC_COMM_LEN + 1];

	wc_clean_comm(comm, w->comm);
	row_add(table_get(&r->ops, canonical_ops(r, w->ops), ""), w);
	row_add(table_get(&r->comms, 0, comm), w);
	row_add(&r->total, w);
	if (w->begin_ts && (!r->first_ts || w->begin_ts < r->first_ts))
		r->first_ts = w->begin_ts;
	if (w->end_ts > r->last_ts)
		r->last_ts = w->end_ts;
}

void wc_report_anomaly(struct wc_report *r, const struct wc_anomaly *a)
{
	r->an_total++;
	r->by_type[an_slot(a->type)]++;
	if (a->type == WC_AN_GAP && a->end > a->start)
		r->gap_bytes += a->end - a->start;
	if (a->split == WC_SPLIT_OTHER) {
		r->split_races++;
		r->race_by_type[an_slot(a->type)]++;
	}
	if (r->nan >= WC_REPORT_MAX_ANOMALIES) {
		r->an_dropped++;
		return;
	}
	if (wc_grow(&r->an, &r->capan, r->nan + 1, sizeof(*r->an), 64) ||
	    wc_grow(&r->an_stack, &r->capstack, r->nan + 1, sizeof(*r->an_stack), 64)) {
		r->an_dropped++;
		return;
	}
	r->an_stack[r->nan] = NULL;
	r->an[r->nan++] = *a;
}

/* Summary mode counts no callback: a callback counts as reached when its
 * named ops struct has walks in the ops rows. */
static void census_by_ops(struct wc_report *r)
{
	char nb[160];

	wc_census_clear_ops(&r->census);
	if (!r->meta.summary_mode)
		return;
	for (const struct row *x = r->ops.head; x; x = x->hh.next)
		wc_census_mark_ops(&r->census, ops_name(r, x->key.ops, nb, sizeof(nb)), x->walks);
}

struct wc_census *wc_report_census(struct wc_report *r)
{
	return &r->census;
}

const struct wc_anomaly *wc_report_anomalies(const struct wc_report *r, size_t *n)
{
	*n = r->nan;
	return r->an;
}

const char *wc_report_ops_name(const struct wc_report *r, uint64_t ops, char *buf, size_t size)
{
	return ops_name(r, ops, buf, size);
}

void wc_report_anomaly_stack(struct wc_report *r, const struct wc_anomaly *a,
			     const char *const *frames, int n)
{
	size_t len = 1, before = r->nan;
	char *s;

	wc_report_anomaly(r, a);
	if (r->nan == before || n <= 0)
		return;		/* not stored, or no stack */
	for (int i = 0; i < n; i++)
		len += strlen(frames[i]) + 1;
	s = malloc(len);
	if (!s)
		return;
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(s, frames[i]);
		if (i + 1 < n)
			strcat(s, "\n");
	}
	r->an_stack[before] = s;
}

static void row_add_sum(struct row *x, const struct wc_sum_val *v)
{
	x->walks += v->walks;
	x->bytes += v->bytes;
	x->pmd_huge += v->pmd_huge;
	x->pmd_down += v->pmd_down;
	x->pte_visits += v->pte_visits;
	x->holes += v->holes;
	x->pud_visits += v->pud_visits;
	x->hugetlb += v->hugetlb;
	x->splits_own += v->splits_own;
	x->splits_other += v->splits_other;
	x->retries += v->retries;
	x->doubles += v->doubles;
	x->out_of_order += v->out_of_order;
	x->livelocks += v->livelocks;
	x->gaps += v->gaps;
	x->incomplete += v->walks_incomplete;
	x->unsure += v->walks_unsure;
	x->raced += v->walks_raced;
	x->stopped += v->walks_stopped;
}

void wc_report_summary(struct wc_report *r, const struct wc_snapshot *s)
{
	struct wc_report_meta *m = &r->meta;
	char comm[WC_COMM_LEN + 1];

	table_free(&r->ops);
	table_free(&r->comms);
	memset(&r->ops.other, 0, sizeof(r->ops.other));
	memset(&r->comms.other, 0, sizeof(r->comms.other));
	snprintf(r->ops.other.key.comm, sizeof(r->ops.other.key.comm), "[other]");
	snprintf(r->comms.other.key.comm, sizeof(r->comms.other.key.comm), "[other]");
	memset(&r->total, 0, sizeof(r->total));
	m->walks_complete = m->walks_incomplete = m->walks_proven = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct wc_sum_row *x = &s->rows[i];

		wc_clean_comm(comm, x->comm);
		row_add_sum(table_get(&r->ops, canonical_ops(r, x->ops), ""), &x->v);
		row_add_sum(table_get(&r->comms, 0, comm), &x->v);
		row_add_sum(&r->total, &x->v);
		m->walks_complete += x->v.walks_complete;
		m->walks_incomplete += x->v.walks_incomplete;
		m->walks_proven += x->v.walks_proven;
	}
	m->summary_mode = true;
	m->untracked_events = s->t.untracked;
	m->walks_open = s->t.walks_open;
	m->sum_full = s->t.sum_full;
	m->splits_seen = r->total.splits_own + r->total.splits_other;
}

void wc_report_symbol(struct wc_report *r, uint64_t addr, const char *name)
{
	wc_symtab_add(r->syms, addr, name);
}

void wc_report_on_walk(const struct wc_walk *w, void *report)
{
	wc_report_walk(report, w);
}

void wc_report_on_anomaly(const struct wc_anomaly *a, void *report)
{
	wc_report_anomaly(report, a);
}

/* ---- metadata ---- */

struct wc_report_meta *wc_report_meta(struct wc_report *r)
{
	return &r->meta;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void wc_meta_from_header(struct wc_report_meta *m, struct json_object *hdr)
{
	char buf[512];

	copy_str(m->kernel, sizeof(m->kernel), wc_hdr_str(hdr, "kernel"));
	copy_str(m->machine, sizeof(m->machine), wc_hdr_str(hdr, "machine"));
	copy_str(m->hostname, sizeof(m->hostname), wc_hdr_str(hdr, "hostname"));
	copy_str(m->start_time, sizeof(m->start_time), wc_hdr_str(hdr, "start_time"));
	copy_str(m->mechanism, sizeof(m->mechanism), wc_hdr_str(hdr, "mechanism"));
	copy_str(m->command, sizeof(m->command), wc_hdr_argv(hdr, "command", buf, sizeof(buf)));
	copy_str(m->cmdline, sizeof(m->cmdline), wc_hdr_argv(hdr, "cmdline", buf, sizeof(buf)));
	m->start_ns = wc_hdr_u64(hdr, "monotonic_start_ns");
	wc_filter_from_json(&m->filter, json_object_object_get(hdr, "filters"));
}

void wc_meta_from_lost(struct wc_report_meta *m, const struct wc_rec_lost *l)
{
	/* cumulative counters: the largest is the latest */
	if (l->ringbuf_drops > m->ringbuf_drops)
		m->ringbuf_drops = l->ringbuf_drops;
	if (l->recursion_misses > m->recursion_misses)
		m->recursion_misses = l->recursion_misses;
}

void wc_meta_prog_miss(struct wc_report_meta *m, const char *name, uint64_t misses)
{
	unsigned i;

	for (i = 0; i < m->nprogs; i++) {
		if (!strncmp(m->progs[i].name, name, sizeof(m->progs[i].name) - 1))
			break;
	}
	if (i == m->nprogs) {
		if (m->nprogs >= WC_REPORT_MAX_PROGS)
			return;
		m->nprogs++;
		copy_str(m->progs[i].name, sizeof(m->progs[i].name), name);
		m->progs[i].misses = 0;
	}
	if (misses > m->progs[i].misses)
		m->progs[i].misses = misses;
}

void wc_meta_from_end(struct wc_report_meta *m, const struct wc_rec_end *e,
		      struct json_object *extra)
{
	struct json_object *pm, *v;

	m->events = e->events;
	m->ringbuf_drops = e->ringbuf_drops;
	m->recursion_misses = e->recursion_misses;
	m->duration_ns = e->duration_ns;
	if (extra && json_object_object_get_ex(extra, "prog_misses", &pm) &&
	    json_object_is_type(pm, json_type_object)) {
		json_object_object_foreach(pm, name, val) {
			if (json_object_is_type(val, json_type_int))
				wc_meta_prog_miss(m, name, json_object_get_uint64(val));
		}
	}
	if (extra && json_object_object_get_ex(extra, "stash_drops", &v) &&
	    json_object_is_type(v, json_type_int))
		m->stash_drops = json_object_get_uint64(v);
	if (extra && json_object_object_get_ex(extra, "cmd_status", &v) &&
	    json_object_is_type(v, json_type_int))
		m->cmd_status = json_object_get_int(v);
	if (extra && json_object_object_get_ex(extra, "cmd_signal", &v) &&
	    json_object_is_type(v, json_type_int))
		m->cmd_signal = json_object_get_int(v);
}

const char *wc_report_workload_failure(const struct wc_report_meta *m, char *buf, size_t size)
{
	int n = (int)strcspn(m->command, " ");

	if (m->cmd_signal > 0)
		snprintf(buf, size, "workload '%.*s' was killed by signal %d (%s)", n, m->command,
			 m->cmd_signal, strsignal(m->cmd_signal));
	else if (m->cmd_status > 0)
		snprintf(buf, size, "workload '%.*s' exited with status %d", n, m->command,
			 m->cmd_status);
	else
		return NULL;
	return buf;
}

void wc_meta_from_engine(struct wc_report_meta *m, const struct wc_engine_stats *s)
{
	m->walks_complete = s->walks_complete;
	m->walks_incomplete = s->walks_incomplete;
	m->walks_proven = s->walks_proven;
	m->missing_events = s->missing_events;
	m->untracked_events = s->untracked_events;
	m->evicted = s->evicted;
	m->nomem_events = s->nomem_events;
	m->orphan_events = s->orphan_events;
	m->splits_seen = s->splits_huge;
}

/* ---- derived values ---- */

static uint64_t lost_total(const struct wc_report_meta *m)
{
	return m->ringbuf_drops + m->recursion_misses;
}

/* duration from the trailer, else from the walks seen */
static uint64_t duration(const struct wc_report *r, bool *estimated)
{
	uint64_t base = r->meta.start_ns ? r->meta.start_ns : r->first_ts;

	*estimated = false;
	if (r->meta.duration_ns)
		return r->meta.duration_ns;
	*estimated = true;
	return r->last_ts > base ? r->last_ts - base : 0;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

uint64_t wc_report_count(const struct wc_report *r, uint32_t type)
{
	return type >= 1 && type <= AN_LAST ? r->by_type[type] : 0;
}

/* Why a run cannot be proven ("" when nothing stands in the way): decides
 * the verdict and ends its line. */
static size_t unproven_why(const struct wc_report *r, char *buf, size_t size)
{
	const struct wc_report_meta *m = &r->meta;
	size_t n = 0;
	const char *sep = "";

	if (!r->total.walks) {
		n += (size_t)snprintf(buf + n, size - n, "no walk traced");
		sep = ", ";
	}
	if (n < size && r->total.incomplete) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " %s %s", sep,
				      r->total.incomplete, plural(r->total.incomplete, "walk", "walks"),
				      m->summary_mode ? "not judged in full in the kernel (try --full)" :
				      "incomplete");
		sep = ", ";
	}
	if (n < size && r->total.unsure)
		n += (size_t)snprintf(buf + n, size - n, " (%" PRIu64 " of them had a range no"
				      " callback handled that could not be told from one the walker"
				      " is silent on by design; %" PRIu64 " raced a fault that filled it)",
				      r->total.unsure, r->total.raced);
	if (n < size && m->walks_open) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " %s still open at the end",
				      sep, m->walks_open, plural(m->walks_open, "walk", "walks"));
		sep = ", ";
	}
	if (n < size && m->sum_full) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " walks not counted (summary map full)",
				      sep, m->sum_full);
		sep = ", ";
	}
	if (n < size && lost_total(m)) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " events lost", sep,
				      lost_total(m));
		sep = ", ";
	}
	if (n < size && m->untracked_events) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " events of untracked tasks",
				      sep, m->untracked_events);
		sep = ", ";
	}
	if (n < size && m->nomem_events) {
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " events not judged (out of memory)",
				      sep, m->nomem_events);
		sep = ", ";
	}
	if (n < size && m->truncated)
		n += (size_t)snprintf(buf + n, size - n, "%srecording truncated", sep);
	return n;
}

enum wc_verdict wc_report_verdict_kind(const struct wc_report *r)
{
	char why[256];

	if (r->by_type[WC_AN_DOUBLE] || r->by_type[WC_AN_OUT_OF_ORDER] ||
	    r->by_type[WC_AN_LIVELOCK] || r->by_type[WC_AN_GAP])
		return WC_VERDICT_ANOMALIES;
	/* the reasons are listed in one place, unproven_why */
	return unproven_why(r, why, sizeof(why)) ? WC_VERDICT_UNPROVEN : WC_VERDICT_PROVEN;
}

const char *wc_verdict_name(enum wc_verdict v)
{
	switch (v) {
	case WC_VERDICT_PROVEN: return "proven";
	case WC_VERDICT_ANOMALIES: return "anomalies";
	default: return "unproven";
	}
}

const char *wc_report_verdict(struct wc_report *r, char *buf, size_t size)
{
	uint64_t d = r->by_type[WC_AN_DOUBLE], re = r->by_type[WC_AN_RETRY];
	uint64_t o = r->by_type[WC_AN_OUT_OF_ORDER], l = r->by_type[WC_AN_LIVELOCK];
	uint64_t g = r->by_type[WC_AN_GAP];
	uint64_t wn = r->total.walks;
	enum wc_verdict v = wc_report_verdict_kind(r);
	size_t n;

	if (v == WC_VERDICT_PROVEN)
		n = (size_t)snprintf(buf, size, "proven: every range handled exactly once in %"
				     PRIu64 " complete %s", wn, plural(wn, "walk", "walks"));
	else if (v == WC_VERDICT_UNPROVEN)
		n = (size_t)snprintf(buf, size, "could not prove: no double handling or gap seen in %"
				     PRIu64 " %s (%" PRIu64 " proven exactly-once)", wn,
				     plural(wn, "walk", "walks"), r->meta.walks_proven);
	else if (!d && g)
		n = (size_t)snprintf(buf, size, "%" PRIu64 " %s (%s no callback handled) in %"
				     PRIu64 " %s", g, plural(g, "gap", "gaps"),
				     plural(g, "a range", "ranges"), wn, plural(wn, "walk", "walks"));
	else if (!d)
		n = (size_t)snprintf(buf, size, "no double handling in %" PRIu64 " %s", wn,
				     plural(wn, "walk", "walks"));
	else
		n = (size_t)snprintf(buf, size, "%" PRIu64 " %s in %" PRIu64 " %s (%" PRIu64
				     " with a concurrent split)", d, plural(d, "double", "doubles"),
				     wn, plural(wn, "walk", "walks"), r->race_by_type[WC_AN_DOUBLE]);
	if (n < size && d && g)
		n += (size_t)snprintf(buf + n, size - n, ", %" PRIu64 " %s", g,
				      plural(g, "gap", "gaps"));
	if (n < size && re)
		n += (size_t)snprintf(buf + n, size - n, ", %" PRIu64 " %s (%" PRIu64
				      " with a concurrent split)", re, plural(re, "retry", "retries"),
				      r->race_by_type[WC_AN_RETRY]);
	if (n < size && o)
		n += (size_t)snprintf(buf + n, size - n, ", %" PRIu64 " out of order", o);
	if (n < size && l)
		n += (size_t)snprintf(buf + n, size - n, ", %" PRIu64 " %s", l,
				      plural(l, "livelock", "livelocks"));
	if (n < size && v != WC_VERDICT_PROVEN) {
		char why[256];

		if (unproven_why(r, why, sizeof(why)))
			n += (size_t)snprintf(buf + n, size - n, "; %s", why);
	}
	/* A program the kernel skipped uses no walk index: if a walk's end and
	 * the next walk's begin were both skipped, two walks look like one. */
	if (n < size && v == WC_VERDICT_ANOMALIES && r->meta.recursion_misses)
		snprintf(buf + n, size - n, " (programs were skipped: confirm with --kprobe)");
	return buf;
}

/* ---- text ---- */

static void print_table(struct wc_report *r, FILE *out, const struct table *t, bool ops,
			const char *title)
{
	size_t n;
	const struct row **v = table_sorted(t, &n);
	char b[32], sp[48], nb[32];

	fprintf(out, "#\n# %s, sorted by walks\n#\n", title);
	fprintf(out, "# %8s %8s %9s %9s %10s %8s %13s %8s %8s %8s  %s\n", "walks", "bytes",
		"pmd-huge", "pmd-down", "pte-visits", "holes", "splits o/x", "retries",
		"doubles", "gaps", ops ? "ops" : "command");
	for (size_t i = 0; i < n; i++) {
		const struct row *x = v[i];

		snprintf(sp, sizeof(sp), "%" PRIu64 "/%" PRIu64, x->splits_own, x->splits_other);
		fprintf(out, "  %8" PRIu64 " %8s %9" PRIu64 " %9" PRIu64 " %10" PRIu64 " %8" PRIu64
			" %13s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s\n", x->walks,
			wc_human_bytes(x->bytes, b, sizeof(b)), x->pmd_huge, x->pmd_down,
			x->pte_visits, x->holes, sp, x->retries, x->doubles, x->gaps,
			x == &t->other ? "[other]" :
			ops ? ops_name(r, x->key.ops, nb, sizeof(nb)) : name_or(x->key.comm, "[none]"));
	}
	if (!n)
		fprintf(out, "  (no walks)\n");
	free(v);
}

static const char *split_text(const struct wc_anomaly *a, char *buf, size_t size)
{
	switch (a->split) {
	case WC_SPLIT_NONE:
		return "-";
	case WC_SPLIT_OWN:
		return "own-split";
	case WC_SPLIT_OTHER:
		snprintf(buf, size, "SPLIT-RACE(tid %" PRIu64 ")", a->split_tid);
		return buf;
	}
	return "split?";
}

static const char *split_json(uint32_t split)
{
	return split == WC_SPLIT_NONE ? "none" : split == WC_SPLIT_OWN ? "own" :
	       split == WC_SPLIT_OTHER ? "other" : "unknown";
}

/* seconds since the recording started (or raw seconds if the start is unknown) */
static double rel_s(const struct wc_report *r, uint64_t ts)
{
	return wc_rel_s(ts, r->meta.start_ns);
}

/* n: the anomaly's number, from 1 (walkcov map --anomaly N) */
static void print_anomaly(struct wc_report *r, FILE *out, size_t n, const struct wc_anomaly *a)
{
	char comm[WC_COMM_LEN + 1], sb[48], nb[32], hb[32];

	wc_clean_comm(comm, a->comm);
	fprintf(out, "%4zu  %-12s %-26s walk %-6" PRIu64 " %s %u/%u  ops %s  [0x%" PRIx64
		", 0x%" PRIx64 ") %s  %s  count %u  at %.6fs\n", n,
		name_or(wc_anomaly_name(a->type), "?"), split_text(a, sb, sizeof(sb)),
		a->walk_id, name_or(comm, "[none]"), a->pid, a->tid,
		ops_name(r, a->ops, nb, sizeof(nb)), a->start, a->end,
		wc_human_bytes(a->end > a->start ? a->end - a->start : 0, hb, sizeof(hb)),
		a->kind ? name_or(wc_kind_name(a->kind), "?") : "-", a->count,
		rel_s(r, a->first_ts));
}

int wc_report_print(struct wc_report *r, FILE *out)
{
	const struct wc_report_meta *m = &r->meta;
	uint64_t lost = lost_total(m), incomplete = r->total.incomplete;
	char buf[512];
	bool est;
	uint64_t dur = duration(r, &est);

	fprintf(out, "# walkcov report\n");
	fprintf(out, "# events: %" PRIu64 "  walks: %" PRIu64 " (complete %" PRIu64
		", incomplete %" PRIu64 ", proven exactly-once %" PRIu64 ")", m->events,
		r->total.walks, r->total.walks - incomplete, incomplete, m->walks_proven);
	fprintf(out, "\n# lost: %" PRIu64 " (ring buffer drops: %" PRIu64
		", programs skipped by the kernel: %" PRIu64 ")\n",
		lost, m->ringbuf_drops, m->recursion_misses);
	for (unsigned i = 0; i < m->nprogs; i++) {
		if (m->progs[i].misses)
			fprintf(out, "#   skipped: %s: %" PRIu64 "\n", m->progs[i].name,
				m->progs[i].misses);
	}
	if (m->stash_drops)
		fprintf(out, "# entry state drops: %" PRIu64 " (entry class unknown at exit)\n",
			m->stash_drops);
	fprintf(out, "# duration: %.3f s%s\n", (double)dur / 1e9, est ? " (from the walks seen)" : "");
	fprintf(out, "# kernel: %s%s%s\n", name_or(m->kernel, "unknown"), *m->machine ? " " : "",
		m->machine);
	fprintf(out, "# command: %s\n", name_or(m->command, "(system-wide)"));
	if (*m->cmdline)
		fprintf(out, "# cmdline: %s\n", m->cmdline);
	if (wc_filter_any(&m->filter)) {
		wc_filter_describe(&m->filter, buf, sizeof(buf));
		fprintf(out, "# filters: %s (splits are never filtered)\n", buf);
	}
	fprintf(out, "# sample time: %s%s%s\n", name_or(m->start_time, "unknown"),
		*m->hostname ? " on " : "", m->hostname);
	if (*m->mechanism)
		fprintf(out, "# mechanism: %s\n", m->mechanism);
	if (m->summary_mode)
		fprintf(out, "# mode: summary (walks judged in the kernel; --full for every event)\n");
	fprintf(out, "# THP splits seen: %" PRIu64 " (during walks: %" PRIu64 " by the walking task, %"
		PRIu64 " by another task)\n", m->splits_seen, r->total.splits_own, r->total.splits_other);
	if (m->missing_events || m->untracked_events || m->evicted || m->orphan_events)
		fprintf(out, "# engine: %" PRIu64 " events missing from walks (seq gaps), %" PRIu64
			" of untracked tasks, %" PRIu64 " walks closed early, %" PRIu64
			" orphan events\n", m->missing_events, m->untracked_events, m->evicted,
			m->orphan_events);
	if (lost)
		fprintf(out, "# WARNING: coverage is incomplete: %" PRIu64 " events lost (%" PRIu64
			" ring buffer drops, %" PRIu64 " programs skipped by the kernel);"
			" no walk can be proven exactly-once\n",
			lost, m->ringbuf_drops, m->recursion_misses);
	if (r->total.stopped || r->total.unsure)
		fprintf(out, "# stopped early: %" PRIu64 " %s (a non-zero return ended the walk:"
			" the rest is neither coverage nor a gap); could not tell: %" PRIu64 " %s (a"
			" range no callback handled could not be told from one the walker is silent"
			" on by design; %" PRIu64 " of them raced a fault that filled that range)\n",
			r->total.stopped, plural(r->total.stopped, "walk", "walks"),
			r->total.unsure, plural(r->total.unsure, "walk", "walks"), r->total.raced);
	if (m->truncated)
		fprintf(out, "# WARNING: the recording is truncated (no trailer): results cover"
			" the %" PRIu64 " events that were written\n", m->events);

	print_table(r, out, &r->ops, true, "per ops struct");
	print_table(r, out, &r->comms, false, "per command");
	census_by_ops(r);
	wc_census_print(&r->census, out, !m->summary_mode, r->syms);

	fprintf(out, "#\n# anomalies: %" PRIu64 " (double %" PRIu64 ", retry %" PRIu64
		", out of order %" PRIu64 ", livelock %" PRIu64 ", gap %" PRIu64 " (%s)"
		"; split races %" PRIu64 ")\n#\n",
		r->an_total, r->by_type[WC_AN_DOUBLE], r->by_type[WC_AN_RETRY],
		r->by_type[WC_AN_OUT_OF_ORDER], r->by_type[WC_AN_LIVELOCK], r->by_type[WC_AN_GAP],
		wc_human_bytes(r->gap_bytes, buf, sizeof(buf)), r->split_races);
	for (size_t i = 0; i < r->nan; i++) {
		print_anomaly(r, out, i + 1, &r->an[i]);
		if (r->an_stack[i]) {
			const char *p = r->an_stack[i];

			while (*p) {
				size_t l = strcspn(p, "\n");

				fprintf(out, "      %.*s\n", (int)l, p);
				p += l + (p[l] == '\n');
			}
		}
	}
	if (r->an_dropped)
		fprintf(out, "  ... %" PRIu64 " more not shown\n", r->an_dropped);
	fprintf(out, "#\n# verdict: %s\n", wc_report_verdict(r, buf, sizeof(buf)));
	fflush(out);
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---- */

static struct json_object *rows_json(struct wc_report *r, const struct table *t, bool ops)
{
	struct json_object *a = json_object_new_array();
	size_t n;
	const struct row **v = table_sorted(t, &n);
	char nb[32];

	for (size_t i = 0; i < n; i++) {
		const struct row *x = v[i];
		struct json_object *o = json_object_new_object();

		wc_json_add_str(o, "name", x == &t->other ? "[other]" :
			ops ? ops_name(r, x->key.ops, nb, sizeof(nb)) : x->key.comm);
		if (ops && x != &t->other)
			json_object_object_add(o, "addr", wc_kaddr_json(x->key.ops));
		wc_json_add_u64(o, "walks", x->walks);
		wc_json_add_u64(o, "bytes", x->bytes);
		wc_json_add_u64(o, "pmd_huge", x->pmd_huge);
		wc_json_add_u64(o, "pmd_down", x->pmd_down);
		wc_json_add_u64(o, "pte_visits", x->pte_visits);
		wc_json_add_u64(o, "holes", x->holes);
		wc_json_add_u64(o, "pud_visits", x->pud_visits);
		wc_json_add_u64(o, "hugetlb", x->hugetlb);
		wc_json_add_u64(o, "splits_own", x->splits_own);
		wc_json_add_u64(o, "splits_other", x->splits_other);
		wc_json_add_u64(o, "retries", x->retries);
		wc_json_add_u64(o, "doubles", x->doubles);
		wc_json_add_u64(o, "out_of_order", x->out_of_order);
		wc_json_add_u64(o, "livelocks", x->livelocks);
		wc_json_add_u64(o, "gaps", x->gaps);
		wc_json_add_u64(o, "incomplete_walks", x->incomplete);
		wc_json_add_u64(o, "unsure_walks", x->unsure);
		wc_json_add_u64(o, "raced_walks", x->raced);
		wc_json_add_u64(o, "stopped_walks", x->stopped);
		json_object_array_add(a, o);
	}
	free(v);
	return a;
}

struct json_object *wc_report_json(struct wc_report *r)
{
	const struct wc_report_meta *m = &r->meta;
	struct json_object *doc = json_object_new_object(), *s = json_object_new_object();
	struct json_object *lost = json_object_new_object(), *splits = json_object_new_object();
	struct json_object *an = json_object_new_array(), *progs = json_object_new_object();
	char buf[512], nb[32], comm[WC_COMM_LEN + 1];
	bool est;

	wc_json_add_u64(s, "events", m->events);
	wc_json_add_u64(lost, "ringbuf", m->ringbuf_drops);
	wc_json_add_u64(lost, "recursion", m->recursion_misses);
	wc_json_add_u64(lost, "total", lost_total(m));
	json_object_object_add(s, "lost", lost);
	for (unsigned i = 0; i < m->nprogs; i++)
		wc_json_add_u64(progs, m->progs[i].name, m->progs[i].misses);
	json_object_object_add(s, "prog_misses", progs);
	wc_json_add_u64(s, "stash_drops", m->stash_drops);
	wc_json_add_u64(s, "walks", r->total.walks);
	wc_json_add_u64(s, "incomplete_walks", r->total.incomplete);
	wc_json_add_u64(s, "complete_walks", r->total.walks - r->total.incomplete);
	wc_json_add_u64(s, "proven_walks", m->walks_proven);
	wc_json_add_u64(s, "unsure_walks", r->total.unsure);
	wc_json_add_u64(s, "raced_walks", r->total.raced);
	wc_json_add_u64(s, "stopped_walks", r->total.stopped);
	wc_json_add_u64(s, "missing_events", m->missing_events);
	wc_json_add_u64(s, "untracked_events", m->untracked_events);
	wc_json_add_u64(s, "evicted_walks", m->evicted);
	wc_json_add_u64(s, "nomem_events", m->nomem_events);
	wc_json_add_str(s, "mode", m->summary_mode ? "summary" : "full");
	wc_json_add_u64(s, "open_walks", m->walks_open);
	wc_json_add_u64(s, "summary_full", m->sum_full);
	wc_json_add_u64(s, "bytes", r->total.bytes);
	wc_json_add_u64(s, "anomalies", r->an_total);
	wc_json_add_u64(s, "doubles", r->by_type[WC_AN_DOUBLE]);
	wc_json_add_u64(s, "retries", r->by_type[WC_AN_RETRY]);
	wc_json_add_u64(s, "retry_visits", r->total.retries);
	wc_json_add_u64(splits, "own", r->total.splits_own);
	wc_json_add_u64(splits, "other", r->total.splits_other);
	wc_json_add_u64(splits, "total", r->total.splits_own + r->total.splits_other);
	wc_json_add_u64(splits, "seen", r->meta.splits_seen);
	json_object_object_add(s, "splits", splits);
	wc_json_add_u64(s, "out_of_order", r->by_type[WC_AN_OUT_OF_ORDER]);
	wc_json_add_u64(s, "livelocks", r->by_type[WC_AN_LIVELOCK]);
	wc_json_add_u64(s, "gaps", r->by_type[WC_AN_GAP]);
	wc_json_add_u64(s, "gap_bytes", r->gap_bytes);
	wc_json_add_u64(s, "split_races", r->split_races);
	wc_json_add_u64(s, "split_race_doubles", r->race_by_type[WC_AN_DOUBLE]);
	wc_json_add_u64(s, "split_race_retries", r->race_by_type[WC_AN_RETRY]);
	wc_json_add_u64(s, "duration_ns", duration(r, &est));
	json_object_object_add(s, "duration_estimated", json_object_new_boolean(est));
	wc_json_add_str(s, "kernel", m->kernel);
	wc_json_add_str(s, "machine", m->machine);
	wc_json_add_str(s, "hostname", m->hostname);
	wc_json_add_str(s, "command", m->command);
	json_object_object_add(s, "filters", wc_filter_json(&m->filter));
	wc_json_add_str(s, "start_time", m->start_time);
	wc_json_add_str(s, "mechanism", m->mechanism);
	json_object_object_add(s, "truncated", json_object_new_boolean(m->truncated));
	json_object_object_add(s, "complete",
			       json_object_new_boolean(!m->truncated && !lost_total(m)));
	wc_json_add_u64(s, "orphan_events", m->orphan_events);
	wc_json_add_u64(s, "anomalies_not_shown", r->an_dropped);
	wc_json_add_str(s, "verdict", wc_report_verdict(r, buf, sizeof(buf)));
	wc_json_add_str(s, "proof", wc_verdict_name(wc_report_verdict_kind(r)));
	json_object_object_add(doc, "summary", s);
	json_object_object_add(doc, "ops", rows_json(r, &r->ops, true));
	json_object_object_add(doc, "commands", rows_json(r, &r->comms, false));
	census_by_ops(r);
	json_object_object_add(doc, "census", wc_census_json(&r->census, !m->summary_mode, r->syms));

	for (size_t i = 0; i < r->nan; i++) {
		const struct wc_anomaly *a = &r->an[i];
		struct json_object *o = json_object_new_object();

		wc_clean_comm(comm, a->comm);
		wc_json_add_str(o, "type", name_or(wc_anomaly_name(a->type), "unknown"));
		wc_json_add_str(o, "split", split_json(a->split));
		if (a->split != WC_SPLIT_NONE)
			wc_json_add_u64(o, "split_tid", a->split_tid);
		wc_json_add_u64(o, "walk_id", a->walk_id);
		wc_json_add_u64(o, "pid", a->pid);
		wc_json_add_u64(o, "tid", a->tid);
		wc_json_add_str(o, "comm", comm);
		wc_json_add_str(o, "ops", ops_name(r, a->ops, nb, sizeof(nb)));
		json_object_object_add(o, "ops_addr", wc_kaddr_json(a->ops));
		json_object_object_add(o, "mm", wc_kaddr_json(a->mm));
		json_object_object_add(o, "start", wc_json_hex(a->start));
		json_object_object_add(o, "end", wc_json_hex(a->end));
		wc_json_add_u64(o, "size", a->end > a->start ? a->end - a->start : 0);
		wc_json_add_str(o, "kind", a->kind ? name_or(wc_kind_name(a->kind), "unknown") :
				"none");
		wc_json_add_u64(o, "count", a->count);
		wc_json_add_u64(o, "ts_ns", a->first_ts);
		wc_json_add_u64(o, "last_ts_ns", a->last_ts);
		json_object_object_add(o, "time_s", json_object_new_double(rel_s(r, a->first_ts)));
		if (r->an_stack[i]) {
			struct json_object *st = json_object_new_array();
			const char *p = r->an_stack[i];

			while (*p) {
				size_t l = strcspn(p, "\n");

				json_object_array_add(st, json_object_new_string_len(p, (int)l));
				p += l + (p[l] == '\n');
			}
			json_object_object_add(o, "stack", st);
		}
		json_object_array_add(an, o);
	}
	json_object_object_add(doc, "anomalies", an);
	return doc;
}
