// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The layout of walkcov map: see svgmap.h. Everything here is geometry and
 * colour; what was handled, doubled or retried comes from the map
 * (walkmap.c), which has it from the coverage engine.
 *
 * A cell's state is computed from the map's layers over its range; the
 * walk's range is cut at every interval boundary, so a long stretch with
 * no boundary (a 1 GiB hole, 400 huge pmds in a row) costs one state, not
 * one per pmd.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "report.h"
#include "svgmap.h"
#include "geometry.h"

#define PMD		WC_PMD_SIZE
#define PAGE		WC_PAGE_SIZE
#define CELL		14		/* a pmd cell, px */
#define PITCH		16		/* cell plus gap */
#define PER_LINE	64		/* units per line */
#define RUN_MIN		4		/* identical pmds from which a run box is drawn */
#define RUN_UNITS	3		/* a run box is 3 units wide */
#define LEFT		150		/* address labels */
#define WIDTH		(LEFT + PER_LINE * PITCH + 16)
#define PAGE_W		2		/* a page in a pte strip, px */
#define STRIP_H		12
#define MAX_STRIPS	16		/* pte strips opened at most */
#define MAX_SCAN	65536		/* pmds looked at for a strip */
#define LEGEND_Y	102		/* below the title lines */

/* what fills a cell: how often its bytes were handled, and how */
enum fill { F_ZERO, F_ONCE, F_PART, F_HOLE, F_SKIP, F_UNJUDGED, F_DOUBLE, F_GAP, F_SILENT,
	    F_UNSURE, F_STOPPED, F_COUNT };

static const struct {
	const char *name, *colour, *legend;
} fills[F_COUNT] = {
	[F_ZERO] = { "zero", "#ffffff", "0: not handled" },
	[F_ONCE] = { "once", "#2ca02c", "1: handled once" },
	[F_PART] = { "part", "#98df8a", "partly handled (rest 0 or stopped)" },
	[F_HOLE] = { "hole", "#aec7e8", "1: a hole (pte_hole)" },
	[F_SKIP] = { "skip", "#f5d76e", "VMA skipped (test_walk)" },
	[F_UNJUDGED] = { "unjudged", "#c7c7c7", "action unknown: not judged" },
	[F_DOUBLE] = { "double", "#d62728", "2+: handled again (double)" },
	[F_GAP] = { "gap", "#8c564b", "0: never handled (gap)" },
	[F_SILENT] = { "silent", "#dadaeb", "0: silent by design" },
	[F_UNSURE] = { "unsure", "#bcbd22", "0: gap or silent? (unsure)" },
	[F_STOPPED] = { "stopped", "#7f7f7f", "not walked: stopped" },
};

#define C_RETRY		"#ff7f0e"
#define C_OOO		"#9467bd"
#define C_DOWN		"#333333"
#define C_VMA		"#000000"
#define C_OWN		"#000000"
#define C_OTHER		"#e377c2"
#define C_HIGHLIGHT	"#1f77b4"
#define C_TEXT		"#222222"

struct state {
	int fill;		/* enum fill */
	bool retry, ooo, down, own, other, hl;
	uint64_t vma;		/* a VMA boundary inside the cell: its address, else 0 */
};

struct item {
	struct state st;
	uint64_t start;		/* first pmd */
	uint64_t count;		/* pmds */
};

struct ctx {
	const struct wc_map *m;
	const struct wc_anomaly *hl;
	uint64_t lo, hi;	/* the walk's range */
	uint64_t *bp;		/* sorted boundaries of every layer */
	size_t nbp;
	uint64_t *vb;		/* VMA boundaries */
	size_t nvb;
	struct wc_map_split *sp;	/* the splits, by block */
};

/* ---- what a range holds ---- */

