// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov diff's comparison: see diff.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "diff.h"
#include "fmt.h"
#include "grow.h"

#define NORM_OPS "per ops walk"
#define NORM_RUN "per 1000 walks"
#define NORM_WALK "per walk"

/* The run item's anomaly metrics (profile.c run_metrics) and their types. */
static const struct { int metric; const char *type; } an_types[] = {
	{ 2, "double" }, { 3, "retry" }, { 4, "out-of-order" }, { 5, "livelock" }, { 6, "gap" },
};

static double absd(double x)
{
	return x < 0 ? -x : x;
}

static double per(uint64_t v, uint64_t n, double scale)
{
	return n ? (double)v * scale / (double)n : 0;
}

/* The normalised value of metric M of item X of run P, and how. */
static double normalise(const struct wc_profile *p, const struct wc_prof_item *x, int m,
			const char **how)
{
	if (!x)
		return 0;
	if (x->kind == WC_PK_OPS && m > 0) {
		*how = NORM_OPS;
		return per(x->v[m], x->v[0], 1);
	}
	if (x->kind == WC_PK_RUN && m == 0) {
		*how = "raw";
		return (double)x->v[0];
	}
	if (x->kind == WC_PK_RUN && m == 1) {
		*how = NORM_WALK;
		return per(x->v[1], p->walks, 1);
	}
	*how = NORM_RUN;
	return per(x->v[m], p->walks, 1000);
}

static int add_row(struct wc_diff *d, const struct wc_diff_row *r)
{
	if (wc_grow(&d->rows, &d->cap, d->n + 1, sizeof(*d->rows), 64))
		return -1;
	d->rows[d->n++] = *r;
	return 0;
}

/* Compare item XA of A and XB of B (either may be NULL), metric by metric. */
static int compare(struct wc_diff *d, const struct wc_profile *a, const struct wc_prof_item *xa,
		   const struct wc_profile *b, const struct wc_prof_item *xb)
{
	const struct wc_prof_item *x = xa ? xa : xb;
	const char *const *m = wc_prof_metrics(x->kind);

	for (int i = 0; m[i]; i++) {
		struct wc_diff_row r = {
			.kind = x->kind, .name = x->name, .metric = m[i],
			.a = xa ? xa->v[i] : 0, .b = xb ? xb->v[i] : 0,
		};
		double big;

		d->compared++;
		r.na = normalise(a, xa, i, &r.norm);
		r.nb = normalise(b, xb, i, &r.norm);
		big = absd(r.na) > absd(r.nb) ? absd(r.na) : absd(r.nb);
		r.score = big > 0 ? absd(r.nb - r.na) / big : 0;
		if (r.a != r.b || r.score > 1e-12)
			if (add_row(d, &r))
				return -1;
	}
	return 0;
}

static int row_cmp(const void *p, const void *q)
{
	const struct wc_diff_row *x = p, *y = q;
	uint64_t dx = x->a > x->b ? x->a - x->b : x->b - x->a;
	uint64_t dy = y->a > y->b ? y->a - y->b : y->b - y->a;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->metric, y->metric);
}

int wc_diff_compute(struct wc_diff *d, const struct wc_profile *a, const struct wc_profile *b)
{
	const struct wc_prof_item *ra = wc_profile_find(a, WC_PK_RUN, "run");
	const struct wc_prof_item *rb = wc_profile_find(b, WC_PK_RUN, "run");

	memset(d, 0, sizeof(*d));
	d->census = a->census && b->census;
	d->lost_ops = calloc(a->n + 1, sizeof(*d->lost_ops));
	if (!d->lost_ops)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const struct wc_prof_item *xa = &a->it[i], *xb;

		if (xa->kind == WC_PK_CALLBACK && !d->census)
			continue;
		xb = wc_profile_find(b, xa->kind, xa->name);
		if (compare(d, a, xa, b, xb))
			return -1;
		if (xa->kind == WC_PK_OPS && xa->v[0] && (!xb || !xb->v[0]) &&
		    strcmp(xa->name, "[other]"))
			d->lost_ops[d->n_lost_ops++] = xa->name;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct wc_prof_item *xb = &b->it[i];

		if ((xb->kind == WC_PK_CALLBACK && !d->census) ||
		    wc_profile_find(a, xb->kind, xb->name))
			continue;
		if (compare(d, a, NULL, b, xb))
			return -1;
	}
	for (size_t t = 0; ra && rb && t < sizeof(an_types) / sizeof(an_types[0]); t++)
		if (!ra->v[an_types[t].metric] && rb->v[an_types[t].metric])
			d->new_types[d->n_new_types++] = an_types[t].type;
	if (d->n)
		qsort(d->rows, d->n, sizeof(*d->rows), row_cmp);
	return 0;
}

int wc_diff_status(const struct wc_diff *d)
{
	return d->n_new_types || d->n_lost_ops ? 1 : 0;
}

static const char *ratio_text(const struct wc_diff_row *r, char *buf, size_t size)
{
	if (!r->a)
		return "new";
	if (!r->b)
		return "gone";
	snprintf(buf, size, "x%.3g", (double)r->b / (double)r->a);
	return buf;
}

static const char *signed_delta(const struct wc_diff_row *r, char *buf, size_t size)
{
	if (r->b >= r->a)
		snprintf(buf, size, "+%" PRIu64, r->b - r->a);
	else
		snprintf(buf, size, "-%" PRIu64, r->a - r->b);
	return buf;
}

