/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Synthetic wc_event streams: see evgen.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evgen.h"
#include "grow.h"

void eg_init(struct evgen *g)
{
	memset(g, 0, sizeof(*g));
	g->ts = 1000;
	g->step = 100;
	g->tmpl.pid = g->tmpl.tid = 100;
	g->tmpl.mm = 0xffff888001000000ULL;
	g->tmpl.ops = 0xffffffff82000000ULL;
	g->tmpl.vma = 0xffff888002000000ULL;
	g->tmpl.slot = 1;
	strcpy(g->tmpl.comm, "test");
}

void eg_free(struct evgen *g)
{
	free(g->ev);
	g->ev = NULL;
	g->n = g->cap = 0;
}

/* ---- the tracer's walk identity (bpf/walkcov.bpf.c, ident_*) ---- */

static uint64_t next_walk_id = 1;	/* unique over every generator */

static void tw_start(struct eg_task_walk *tw, uint32_t first_seq, int depth, uint16_t slot)
{
	memset(tw, 0, sizeof(*tw));
	tw->open = 1;
	tw->walk_id = next_walk_id++;
	tw->seq = first_seq;
	tw->depth = depth;
	tw->active = !depth;
	tw->nest[0] = slot;
}

static void take(struct wc_event *ev, struct eg_task_walk *tw)
{
	ev->walk_id = tw->walk_id;
	ev->seq = tw->seq++;
}

static void ident_begin(struct eg_task_walk *tw, struct wc_event *ev)
{
	if (tw->open && tw->depth > 0 && tw->depth < WC_MAX_NEST && !tw->active) {
		int on_stack = 0;

		for (int i = 0; i < tw->depth; i++)
			on_stack |= tw->nest[i] == ev->slot;
		if (!on_stack) {
			tw->nest[tw->depth++] = ev->slot;
			ev->flags |= WC_F_NESTED;
			take(ev, tw);
			return;
		}
	}
	tw_start(tw, 0, 1, ev->slot);
	take(ev, tw);
}

static void ident_end(struct eg_task_walk *tw, struct wc_event *ev)
{
	int level = -1;

	if (!tw->open)
		return;
	for (int i = 0; i < tw->depth; i++)
		if (tw->nest[i] == ev->slot)
			level = i;
	if (level >= 0 && level + 1 < tw->depth)
		tw->seq += tw->depth - 1 - level;
	take(ev, tw);
	if (level > 0 || (level < 0 && tw->depth > 0)) {
		if (level > 0)
			tw->depth = level;
		ev->flags |= WC_F_NESTED;
		return;
	}
	tw->open = 0;
}

static void ident_activity(struct eg_task_walk *tw, struct wc_event *ev)
{
	if (!tw->open || tw->stopped || (ev->walk && tw->walk && tw->walk != ev->walk))
		tw_start(tw, 1, 0, 0);
	tw->active = 1;
	if (!tw->walk)
		tw->walk = ev->walk;
	take(ev, tw);
}

uint64_t eg_walk_id(const struct evgen *g)
{
	return g->tw.open ? g->tw.walk_id : 0;
}

struct wc_event *eg_add(struct evgen *g, uint16_t type, uint64_t start, uint64_t end)
{
	struct wc_event *ev;

	if (g->p_skip > 0 && ((type >= WC_EV_CHUNK_BEGIN && type <= WC_EV_LEVEL) ||
			      type == WC_EV_QUIET) &&
	    eg_chance(&g->skip_rng, g->p_skip)) {
		g->scratch = g->tmpl;	/* callers may still write into it */
		return &g->scratch;
	}