/* Bytes of [a, b) covered by a sorted, merged layer. */
static uint64_t covered(const struct wc_ivlist *l, uint64_t a, uint64_t b)
{
	size_t lo = 0, hi = l->n;
	uint64_t n = 0;

	while (lo < hi) {	/* first interval ending after a */
		size_t mid = (lo + hi) / 2;

		if (l->v[mid].e <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < l->n && l->v[i].s < b; i++) {
		uint64_t s = l->v[i].s > a ? l->v[i].s : a, e = l->v[i].e < b ? l->v[i].e : b;

		n += e > s ? e - s : 0;
	}
	return n;
}

/* The first element of sorted v that is >= x (n if none). */
static size_t lower(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first split whose block ends after a. */
static size_t first_split(const struct ctx *c, uint64_t a)
{
	size_t lo = 0, hi = c->m->nsplits;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a >= PMD && c->sp[mid].block <= a - PMD)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct state state_of(const struct ctx *c, uint64_t a, uint64_t b)
{
	const struct wc_map *m = c->m;
	struct state st;
	uint64_t span, e, h, k, silent;
	size_t i;

	memset(&st, 0, sizeof(st));
	a = a > c->lo ? a : c->lo;
	b = b < c->hi ? b : c->hi;
	span = b > a ? b - a : 0;
	e = covered(&m->layer[WC_ML_ENTRY], a, b);
	h = covered(&m->layer[WC_ML_HOLE], a, b);
	k = covered(&m->layer[WC_ML_SKIP], a, b);
	/* unvisited by design: handled with the rest silent is handled */
	silent = covered(&m->layer[WC_ML_SILENT], a, b);
	/* anomalies first: any byte doubled, never handled or in doubt shows */
	if (covered(&m->layer[WC_ML_DOUBLE], a, b))
		st.fill = F_DOUBLE;
	else if (covered(&m->layer[WC_ML_GAP], a, b))
		st.fill = F_GAP;
	else if (covered(&m->layer[WC_ML_UNSURE], a, b))
		st.fill = F_UNSURE;
	else if (span && e + h + k && e + h + k + silent >= span)
		st.fill = e ? F_ONCE : h ? F_HOLE : F_SKIP;
	else if (e + h + k)
		st.fill = F_PART;
	else if (covered(&m->layer[WC_ML_STOPPED], a, b))
		st.fill = F_STOPPED;
	else if (silent)
		st.fill = F_SILENT;
	else if (covered(&m->layer[WC_ML_UNJUDGED], a, b))
		st.fill = F_UNJUDGED;
	else
		st.fill = F_ZERO;
	st.retry = covered(&m->layer[WC_ML_RETRY], a, b) > 0;
	st.ooo = covered(&m->layer[WC_ML_OOO], a, b) > 0;
	st.down = covered(&m->layer[WC_ML_DOWN], a, b) || covered(&m->layer[WC_ML_PTE], a, b);
	for (size_t s = first_split(c, a); s < m->nsplits && c->sp[s].block < b; s++) {
		st.own |= c->sp[s].attr == WC_SPLIT_OWN;
		st.other |= c->sp[s].attr == WC_SPLIT_OTHER;
	}
	st.hl = c->hl && c->hl->start < b && c->hl->end > a;
	i = lower(c->vb, c->nvb, a);
	if (i < c->nvb && c->vb[i] < b)
		st.vma = c->vb[i];
	return st;
}

/* Equal for drawing: a VMA boundary makes a cell of its own. */
static bool same(const struct state *x, const struct state *y)
{
	return x->fill == y->fill && x->retry == y->retry && x->ooo == y->ooo &&
	       x->down == y->down && x->own == y->own && x->other == y->other &&
	       x->hl == y->hl && !x->vma && !y->vma;
}

/* ---- boundaries ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int split_cmp(const void *a, const void *b)
{
	return u64_cmp(&((const struct wc_map_split *)a)->block,
		       &((const struct wc_map_split *)b)->block);
}

static size_t sort_unique(uint64_t *v, size_t n)
{
	size_t k = 0;

	if (n)
		qsort(v, n, sizeof(*v), u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

static int ctx_init(struct ctx *c, const struct wc_map *m, const struct wc_anomaly *hl)
{
	size_t n = 4 + 2 * m->nsplits, k = 0;

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->hl = hl;
	c->lo = m->w.start;
	c->hi = m->w.end;
	for (int l = 0; l < WC_ML_COUNT; l++)
		n += 2 * m->layer[l].n;
	if (!(c->bp = malloc(n * sizeof(*c->bp))) ||
	    !(c->vb = malloc((2 * m->layer[WC_ML_VMA].n + 1) * sizeof(*c->vb))) ||
	    !(c->sp = malloc((m->nsplits + 1) * sizeof(*c->sp))))
		return -1;
	if (m->nsplits) {
		memcpy(c->sp, m->splits, m->nsplits * sizeof(*c->sp));
		qsort(c->sp, m->nsplits, sizeof(*c->sp), split_cmp);
	}
	if (c->lo >= c->hi) {	/* the walk's range is unknown: what was seen */
		c->lo = UINT64_MAX;
		c->hi = 0;
		for (int l = 0; l < WC_ML_COUNT; l++)
			for (size_t i = 0; i < m->layer[l].n; i++) {
				c->lo = m->layer[l].v[i].s < c->lo ? m->layer[l].v[i].s : c->lo;
				c->hi = m->layer[l].v[i].e > c->hi ? m->layer[l].v[i].e : c->hi;
			}
		if (c->lo >= c->hi)
			c->lo = c->hi = 0;
	}
	/* the last pmd of the address space is never mapped (x86-64, arm64);
	 * without it no cell's end overflows */
	if (c->hi > UINT64_MAX - PMD + 1)
		c->hi = UINT64_MAX - PMD + 1;
	if (c->lo > c->hi)
		c->lo = c->hi;
	for (int l = 0; l < WC_ML_COUNT; l++)
		for (size_t i = 0; i < m->layer[l].n; i++) {
			c->bp[k++] = m->layer[l].v[i].s;
			c->bp[k++] = m->layer[l].v[i].e;
		}
	for (size_t i = 0; i < m->nsplits; i++) {
		c->bp[k++] = m->splits[i].block;
		c->bp[k++] = m->splits[i].block + PMD;
	}
	c->bp[k++] = c->lo;
	c->bp[k++] = c->hi;
	if (hl) {
		c->bp[k++] = hl->start;
		c->bp[k++] = hl->end;
	}
	c->nbp = sort_unique(c->bp, k);
	/* VMA boundaries: where one chunk or skip meets the next, not the
	 * walk's own ends */
	k = 0;
	for (size_t i = 0; i < m->layer[WC_ML_VMA].n; i++) {
		uint64_t s = m->layer[WC_ML_VMA].v[i].s, e = m->layer[WC_ML_VMA].v[i].e;

		if (s > c->lo && s < c->hi)
			c->vb[k++] = s;
		if (e > c->lo && e < c->hi)
			c->vb[k++] = e;
	}
	c->nvb = sort_unique(c->vb, k);
	return 0;
}

