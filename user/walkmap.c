// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The data behind walkcov map: see walkmap.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>
#include "errors.h"
#include "fmt.h"
#include "grow.h"
#include "kaddr.h"
#include "outfile.h"
#include "recfile.h"
#include "svgmap.h"
#include "walkmap.h"

struct set_entry {
	uint64_t id;
	struct wc_map *m;
	UT_hash_handle hh;
};

struct wc_mapset {
	struct set_entry *by_id;
	struct wc_map *maps;	/* in the order given */
	size_t n;
	size_t nivs;		/* intervals of all maps (WC_MAPSET_MAX_IVS) */
};

/* ---- collecting ---- */

/* Append [s, e) to a layer; a range touching the last one extends it (a
 * walk goes up in address order, so a pmd's pte visits make one interval). */
static void layer_add(struct wc_mapset *set, struct wc_map *m, int layer, uint64_t s, uint64_t e)
{
	struct wc_ivlist *l = &m->layer[layer];

	if (s >= e)
		return;
	if (layer != WC_ML_VMA && l->n && s <= l->v[l->n - 1].e && e >= l->v[l->n - 1].s) {
		struct wc_ivl *last = &l->v[l->n - 1];

		last->s = s < last->s ? s : last->s;
		last->e = e > last->e ? e : last->e;
		return;
	}
	if (m->nivs >= WC_MAP_MAX_IVS || set->nivs >= WC_MAPSET_MAX_IVS) {
		m->truncated = true;
		return;
	}
	if (wc_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 16)) {
		m->truncated = true;
		return;
	}
	l->v[l->n++] = (struct wc_ivl){ s, e };
	m->nivs++;
	set->nivs++;
}

static void split_add(struct wc_map *m, const struct wc_observation *o)
{
	/* the cap is checked before anything is allocated */
	if (m->nsplits >= WC_MAP_MAX_SPLITS ||
	    wc_grow(&m->splits, &m->capsplits, m->nsplits + 1, sizeof(*m->splits), 8)) {
		m->splits_dropped++;
		return;
	}
	m->splits[m->nsplits++] = (struct wc_map_split){ o->start, o->split, o->tid };
}

void wc_mapset_observe(const struct wc_observation *o, void *ctx)
{
	struct wc_mapset *set = ctx;
	struct wc_map *m = wc_mapset_get(set, o->walk_id);

	if (!m)
		return;
	if (!m->mm)
		m->mm = o->mm;
	if (o->mm && o->mm != m->mm) {
		m->other_mm++;
		return;
	}
	switch (o->type) {
	case WC_OBS_CHUNK:
		layer_add(set, m, WC_ML_VMA, o->start, o->end);
		break;
	case WC_OBS_HANDLED:
		layer_add(set, m, o->kind == WC_K_PTE_HOLE ? WC_ML_HOLE : WC_ML_ENTRY, o->start, o->end);
		if (o->kind == WC_K_PTE_ENTRY)
			layer_add(set, m, WC_ML_PTE, o->start, o->end);
		break;
	case WC_OBS_DOWN:
		if (o->kind == WC_K_PMD_ENTRY)
			layer_add(set, m, WC_ML_DOWN, o->start, o->end);
		break;
	case WC_OBS_UNJUDGED: layer_add(set, m, WC_ML_UNJUDGED, o->start, o->end); break;
	case WC_OBS_DOUBLE: layer_add(set, m, WC_ML_DOUBLE, o->start, o->end); break;
	case WC_OBS_OUT_OF_ORDER: layer_add(set, m, WC_ML_OOO, o->start, o->end); break;
	case WC_OBS_RETRY: layer_add(set, m, WC_ML_RETRY, o->start, o->end); break;
	case WC_OBS_SKIP:
		layer_add(set, m, WC_ML_SKIP, o->start, o->end);
		layer_add(set, m, WC_ML_VMA, o->start, o->end);
		break;
	case WC_OBS_SPLIT: split_add(m, o); break;
	case WC_OBS_GAP: layer_add(set, m, WC_ML_GAP, o->start, o->end); break;
	case WC_OBS_SILENT: layer_add(set, m, WC_ML_SILENT, o->start, o->end); break;
	case WC_OBS_UNSURE: layer_add(set, m, WC_ML_UNSURE, o->start, o->end); break;
	case WC_OBS_STOPPED: layer_add(set, m, WC_ML_STOPPED, o->start, o->end); break;
	}
}

void wc_mapset_closed(const struct wc_walk *w, void *ctx)
{
	struct wc_map *m = wc_mapset_get(ctx, w->id);

	if (m) {
		m->w = *w;
		m->closed = true;
	}
}

static int ivl_cmp(const void *a, const void *b)
{
	const struct wc_ivl *x = a, *y = b;

	return x->s < y->s ? -1 : x->s > y->s ? 1 : x->e < y->e ? -1 : x->e > y->e;
}

/* Sort a layer; merge overlapping and touching ranges (not the VMA layer:
 * there, only exact repeats go, since chunks nest two deep). */