	if (wc_grow(&g->ev, &g->cap, g->n + 1, sizeof(*g->ev), 1024)) {
		fprintf(stderr, "evgen: out of memory\n");
		abort();
	}
	ev = &g->ev[g->n++];
	*ev = g->tmpl;
	ev->type = type;
	ev->start = start;
	ev->end = end;
	ev->ts_ns = g->ts;
	g->ts += g->step;
	ev->walk_id = 0;
	ev->seq = 0;
	ev->entry_action = WC_ACT_UNKNOWN;
	switch (type) {
	case WC_EV_WALK_BEGIN: ident_begin(&g->tw, ev); break;
	case WC_EV_WALK_END: ident_end(&g->tw, ev); break;
	case WC_EV_CHUNK_BEGIN: case WC_EV_CHUNK_END: case WC_EV_VMA_SKIP:
	case WC_EV_VISIT: case WC_EV_LEVEL: case WC_EV_QUIET:
		ident_activity(&g->tw, ev);
		if (type == WC_EV_CHUNK_BEGIN)
			g->tw.chunks++;
		else if (type == WC_EV_CHUNK_END && g->tw.chunks)
			g->tw.chunks--;
		break;
	}
	return ev;
}

void eg_begin(struct evgen *g, uint64_t start, uint64_t end)
{
	uint64_t walk = g->tmpl.walk;
	struct wc_event *ev;

	g->tmpl.walk = 0;	/* the entry point has no mm_walk yet */
	ev = eg_add(g, WC_EV_WALK_BEGIN, start, end);
	g->tmpl.walk = walk;
	ev->vma = 0;
	if (g->mask_on) {
		ev->flags |= WC_F_OPS_MASK;
		ev->value = g->ops_mask;
	}
}

void eg_end(struct evgen *g, int64_t ret)
{
	uint64_t walk = g->tmpl.walk;
	struct wc_event *ev;

	g->tmpl.walk = 0;
	ev = eg_add(g, WC_EV_WALK_END, 0, 0);
	g->tmpl.walk = walk;
	ev->vma = 0;
	ev->ret = ret;
}

void eg_chunk(struct evgen *g, uint64_t start, uint64_t end)
{
	struct wc_event *ev = eg_add(g, WC_EV_CHUNK_BEGIN, start, end);

	if (g->mask_on) {
		ev->flags |= WC_F_OPS_MASK;
		ev->value = g->ops_mask | g->chunk_bits;
	}
}

void eg_chunk_end(struct evgen *g, int64_t ret)
{
	struct wc_event *ev = eg_add(g, WC_EV_CHUNK_END, 0, 0);

	ev->ret = ret;
	if (ev != &g->scratch && ret && !g->tw.chunks)
		g->tw.stopped = 1;	/* the walk returns: what follows is another */
}

void eg_skip(struct evgen *g, uint64_t start, uint64_t end)
{
	eg_add(g, WC_EV_VMA_SKIP, start, end);
}

struct wc_event *eg_visit(struct evgen *g, uint8_t kind, uint64_t start, uint64_t end,
			  uint8_t action, uint8_t cls, uint8_t flags)
{
	struct wc_event *ev = eg_add(g, WC_EV_VISIT, start, end);

	ev->kind = kind;
	ev->action = action;
	ev->cls = cls;
	ev->flags |= flags | (cls != WC_CLS_UNKNOWN ? WC_F_ENTRY_SEEN : 0);
	if ((kind == WC_K_PUD_ENTRY || kind == WC_K_PMD_ENTRY) && cls != WC_CLS_UNKNOWN)
		ev->entry_action = WC_ACT_SUBTREE;	/* the walker sets it before the call */
	return ev;
}

struct wc_event *eg_pmd(struct evgen *g, uint64_t addr, uint8_t action, uint8_t cls,
			uint8_t flags)
{
	return eg_visit(g, WC_K_PMD_ENTRY, addr, (addr & ~(EG_PMD - 1)) + EG_PMD,
			action, cls, flags);
}

void eg_ptes(struct evgen *g, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += EG_PAGE)
		eg_visit(g, WC_K_PTE_ENTRY, a, a + EG_PAGE, WC_ACT_SUBTREE, WC_CLS_UNKNOWN, 0);
}