/* ---- the pmd row: items ---- */

struct items {
	struct item *v;
	size_t n, cap;
};

static int push(struct items *it, const struct state *st, uint64_t start, uint64_t count)
{
	if (it->n && same(&it->v[it->n - 1].st, st)) {
		it->v[it->n - 1].count += count;
		return 0;
	}
	if (wc_grow(&it->v, &it->cap, it->n + 1, sizeof(*it->v), 64))
		return -1;
	it->v[it->n++] = (struct item){ *st, start, count };
	return 0;
}

/* Cells an item takes: one run box, or one per pmd. */
static uint64_t cells_of(const struct item *t)
{
	return t->count >= RUN_MIN ? 1 : t->count;
}

/* Every pmd of the walk, identical neighbours merged; a stretch with no
 * boundary inside is computed once. At WC_SVG_MAX_CELLS cells (a run is
 * one) it stops: the pmds left are returned, the first of them in *from. */
static int build_items(const struct ctx *c, struct items *it, uint64_t *cut, uint64_t *from)
{
	uint64_t p = c->lo & ~(PMD - 1), end = (c->hi + PMD - 1) & ~(PMD - 1);
	uint64_t cells = 0, done = 0;	/* cells of all items, of all but the last */
	size_t n_before = 0;

	*cut = 0;
	while (p < end) {
		if (cells >= WC_SVG_MAX_CELLS) {
			*from = p;
			*cut = (end - p) / PMD;
			return 0;
		}
		size_t i = lower(c->bp, c->nbp, p + 1);	/* next boundary after p */
		uint64_t nb = i < c->nbp ? c->bp[i] : end, n = 1;
		struct state st = state_of(c, p, p + PMD);

		if (nb > end)
			nb = end;
		if (nb - p >= 2 * PMD && !st.vma)
			n = ((nb & ~(PMD - 1)) - p) / PMD;	/* p + PMD .. are all like p */
		if (push(it, &st, p, n))
			return -1;
		p += n * PMD;
		if (it->n > n_before && n_before)	/* the item before is final */
			done += cells_of(&it->v[n_before - 1]);
		n_before = it->n;
		cells = done + cells_of(&it->v[it->n - 1]);
	}
	return 0;
}