static void layer_finish(struct wc_ivlist *l, bool merge)
{
	size_t k = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), ivl_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (k && (merge ? l->v[i].s <= l->v[k - 1].e :
			  l->v[i].s == l->v[k - 1].s && l->v[i].e == l->v[k - 1].e)) {
			if (l->v[i].e > l->v[k - 1].e)
				l->v[k - 1].e = l->v[i].e;
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
	l->sorted = true;
}

/* ---- describing ---- */

static const char *walk_verdict(const struct wc_map *m, char *buf, size_t size)
{
	const struct wc_walk *w = &m->w;
	size_t n = 0;
	bool race = false, own = false;

	for (size_t i = 0; i < m->nan; i++) {
		race |= m->an[i].split == WC_SPLIT_OTHER;
		own |= m->an[i].split == WC_SPLIT_OWN;
	}
	buf[0] = 0;
#define ADD(...) (n += snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	if (w->doubles)
		ADD("%" PRIu64 " double%s, ", w->doubles, w->doubles == 1 ? "" : "s");
	if (w->retries)
		ADD("%" PRIu64 " retr%s, ", w->retries, w->retries == 1 ? "y" : "ies");
	if (w->out_of_order)
		ADD("%" PRIu64 " out of order, ", w->out_of_order);
	if (w->livelocks)
		ADD("livelock, ");
	if (w->gaps)
		ADD("%" PRIu64 " gap%s, ", w->gaps, w->gaps == 1 ? "" : "s");
	if (w->flags & WC_W_STOPPED)
		ADD("stopped early by a callback, ");
	if (race)
		ADD("raced a split by another task, ");
	else if (own)
		ADD("split by the walking task, ");
	if ((w->flags & WC_W_REASONS) == WC_W_UNSURE)
		ADD("unsure (a range no callback handled may be silent by design): not proven");
	else if (w->flags & WC_W_INCOMPLETE)
		ADD("incomplete (events missing): not proven");
	else if (w->doubles || w->out_of_order || w->livelocks || w->gaps)
		ADD("complete");
	else
		ADD("complete: proven, every range handled exactly once");
#undef ADD
	return buf;
}

static void describe(struct wc_map *m, struct wc_analysis *an, const char *path)
{
	const struct wc_report_meta *meta = wc_report_meta(an->report);
	const struct wc_anomaly *all;
	size_t n, k = 0;
	char comm[WC_COMM_LEN + 1], ob[128], hb[32];
	const char *ops;

	all = wc_report_anomalies(an->report, &n);
	for (size_t i = 0; i < n; i++)
		k += all[i].walk_id == m->walk_id;
	m->an = k ? calloc(k, sizeof(*m->an)) : NULL;
	m->an_number = k ? calloc(k, sizeof(*m->an_number)) : NULL;
	if (m->an && m->an_number) {
		for (size_t i = 0; i < n; i++)
			if (all[i].walk_id == m->walk_id) {
				m->an_number[m->nan] = i + 1;
				m->an[m->nan++] = all[i];
			}
	}
	wc_clean_comm(comm, m->w.comm);
	ops = wc_report_ops_name(an->report, m->w.ops, ob, sizeof(ob));
	snprintf(m->title, sizeof(m->title), "walk %" PRIu64 "  %s %u/%u  ops %s  [0x%" PRIx64
		 ", 0x%" PRIx64 ") %s", m->walk_id, *comm ? comm : "[none]", m->w.pid, m->w.tid,
		 ops, m->w.start, m->w.end,
		 wc_human_bytes(m->w.end > m->w.start ? m->w.end - m->w.start : 0, hb, sizeof(hb)));
	walk_verdict(m, m->verdict, sizeof(m->verdict));
	snprintf(m->source, sizeof(m->source), "%s  kernel %s", path,
		 *meta->kernel ? meta->kernel : "unknown");
}

/* ---- the set ---- */

struct wc_mapset *wc_mapset_new(const uint64_t *ids, size_t n)
{
	struct wc_mapset *s = calloc(1, sizeof(*s));

	if (!s || !(s->maps = calloc(n ? n : 1, sizeof(*s->maps))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct set_entry *e;

		HASH_FIND(hh, s->by_id, &ids[i], sizeof(ids[i]), e);
		if (e)
			continue;	/* one map per walk */
		if (!(e = calloc(1, sizeof(*e))))
			goto fail;
		e->id = ids[i];
		e->m = &s->maps[s->n++];
		e->m->walk_id = ids[i];
		HASH_ADD(hh, s->by_id, id, sizeof(e->id), e);
	}
	return s;
fail:
	wc_mapset_free(s);
	return NULL;
}

void wc_mapset_free(struct wc_mapset *s)
{
	struct set_entry *e, *tmp;

	if (!s)
		return;
	HASH_ITER(hh, s->by_id, e, tmp) {
		HASH_DEL(s->by_id, e);
		free(e);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct wc_map *m = &s->maps[i];

		for (int l = 0; l < WC_ML_COUNT; l++)
			free(m->layer[l].v);
		free(m->splits);
		free(m->an);
		free(m->an_number);
	}
	free(s->maps);
	free(s);
}

struct wc_map *wc_mapset_get(struct wc_mapset *s, uint64_t id)
{
	struct set_entry *e;