struct wc_event *eg_hole(struct evgen *g, uint64_t start, uint64_t end, int32_t depth)
{
	struct wc_event *ev = eg_visit(g, WC_K_PTE_HOLE, start, end, WC_ACT_SUBTREE,
				       WC_CLS_UNKNOWN, g->tmpl.vma ? 0 : WC_F_NO_VMA);

	ev->depth = depth;
	return ev;
}

void eg_quiet(struct evgen *g, uint64_t start, uint64_t end, uint8_t cls, int32_t depth)
{
	struct wc_event *ev = eg_add(g, WC_EV_QUIET, start, end);

	ev->cls = cls;
	ev->depth = depth;
}

void eg_split(struct evgen *g, uint32_t tid, uint64_t addr, int huge)
{
	struct wc_event *ev = eg_add(g, WC_EV_SPLIT, addr & ~(EG_PMD - 1), 0);

	ev->end = ev->start + EG_PMD;
	ev->tid = tid;
	ev->walk = 0;
	ev->cls = huge ? WC_CLS_HUGE : WC_CLS_TABLE;
	if (tid == g->tmpl.tid && g->tw.open)	/* the walking task's own split */
		take(ev, &g->tw);
}

void eg_feed(struct wc_engine *e, const struct evgen *g)
{
	for (size_t i = 0; i < g->n; i++)
		wc_engine_feed(e, &g->ev[i]);
}

/* ---- the model ---- */

uint64_t eg_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

int eg_chance(uint64_t *s, double p)
{
	return (eg_rand(s) >> 11) * (1.0 / 9007199254740992.0) < p;
}

void eg_layout_random(struct eg_layout *l, uint64_t *rng, uint64_t base, uint64_t span,
		      int allow_special)
{
	uint64_t a = base;

	memset(l, 0, sizeof(*l));
	l->start = base;
	l->end = base + span;
	for (int i = 0; i < 8 && a < l->end; i++) {
		struct eg_vma *v = &l->vma[l->nvma];
		uint64_t len;

		if (eg_chance(rng, 0.5))	/* a gap before the VMA */
			a += (1 + eg_rand(rng) % 64) * EG_PAGE;
		len = (1 + eg_rand(rng) % 1024) * EG_PAGE;
		if (eg_chance(rng, 0.3))	/* THP-friendly: whole, aligned pmds */
			a = (a + EG_PMD - 1) & ~(EG_PMD - 1), len = (1 + eg_rand(rng) % 3) * EG_PMD;
		if (a + len > l->end)
			break;
		v->start = a;
		v->end = a + len;
		v->ptr = 0xffff888100000000ULL + eg_rand(rng) % 0x100000 * 0x100;
		v->type = EG_NORMAL;
		if (allow_special && eg_chance(rng, 0.15)) {
			v->type = 1 + eg_rand(rng) % 3;
			if (v->type == EG_HUGETLB) {	/* hugetlb VMAs are 2 MiB aligned */
				v->start = (a + EG_PMD - 1) & ~(EG_PMD - 1);
				v->end = v->start + EG_PMD;
				if (v->end > l->end)
					break;
			}
		}
		a = v->end;
		l->nvma++;
	}
}

struct opsf {
	int pud, pmd, pte, hole;
};

static struct opsf ops_of(int kind)
{
	switch (kind) {
	case EG_OPS_PMD: return (struct opsf){ 0, 1, 0, 1 };
	case EG_OPS_PMD_ONLY: return (struct opsf){ 0, 1, 0, 0 };
	case EG_OPS_PMD_PTE: return (struct opsf){ 0, 1, 1, 1 };
	case EG_OPS_PTE: return (struct opsf){ 0, 0, 1, 1 };
	default: return (struct opsf){ 1, 1, 1, 1 };
	}
}

uint32_t eg_ops_mask(int kind)
{
	struct opsf o = ops_of(kind);

	return (o.pud ? WC_OPS_PUD : 0) | (o.pmd ? WC_OPS_PMD : 0) | (o.pte ? WC_OPS_PTE : 0) |
	       (o.hole ? WC_OPS_HOLE : 0) | WC_OPS_HUGETLB;
}