/* ---- output helpers ---- */

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			fputc((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?', f);
		}
	}
}

static void text(FILE *f, int x, int y, int size, const char *weight, const char *s)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\" fill=\"" C_TEXT "\">",
		x, y, size, weight);
	esc(f, s);
	fputs("</text>\n", f);
}

static const char *describe(const struct state *st, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%s", fills[st->fill].legend,
		 st->retry ? ", retried" : "", st->ooo ? ", out of order" : "",
		 st->down ? ", went down to pte level" : "",
		 st->own ? ", THP split by the walking task" : "",
		 st->other ? ", THP split by another task" : "");
	return buf;
}

/* One cell (or run box) at x, y, w x h, for [a, b); of a pte strip if pte. */
static void cell(FILE *f, const struct state *st, int x, int y, int w, int h,
		 uint64_t a, uint64_t b, bool pte)
{
	char tb[256];

	/* class "cell": a range of the walk (a == b: a legend key) */
	fprintf(f, "<rect class=\"%s\" data-level=\"%s\" data-fill=\"%s\" data-start=\"0x%" PRIx64
		"\" data-end=\"0x%" PRIx64 "\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"%s\" stroke=\"#bbbbbb\" stroke-width=\"%s\"><title>[0x%" PRIx64 ", 0x%"
		PRIx64 ") ", a < b ? "cell" : "key", pte ? "pte" : "pmd", fills[st->fill].name, a, b, x, y, w, h, fills[st->fill].colour,
		w > 4 ? "0.5" : "0", a, b);
	esc(f, describe(st, tb, sizeof(tb)));
	fputs("</title></rect>\n", f);
	if (st->retry)
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"" C_RETRY "\"/>\n",
			x, y, w, h > 8 ? 4 : 3);
	if (st->ooo)
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"" C_OOO "\"/>\n",
			x, y, w > 4 ? 3 : w, h);
	if (st->down && h > 8)
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"3\" fill=\"" C_DOWN "\"/>\n",
			x, y + h - 3, w);
	if (st->vma && b > a) {
		int vx = x + (int)((double)(st->vma - a) / (double)(b - a) * w);

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"" C_VMA "\"/>\n",
			vx > x ? vx - 1 : x - 2, y - 2, h + 4);
	}
	if (st->own && h > 8)
		fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"" C_OWN "\"/>\n",
			x + w - 4, y + 4);
	if (st->other && h > 8)
		fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"" C_OTHER "\" stroke=\"#000\" "
			"stroke-width=\"0.8\"/>\n", x + w - 4, y + (st->own ? 10 : 4));
	if (st->hl)
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"" C_HIGHLIGHT "\" stroke-width=\"2\"/>\n", x - 1, y - 1, w + 2, h + 2);
}

/* ---- the legend ---- */

/* One legend key at *x, y (wrapped to the next line when the line is
 * full); returns the y used. */