	HASH_FIND(hh, s->by_id, &id, sizeof(id), e);
	return e ? e->m : NULL;
}

int wc_mapset_replay(struct wc_mapset *s, struct wc_analysis *an, const char *path)
{
	struct wc_observer obs = {
		.observe = wc_mapset_observe,
		.closed = wc_mapset_closed,
		.ctx = s,
		/* one walk: the engine calls only for it */
		.walk_id = s->n == 1 ? s->maps[0].walk_id : 0,
	};
	int ret;

	wc_engine_observe(an->engine, &obs);
	ret = wc_analysis_file(an, path);
	wc_engine_observe(an->engine, NULL);
	if (ret < 0)
		return -1;
	wc_mapset_finish(s, an, path);
	return ret;
}

void wc_mapset_finish(struct wc_mapset *s, struct wc_analysis *an, const char *path)
{
	for (size_t i = 0; i < s->n; i++) {
		struct wc_map *m = &s->maps[i];

		for (int l = 0; l < WC_ML_COUNT; l++)
			layer_finish(&m->layer[l], l != WC_ML_VMA);
		describe(m, an, path);
	}
}

/* ---- writing ---- */

static int map_write(const struct wc_map *m, const struct wc_anomaly *highlight, const char *path,
		     uint64_t *cut)
{
	struct wc_outfile o;

	if (wc_outfile_open(&o, path, WC_OUT_KEEP_OLD | (wc_kaddr_raw() ? WC_OUT_PRIVATE : 0)))
		return -1;
	*cut = wc_svgmap_render(o.f, m, highlight);
	return wc_outfile_commit(&o);
}

int wc_walkmap_svg_dir(const char *path, const char *dir, size_t max_maps)
{
	struct stat st;
	/* the longest path written: DIR/anomaly-N.svg's temporary file */
	int longest = snprintf(NULL, 0, "%s/anomaly-%zu.svg.XXXXXX", dir, max_maps);

	if (!strcmp(path, "-")) {
		wc_err("--svg reads the file twice: give a file, not '-'");
		return -1;
	}
	if (longest >= PATH_MAX) {
		wc_err("--svg: DIR is too long for its maps' paths (%d bytes with "
		       "/anomaly-%zu.svg, at most %d)", longest, max_maps, PATH_MAX - 1);
		return -1;
	}
	/* as private as the maps it will hold; never through a symbolic link */
	if (mkdir(dir, wc_kaddr_raw() ? 0700 : 0755) && errno != EEXIST) {
		wc_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st)) {
		wc_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		wc_err("%s: is a symbolic link; walkcov does not write through one "
		       "(give the target's path)", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		wc_err("%s: not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK)) {
		wc_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int wc_walkmap_report_svg(struct wc_analysis *first, const char *path, const char *dir,
			  uint32_t livelock_retries, size_t max_maps)
{
	const struct wc_anomaly *all;
	size_t n, nmaps, ncut = 0;
	uint64_t *ids = NULL, cut;
	struct wc_mapset *set = NULL;
	struct wc_analysis an;
	int ret = -1;

	all = wc_report_anomalies(first->report, &n);
	nmaps = n < max_maps ? n : max_maps;
	if (n > nmaps)
		wc_err("--svg: maps of the first %zu of %zu anomalies only (--svg-maps N draws more)",
		       nmaps, n);
	if (!nmaps)
		return 0;
	if (!(ids = calloc(nmaps, sizeof(*ids))))
		goto oom;
	for (size_t i = 0; i < nmaps; i++)
		ids[i] = all[i].walk_id;
	if (!(set = wc_mapset_new(ids, nmaps)))
		goto oom;
	if (wc_analysis_init(&an, livelock_retries))
		goto oom;
	an.quiet_truncation = true;	/* the report's own pass said it */
	if (wc_mapset_replay(set, &an, path) >= 0) {
		ret = 0;
		for (size_t i = 0; i < nmaps && !ret; i++) {
			char *out;

			/* never cut: a path too long for the system fails in one line */
			if (asprintf(&out, "%s/anomaly-%zu.svg", dir, i + 1) < 0)
				goto oom_an;
			ret = map_write(wc_mapset_get(set, ids[i]), &all[i], out, &cut);
			ncut += cut > 0;
			free(out);
		}
		if (!ret && ncut)
			wc_err("--svg: %zu of the %zu maps are cut at %d cells (their notes say "
			       "where)", ncut, nmaps, WC_SVG_MAX_CELLS);
	}
	wc_analysis_free(&an);
	wc_mapset_free(set);
	free(ids);
	return ret;
oom_an:
	wc_analysis_free(&an);
oom:
	wc_err("out of memory");
	wc_mapset_free(set);
	free(ids);
	return -1;
}