/* The pmds of [s, e) in one VMA. Returns 1 if a callback stopped the walk. */
static int model_pmds(struct evgen *g, uint64_t *rng, struct eg_model *m,
		      uint64_t s, uint64_t e)
{
	struct opsf o = ops_of(m->ops_kind);
	uint8_t lower = o.pte ? WC_F_HAS_LOWER : 0;

	for (uint64_t a = s, n; a < e; a = n) {
		n = (a & ~(EG_PMD - 1)) + EG_PMD;
		if (n > e)
			n = e;
		int huge = (a & (EG_PMD - 1)) == 0 && n - a == EG_PMD && eg_chance(rng, m->p_huge);
		uint8_t cls = huge ? WC_CLS_HUGE : WC_CLS_TABLE;

		if (eg_chance(rng, m->p_none)) {
			if (o.hole) {
				eg_hole(g, a, n, 3);
				m->exp_bytes += n - a;
			} else {	/* the tracer reads what nobody visited */
				eg_quiet(g, a, n, WC_CLS_NONE, 3);
			}
			continue;
		}
		if (!o.pmd) {	/* the walker splits a huge pmd itself: not a double */
			if (huge)
				eg_split(g, g->tmpl.tid, a, 1);
			eg_ptes(g, a, n);
			m->exp_bytes += n - a;
			continue;
		}
		if (eg_chance(rng, m->p_again)) {	/* the callback asks again */
			int k = 1 + eg_rand(rng) % 3;

			for (int i = 0; i < k; i++)
				eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_AGAIN, cls, lower);
			m->exp_retries += k;
		}
		if (eg_chance(rng, m->p_stop)) {	/* pagemap: buffer full */
			eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_SUBTREE, cls, lower)->ret = 1;
			m->exp_bytes += n - a;
			return 1;
		}
		m->exp_bytes += n - a;
		if (!o.pte) {
			eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_SUBTREE, cls, 0);
		} else if (huge && eg_chance(rng, m->p_vanish)) {
			/* 6.1: sent down, split, pmd_trans_unstable; the retry finds it none */
			eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_SUBTREE, cls, lower);
			eg_hole(g, a, n, 3);
			m->exp_retries++;
		} else if (huge) {
			eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_CONTINUE, cls, lower);
		} else {
			eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_SUBTREE, cls, lower);
			if (eg_chance(rng, m->p_own_retry)) {	/* 6.5+: pte table gone */
				eg_visit(g, WC_K_PMD_ENTRY, a, n, WC_ACT_SUBTREE, cls, lower);
				m->exp_retries++;
			}
			eg_ptes(g, a, n);
		}
	}
	return 0;
}

static int model_range(struct evgen *g, uint64_t *rng, struct eg_model *m,
		       uint64_t s, uint64_t e)
{
	if (!ops_of(m->ops_kind).pud)
		return model_pmds(g, rng, m, s, e);
	for (uint64_t a = s, n; a < e; a = n) {
		n = (a & ~(EG_PUD - 1)) + EG_PUD;
		if (n > e)
			n = e;
		eg_visit(g, WC_K_PUD_ENTRY, a, n, WC_ACT_SUBTREE, WC_CLS_TABLE, WC_F_HAS_LOWER);
		if (model_pmds(g, rng, m, a, n))
			return 1;
	}
	return 0;
}