static int key(FILE *f, const struct state *st, const char *label, int *x, int y)
{
	int w = CELL + 4 + 7 * (int)strlen(label) + 16;

	if (*x + w > WIDTH) {
		*x = 10;
		y += 22;
	}
	if (!f) {	/* measuring */
		*x += w;
		return y;
	}
	if (st->vma) {	/* the line at the key's middle */
		struct state plain = *st;

		plain.vma = 0;
		cell(f, &plain, *x, y, CELL, CELL, 0, 0, false);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"" C_VMA "\"/>\n",
			*x + CELL / 2 - 1, y - 2, CELL + 4);
	} else {
		cell(f, st, *x, y, CELL, CELL, 0, 0, false);
	}
	text(f, *x + CELL + 4, y + 11, 11, "normal", label);
	*x += w;
	return y;
}

/* The legend from y; returns the y below it. */
static int legend(FILE *f, int y)
{
	static const int order[] = { F_ZERO, F_ONCE, F_DOUBLE, F_GAP, F_HOLE, F_PART, F_SKIP,
				     F_SILENT, F_UNSURE, F_STOPPED, F_UNJUDGED };
	static const struct { struct state st; const char *label; } marks[] = {
		{ { .fill = F_ONCE, .retry = true }, "retried" },
		{ { .fill = F_ONCE, .down = true }, "went down to pte level" },
		{ { .fill = F_ONCE, .own = true }, "THP split by the walking task" },
		{ { .fill = F_ONCE, .other = true }, "THP split by another task" },
		{ { .fill = F_ONCE, .ooo = true }, "out of order" },
		{ { .fill = F_ONCE, .vma = 1 }, "VMA boundary" },
		{ { .fill = F_ONCE, .hl = true }, "the anomaly shown" },
	};
	int x = 10;
	char s[200];

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct state st = { .fill = order[i] };

		y = key(f, &st, fills[order[i]].legend, &x, y);
	}
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		y = key(f, &marks[i].st, marks[i].label, &x, y);
	y += 22;
	if (!f)
		return y + 30;
	fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#bbbbbb\" "
		"stroke-width=\"0.5\"/>\n", y, RUN_UNITS * PITCH - 2, CELL, fills[F_ONCE].colour);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"#fff\">"
		"&#215;412</text>\n", 10 + (RUN_UNITS * PITCH - 2) / 2, y + 11);
	/* the pmd and its pages as the recording's kernel had them */
	snprintf(s, sizeof(s), "a run of identical pmds (412 of them); one cell = one pmd (%llu MiB); "
		 "strips below: the %llu pages of a pmd where the walk went down",
		 WC_PMD_SIZE >> 20, WC_PTES_PER_PMD);
	text(f, 10 + RUN_UNITS * PITCH + 4, y + 11, 11, "normal", s);
	return y + 30;
}

/* ---- pte strips ---- */

/* Is the pmd at p worth opening first: a boundary inside (its pages are not
 * all alike), or an anomaly? */
static bool uneven(const struct ctx *c, uint64_t p)
{
	size_t i = lower(c->bp, c->nbp, p + 1);
	struct state st;

	if (i < c->nbp && c->bp[i] < p + PMD)
		return true;
	st = state_of(c, p, p + PMD);
	return st.fill == F_DOUBLE || st.fill == F_GAP || st.fill == F_UNSURE || st.retry ||
	       st.ooo || st.own || st.other;
}

/* The pmds to open: where the walk went down, uneven or anomalous ones first. */
static size_t pick_strips(const struct ctx *c, uint64_t *out, uint64_t *down_total)
{
	const struct wc_ivlist *ls[2] = { &c->m->layer[WC_ML_DOWN], &c->m->layer[WC_ML_PTE] };
	uint64_t *cand = NULL;
	size_t n = 0, cap = 0, k = 0;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ls[l]->n && n < MAX_SCAN; i++)
			for (uint64_t p = ls[l]->v[i].s & ~(PMD - 1);
			     p < ls[l]->v[i].e && p < c->hi && n < MAX_SCAN; p += PMD) {
				if (wc_grow(&cand, &cap, n + 1, sizeof(*cand), 64))
					goto out;
				cand[n++] = p;
			}
	n = sort_unique(cand, n);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n && k < MAX_STRIPS; i++)
			if (uneven(c, cand[i]) == !pass)
				out[k++] = cand[i];
	if (k)
		qsort(out, k, sizeof(*out), u64_cmp);