static void print_side(FILE *out, const char *which, const char *name, const struct wc_profile *p)
{
	fprintf(out, "# %s: %s  kernel %s, %s mode, %" PRIu64 " walks%s\n", which, name,
		*p->kernel ? p->kernel : "unknown", *p->mode ? p->mode : "unknown", p->walks,
		p->census ? "" : ", no per-callback counts");
}

void wc_diff_print(const struct wc_diff *d, FILE *out, const char *aname, const struct wc_profile *a,
		   const char *bname, const struct wc_profile *b)
{
	fprintf(out, "# walkcov diff\n");
	print_side(out, "A", aname, a);
	print_side(out, "B", bname, b);
	fprintf(out, "# normalised: an ops struct's counts %s of that ops struct; walks, entry calls,"
		" callback visits and anomalies %s of the run; bytes of the run %s\n",
		"per walk", NORM_RUN, NORM_WALK);
	if (!d->census)
		fprintf(out, "# callbacks not compared: per-callback counts need both runs in full mode\n");
	fprintf(out, "# %zu of %zu counts differ, sorted by the largest change of the normalised value\n#\n",
		d->n, d->compared);
	fprintf(out, "# %7s %12s %12s %12s %12s %12s %8s  %-9s %s\n", "change", "A-norm", "B-norm",
		"A", "B", "delta", "ratio", "kind", "item: metric");
	for (size_t i = 0; i < d->n; i++) {
		const struct wc_diff_row *r = &d->rows[i];
		char rb[32], db[32];

		fprintf(out, "  %+6.1f%% %12.4g %12.4g %12" PRIu64 " %12" PRIu64 " %12s %8s  %-9s %s: %s\n",
			(r->nb >= r->na ? 100.0 : -100.0) * r->score, r->na, r->nb, r->a, r->b,
			signed_delta(r, db, sizeof(db)), ratio_text(r, rb, sizeof(rb)),
			wc_prof_kind_name(r->kind), r->name, r->metric);
	}
	if (!d->n)
		fprintf(out, "  (no difference)\n");
	fprintf(out, "#\n");
	for (int i = 0; i < d->n_new_types; i++)
		fprintf(out, "# new in B: anomaly type %s (none in A)\n", d->new_types[i]);
	for (size_t i = 0; i < d->n_lost_ops; i++)
		fprintf(out, "# not reached in B: %s (an ops struct A reached)\n", d->lost_ops[i]);
	fprintf(out, "# result: %s\n", wc_diff_status(d) ? "B regresses (exit 1)" :
		d->n ? "B differs, no new anomaly type and every ops of A reached" : "no difference");
}

static struct json_object *side_json(const char *name, const struct wc_profile *p)
{
	struct json_object *o = json_object_new_object();

	wc_json_add_str(o, "input", name);
	wc_json_add_str(o, "kernel", p->kernel);
	wc_json_add_str(o, "mode", p->mode);
	wc_json_add_u64(o, "walks", p->walks);
	json_object_object_add(o, "census", json_object_new_boolean(p->census));
	return o;
}

struct json_object *wc_diff_json(const struct wc_diff *d, const char *aname,
				 const struct wc_profile *a, const char *bname,
				 const struct wc_profile *b)
{
	struct json_object *o = json_object_new_object(), *rows = json_object_new_array();
	struct json_object *nt = json_object_new_array(), *lo = json_object_new_array();

	json_object_object_add(o, "a", side_json(aname, a));
	json_object_object_add(o, "b", side_json(bname, b));
	json_object_object_add(o, "callbacks_compared", json_object_new_boolean(d->census));
	wc_json_add_u64(o, "compared", d->compared);
	for (size_t i = 0; i < d->n; i++) {
		const struct wc_diff_row *r = &d->rows[i];
		struct json_object *j = json_object_new_object();

		wc_json_add_str(j, "kind", wc_prof_kind_name(r->kind));
		wc_json_add_str(j, "name", r->name);
		wc_json_add_str(j, "metric", r->metric);
		wc_json_add_u64(j, "a", r->a);
		wc_json_add_u64(j, "b", r->b);
		json_object_object_add(j, "delta", json_object_new_int64(r->b >= r->a ?
			(int64_t)(r->b - r->a) : -(int64_t)(r->a - r->b)));
		if (r->a)
			json_object_object_add(j, "ratio", json_object_new_double((double)r->b / (double)r->a));
		json_object_object_add(j, "a_norm", json_object_new_double(r->na));
		json_object_object_add(j, "b_norm", json_object_new_double(r->nb));
		wc_json_add_str(j, "normalised", r->norm);
		json_object_object_add(j, "change", json_object_new_double(r->nb >= r->na ? r->score : -r->score));
		json_object_array_add(rows, j);
	}
	json_object_object_add(o, "rows", rows);
	for (int i = 0; i < d->n_new_types; i++)
		json_object_array_add(nt, json_object_new_string(d->new_types[i]));
	for (size_t i = 0; i < d->n_lost_ops; i++)
		json_object_array_add(lo, json_object_new_string(d->lost_ops[i]));
	json_object_object_add(o, "new_anomaly_types", nt);
	json_object_object_add(o, "ops_not_reached_in_b", lo);
	json_object_object_add(o, "regresses", json_object_new_boolean(wc_diff_status(d)));
	return o;
}

void wc_diff_free(struct wc_diff *d)
{
	free(d->rows);
	free(d->lost_ops);
	memset(d, 0, sizeof(*d));
}