void eg_model_walk(struct evgen *g, uint64_t *rng, struct eg_model *m,
		   const struct eg_layout *l)
{
	struct opsf o = ops_of(m->ops_kind);
	uint64_t a = l->start, bytes0 = m->exp_bytes, retries0 = m->exp_retries, id;
	int stopped = 0;

	g->tmpl.ops = m->ops;
	g->tmpl.vma = 0;
	g->tmpl.slot = 1;
	g->mask_on = 1;
	g->ops_mask = eg_ops_mask(m->ops_kind);
	if (m->end_skipped || !eg_chance(rng, m->p_skip_bound))
		eg_begin(g, l->start, l->end);
	if (m->nested) {
		g->tmpl.slot = 2;
		eg_begin(g, l->start, l->end);
	}
	id = eg_walk_id(g);
	/* the mm_walk lives on the stack: usually the same address */
	g->tmpl.walk = 0xffffc90000400000ULL + ((uint64_t)g->tmpl.tid << 14) +
		       (eg_chance(rng, 0.2) ? 0x80 : 0);
	m->exp_walks++;
	for (int i = 0; i < l->nvma && !stopped; i++) {
		const struct eg_vma *v = &l->vma[i];

		g->tmpl.vma = 0;
		if (a < v->start && o.hole) {	/* a gap between VMAs */
			eg_hole(g, a, v->start, -1);
			m->exp_bytes += v->start - a;
		} else if (a < v->start) {
			eg_quiet(g, a, v->start, WC_CLS_NONE, 4);
		}
		g->tmpl.vma = v->ptr;
		switch (v->type) {
		case EG_PFNMAP:
			if (o.hole)
				eg_hole(g, v->start, v->end, -1);
			eg_skip(g, v->start, v->end);
			m->exp_bytes += v->end - v->start;
			break;
		case EG_TESTSKIP:
			eg_skip(g, v->start, v->end);
			m->exp_bytes += v->end - v->start;
			break;
		case EG_HUGETLB:
			g->chunk_bits = WC_OPS_VMA_HUGETLB;
			eg_chunk(g, v->start, v->end);
			g->chunk_bits = 0;
			for (uint64_t h = v->start; h < v->end; h += EG_PMD)
				eg_visit(g, WC_K_HUGETLB_ENTRY, h, h + EG_PMD, WC_ACT_SUBTREE,
					 WC_CLS_UNKNOWN, 0);
			m->exp_bytes += v->end - v->start;
			eg_chunk_end(g, 0);
			break;
		default:
			eg_chunk(g, v->start, v->end);	/* __walk_page_range */
			eg_chunk(g, v->start, v->end);	/* walk_pgd_range */
			stopped = model_range(g, rng, m, v->start, v->end);
			eg_chunk_end(g, stopped);
			eg_chunk_end(g, stopped);
		}
		a = v->end;
	}
	g->tmpl.vma = 0;
	if (!stopped && a < l->end && o.hole) {
		eg_hole(g, a, l->end, -1);
		m->exp_bytes += l->end - a;
	} else if (!stopped && a < l->end) {
		eg_quiet(g, a, l->end, WC_CLS_NONE, 4);
	}
	g->tmpl.walk = 0;
	if (m->nested) {
		g->tmpl.slot = 2;
		eg_end(g, stopped);
	}
	g->tmpl.slot = 1;
	m->end_skipped = eg_chance(rng, m->p_skip_bound);
	if (!m->end_skipped)
		eg_end(g, stopped);
	if (m->nexp < EG_MAX_EXP) {
		m->exp[m->nexp].walk_id = id;
		m->exp[m->nexp].bytes = m->exp_bytes - bytes0;
		m->exp[m->nexp++].retries = m->exp_retries - retries0;
	}
}

size_t eg_drop(struct evgen *g, uint64_t *rng, double p)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n; i++)
		if (!eg_chance(rng, p))
			g->ev[k++] = g->ev[i];
	k = g->n - k;
	g->n -= k;
	return k;
}

void eg_interleave(struct evgen *out, struct evgen *in, int n, uint64_t *rng)
{
	size_t *pos = calloc(n, sizeof(*pos)), left = 0;

	if (!pos)
		abort();
	for (int i = 0; i < n; i++)
		left += in[i].n;
	while (left) {
		int i = eg_rand(rng) % n;

		while (pos[i] == in[i].n)
			i = (i + 1) % n;
		struct wc_event *ev = eg_add(out, 0, 0, 0);
		uint64_t ts = ev->ts_ns;

		*ev = in[i].ev[pos[i]++];
		ev->ts_ns = ts;
		left--;
	}
	free(pos);
}