out:
	*down_total = n;
	free(cand);
	return k;
}

static void strip(FILE *f, const struct ctx *c, uint64_t p, int y)
{
	char label[64];
	uint64_t a = p;
	struct state cur = state_of(c, p, p + PAGE);

	snprintf(label, sizeof(label), "0x%" PRIx64, p);
	text(f, 10, y + 10, 11, "normal", label);
	for (uint64_t b = p + PAGE; b <= p + PMD; b += PAGE) {
		struct state st = b < p + PMD ? state_of(c, b, b + PAGE) : cur;

		if (b < p + PMD && same(&cur, &st))
			continue;
		cell(f, &cur, LEFT + (int)((a - p) / PAGE) * PAGE_W, y,
		     (int)((b - a) / PAGE) * PAGE_W, STRIP_H, a, b, true);
		a = b;
		cur = st;
	}
}

/* ---- the document ---- */

/* The grid's geometry: small cells, or for a walk of a few pmds, large ones. */
struct geo {
	int cw, ch;		/* a cell */
	int pitch;		/* a unit, cell plus gap */
	int per_line;		/* units */
};

static struct geo geometry(const struct items *it)
{
	uint64_t units = 0;

	for (size_t i = 0; i < it->n; i++)
		units += it->v[i].count >= RUN_MIN ? RUN_UNITS : it->v[i].count;
	if (units <= PER_LINE / 4)
		return (struct geo){ 4 * PITCH - 4, 2 * CELL, 4 * PITCH, PER_LINE / 4 };
	return (struct geo){ CELL, CELL, PITCH, PER_LINE };
}

/* The pmd grid from y (the first line's top - line step); with f NULL only
 * measured. Returns the last line's top. */
static int grid(FILE *f, const struct geo *g, const struct items *it, int y)
{
	char buf[32];
	int u = 0;

	for (size_t i = 0; i < it->n; i++) {
		const struct item *t = &it->v[i];
		bool run = t->count >= RUN_MIN;
		uint64_t n = run ? 1 : t->count;

		if (run && u && g->per_line - u < RUN_UNITS)
			u = 0;	/* a run box is not broken over two lines */
		for (uint64_t k = 0; k < n; k++) {
			uint64_t a = t->start + k * PMD, b = run ? t->start + t->count * PMD : a + PMD;
			int w = run ? RUN_UNITS * g->pitch - 2 : g->cw, x = LEFT + u * g->pitch;

			if (u == 0) {
				y += g->ch + 8;
				snprintf(buf, sizeof(buf), "0x%" PRIx64, a);
				if (f)
					text(f, 10, y + g->ch / 2 + 4, 11, "normal", buf);
			}
			if (f)
				cell(f, &t->st, x, y, w, g->ch, a, b, false);
			if (f && run)
				fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" "
					"fill=\"%s\">&#215;%" PRIu64 "</text>\n", x + w / 2 + 4, y + g->ch / 2 + 4,
					t->st.fill == F_ONCE || t->st.fill == F_DOUBLE ||
					t->st.fill == F_GAP || t->st.fill == F_STOPPED ? "#fff" : "#000",
					t->count);
			u += run ? RUN_UNITS : 1;
			if (u >= g->per_line)
				u = 0;
		}
	}
	return y;
}

uint64_t wc_svgmap_render(FILE *f, const struct wc_map *m, const struct wc_anomaly *hl)
{
	struct ctx c;
	struct items it = { 0 };
	struct geo g;
	uint64_t strips[MAX_STRIPS], down_total = 0, cut = 0, cut_from = 0;
	size_t nstrips = 0;
	int y, height, grid_y;
	char buf[1400];

	if (ctx_init(&c, m, hl) || build_items(&c, &it, &cut, &cut_from)) {
		/* no memory for the layout: a document that says so */
		fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"40\">"
		      "<text x=\"10\" y=\"24\">walkcov map: out of memory</text></svg>\n", f);
		goto out;
	}
	nstrips = pick_strips(&c, strips, &down_total);
	grid_y = legend(NULL, LEGEND_Y) + 10;
	g = geometry(&it);
	height = grid(NULL, &g, &it, grid_y - (g.ch + 8)) + g.ch + 8 + 14 + 8 +
		 (int)nstrips * (STRIP_H + 8) + 20;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\">\n",
		WIDTH, height, WIDTH, height);
	fputs("<title>walkcov map: ", f);
	esc(f, m->title);
	fputs("</title>\n", f);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, height);
	snprintf(buf, sizeof(buf), "walkcov map  %s", m->title);
	text(f, 10, 22, 14, "bold", buf);
	snprintf(buf, sizeof(buf), "verdict: %s", m->verdict);
	text(f, 10, 42, 13, "bold", buf);
	y = 60;
	{	/* the walk's anomalies, as the report numbers them */
		size_t n = 0;

		for (size_t i = 0; i < m->nan && i < 2; i++) {
			const struct wc_anomaly *a = &m->an[i];

			n += snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0,
				      "%s#%zu %s [0x%" PRIx64 ", 0x%" PRIx64 ") %s%s", i ? "; " : "",
				      m->an_number[i], wc_anomaly_name(a->type), a->start, a->end,
				      wc_kind_name(a->kind),
				      a->split == WC_SPLIT_OTHER ? " SPLIT-RACE" :
				      a->split == WC_SPLIT_OWN ? " own-split" : "");
		}
		if (m->nan > 2)
			snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "; %zu more",
				 m->nan - 2);
		if (!m->nan)
			snprintf(buf, sizeof(buf), "no anomaly");
		text(f, 10, y, 11, "normal", buf);
	}
	y += 16;
	snprintf(buf, sizeof(buf), "%s  %" PRIu64 " pmds, %" PRIu64 " handled huge, %" PRIu64
		 " went down, %" PRIu64 " pte visits, %" PRIu64 " holes, %" PRIu64
		 " VMAs skipped, splits %" PRIu64 " own / %" PRIu64 " other",
		 m->source, (uint64_t)(((c.hi + PMD - 1) / PMD) - c.lo / PMD), m->w.pmd_huge, m->w.pmd_down,
		 m->w.pte_visits, m->w.holes, m->w.skipped_vmas, m->w.splits_own,
		 m->w.splits_other);
	text(f, 10, y, 11, "normal", buf);
	y += 16;
	buf[0] = 0;
	if (m->truncated || m->other_mm || m->splits_dropped || cut) {
		char cb[160] = "";

		if (cut)
			snprintf(cb, sizeof(cb), " %" PRIu64 " pmds from 0x%" PRIx64 " not drawn "
				 "(a map has at most %d cells);", cut, cut_from, WC_SVG_MAX_CELLS);
		snprintf(buf, sizeof(buf), "note:%s%s%s%s",
			 m->truncated ? " too fragmented, later ranges not drawn;" : "",
			 m->other_mm ? " visits of other address spaces not drawn;" : "",
			 m->splits_dropped ? " some splits not drawn;" : "", cb);
	}
	text(f, 10, y, 11, "normal", buf);
	legend(f, LEGEND_Y);

	/* the pmd grid */
	y = grid(f, &g, &it, grid_y - (g.ch + 8));
	y += g.ch + 8 + 14;
	if (down_total) {
		snprintf(buf, sizeof(buf), "pte level: %zu of the %" PRIu64 " pmds where the walk went "
			 "down%s", nstrips, down_total,
			 nstrips < down_total ? " (uneven or anomalous ones first)" : "");
		text(f, 10, y, 11, "bold", buf);
		y += 8;
		for (size_t i = 0; i < nstrips; i++) {
			strip(f, &c, strips[i], y);
			y += STRIP_H + 8;
		}
	}
	fputs("</svg>\n", f);
out:
	free(it.v);
	free(c.bp);
	free(c.vb);
	free(c.sp);
	return cut;
}
