/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The coverage engine: rebuilds each page walk from a stream of wc_event
 * and reports ranges handled twice, retried, visited out of order or
 * livelocked. docs/coverage.md states the rules; the comments here say why
 * the code looks the way it does.
 *
 * Per open walk the state is deliberately small (a cursor, a capped list of
 * handled intervals, the last pass-through visit per level, a few pending
 * anomalies) so that it can later move into a BPF map.
 */
#include <stdlib.h>
#include <string.h>
#include "coverage.h"

#define BLOCK_SIZE	(2ULL << 20)	/* anomalies are coalesced per 2 MiB block */
#define BLOCK(a)	((a) & ~(BLOCK_SIZE - 1))
#define MAX_IVS		64		/* handled intervals kept per walk */
#define MAX_PEND	32		/* anomalies pending per walk */
#define MAX_NEST	8		/* nested walk entry points per walk */
#define MAX_FREE	64		/* closed walks kept for reuse */
#define SWEEP_EVERY	65536		/* events between idle sweeps */
#define DEF_LIVELOCK	1000
#define DEF_SPLITS	4096
#define DEF_IDLE_NS	(10ULL * 1000 * 1000 * 1000)

enum { CH_NONE, CH_OPEN, CH_CLOSED };		/* chunk state */
enum { V_IGNORE, V_AGAIN, V_TERMINAL, V_PASS, V_UNKNOWN };	/* visit class */

struct iv {
	uint64_t s, e;
	int coarse;	/* merged to save room: bytes inside are not known exactly */
};

struct pend {
	struct wc_anomaly a;
	uint64_t key;		/* block (double, out-of-order) or start (retry) */
	int livelocked;		/* a livelock was reported for this retry */
};

struct owalk {
	struct wc_walk w;
	uint64_t mm;		/* mm of the current address space (walk_page_mapping) */
	uint64_t last_ts;
	uint32_t nest[MAX_NEST];	/* slots of the open walk entry points */
	int nnest;
	int active;		/* saw a chunk, visit or skip */
	int stopped;		/* a callback or chunk returned non-zero */
	int ch_state, ch_depth, ch_visits;
	uint64_t ch_vma, ch_start, ch_end;
	uint64_t cursor;	/* highest address the walk has reached */
	struct iv iv[2 * MAX_IVS + 2];	/* handled ranges, sorted, disjoint;
					 * squeezed back to MAX_IVS after each visit */
	int niv;
	struct { int valid; uint64_t s, e; } pass[2];	/* last pass-through: [0] pud, [1] pmd */
	struct { int valid; uint32_t kind; uint64_t s, e; } huge;	/* huge entry sent down */
	struct pend pend[MAX_PEND];	/* in creation order */
	int npend;
	struct owalk *next_free;
};

struct split_rec {
	uint64_t mm, block, ts;
	uint32_t tid;
};

struct wc_engine {
	struct wc_engine_opts o;
	struct wc_engine_stats st;
	struct owalk **tab;	/* open walks by tid, open addressing */
	size_t cap, count;
	struct owalk *free_list;
	int nfree;
	struct split_rec *splits;	/* ring of the last huge splits */
	size_t nsplits, split_head;
	uint64_t next_id, now, since_sweep;
};

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
/* Two pointers differ only if both are known. */
static int differs(uint64_t a, uint64_t b) { return a && b && a != b; }

/* ---- open walks by tid ---- */

static size_t home(const struct wc_engine *e, uint32_t tid)
{
	return (size_t)((tid * 0x9E3779B97F4A7C15ULL) >> 17) & (e->cap - 1);
}

static struct owalk *walk_find(const struct wc_engine *e, uint32_t tid)
{
	for (size_t i = home(e, tid); e->tab[i]; i = (i + 1) & (e->cap - 1))
		if (e->tab[i]->w.tid == tid)
			return e->tab[i];
	return NULL;
}

static void tab_put(struct owalk **tab, size_t cap, struct owalk *w, const struct wc_engine *e)
{
	size_t i = home(e, w->w.tid);

	while (tab[i])
		i = (i + 1) & (cap - 1);
	tab[i] = w;
}

static int tab_grow(struct wc_engine *e)
{
	size_t old = e->cap;
	struct owalk **ot = e->tab;
	struct owalk **nt = calloc(old * 2, sizeof(*nt));

	if (!nt)
		return -1;
	e->tab = nt;
	e->cap = old * 2;
	for (size_t i = 0; i < old; i++)
		if (ot[i])
			tab_put(nt, e->cap, ot[i], e);
	free(ot);
	return 0;
}

static void tab_remove(struct wc_engine *e, struct owalk *w)
{
	size_t mask = e->cap - 1, i = home(e, w->w.tid);

	while (e->tab[i] != w)
		i = (i + 1) & mask;
	e->tab[i] = NULL;
	e->count--;
	/* Backward shift: move later entries of the probe run into the hole. */
	for (size_t j = (i + 1) & mask; e->tab[j]; j = (j + 1) & mask) {
		size_t k = home(e, e->tab[j]->w.tid);

		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			e->tab[i] = e->tab[j];
			e->tab[j] = NULL;
			i = j;
		}
	}
}

/* ---- anomalies ---- */

/* Which split, if any, hit the anomaly's block while its walk ran. */
static void attribute_split(const struct wc_engine *e, const struct owalk *w,
			    struct wc_anomaly *a)
{
	uint64_t block = BLOCK(a->start);
	int own = 0;

	for (size_t i = 0; i < e->nsplits; i++) {
		const struct split_rec *r = &e->splits[i];

		if (r->block != block || differs(r->mm, a->mm) ||
		    r->ts < w->w.begin_ts || r->ts > a->last_ts)
			continue;
		if (r->tid != a->tid) {
			a->split = WC_SPLIT_OTHER;
			a->split_tid = r->tid;
			return;
		}
		own = 1;
	}
	if (own) {
		a->split = WC_SPLIT_OWN;
		a->split_tid = a->tid;
	}
}

static void report(struct wc_engine *e, const struct owalk *w, struct wc_anomaly *a)
{
	if (a->type != WC_AN_OUT_OF_ORDER)
		attribute_split(e, w, a);
	if (e->o.on_anomaly)
		e->o.on_anomaly(a, e->o.ctx);
}

static void pend_report(struct wc_engine *e, struct owalk *w, int i)
{
	report(e, w, &w->pend[i].a);
	memmove(&w->pend[i], &w->pend[i + 1], (w->npend - i - 1) * sizeof(w->pend[0]));
	w->npend--;
}

/* Add to (or start) the walk's anomaly of this type and key. */
static struct pend *anomaly(struct wc_engine *e, struct owalk *w, uint32_t type,
			    uint32_t kind, uint64_t key, uint64_t s, uint64_t end,
			    uint64_t ts)
{
	struct pend *p;

	for (int i = w->npend - 1; i >= 0; i--) {
		p = &w->pend[i];
		if (p->a.type != type || p->key != key || p->a.mm != w->mm ||
		    (type == WC_AN_RETRY && p->a.kind != kind))
			continue;
		p->a.start = min64(p->a.start, s);
		p->a.end = max64(p->a.end, end);
		p->a.count++;
		p->a.last_ts = ts;
		return p;
	}
	if (w->npend == MAX_PEND) {	/* full: the least recently updated is final early */
		int old = 0;

		for (int i = 1; i < w->npend; i++)
			if (w->pend[i].a.last_ts < w->pend[old].a.last_ts)
				old = i;
		pend_report(e, w, old);
	}
	p = &w->pend[w->npend++];
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->a.type = type;
	p->a.walk_id = w->w.id;
	p->a.pid = w->w.pid;
	p->a.tid = w->w.tid;
	memcpy(p->a.comm, w->w.comm, WC_COMM_LEN);
	p->a.ops = w->w.ops;
	p->a.mm = w->mm;
	p->a.start = s;
	p->a.end = end;
	p->a.kind = kind;
	p->a.count = 1;
	p->a.first_ts = p->a.last_ts = ts;
	if (type == WC_AN_DOUBLE)
		w->w.doubles++;
	else if (type == WC_AN_OUT_OF_ORDER)
		w->w.out_of_order++;
	return p;
}

static void retry(struct wc_engine *e, struct owalk *w, uint32_t kind,
		  uint64_t s, uint64_t end, uint64_t ts)
{
	struct pend *p = anomaly(e, w, WC_AN_RETRY, kind, s, s, end, ts);

	w->w.retries++;
	if (p->a.count > e->o.livelock_retries && !p->livelocked) {
		/* Reported at once: a real livelock may never close its walk. */
		struct wc_anomaly a = p->a;

		p->livelocked = 1;
		a.type = WC_AN_LIVELOCK;
		w->w.livelocks++;
		report(e, w, &a);
	}
}

/* ---- walks ---- */

static struct owalk *walk_open(struct wc_engine *e, const struct wc_event *ev, uint32_t flags)
{
	struct owalk *w = e->free_list;

	if ((e->count + 1) * 2 > e->cap && tab_grow(e))
		return NULL;
	if (w) {
		e->free_list = w->next_free;
		e->nfree--;
	} else if (!(w = malloc(sizeof(*w)))) {
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->w.id = ++e->next_id;
	w->w.pid = ev->pid;
	w->w.tid = ev->tid;
	memcpy(w->w.comm, ev->comm, WC_COMM_LEN);
	w->w.begin_ts = ev->ts_ns;
	w->w.flags = flags;
	w->w.entry_slot = UINT32_MAX;
	tab_put(e->tab, e->cap, w, e);
	e->count++;
	if (e->count > e->st.walks_open_max)
		e->st.walks_open_max = e->count;
	return w;
}

static void walk_close(struct wc_engine *e, struct owalk *w, uint32_t flags)
{
	w->w.flags |= flags;
	if (!w->w.end_ts)
		w->w.end_ts = w->last_ts;
	while (w->npend)
		pend_report(e, w, 0);
	e->st.walks++;
	if (e->o.on_walk)
		e->o.on_walk(&w->w, e->o.ctx);
	tab_remove(e, w);
	if (e->nfree < MAX_FREE) {
		w->next_free = e->free_list;
		e->free_list = w;
		e->nfree++;
	} else {
		free(w);
	}
}

/* A missing boundary: the old walk ends unseen, a new one starts here. */
static struct owalk *walk_infer(struct wc_engine *e, struct owalk *w, const struct wc_event *ev)
{
	walk_close(e, w, WC_W_NO_END);
	e->st.inferred_boundaries++;
	return walk_open(e, ev, WC_W_NO_BEGIN | WC_W_INFERRED);
}

/* New address space inside one walk (walk_page_mapping moves between mms). */
static void segment_reset(struct owalk *w, uint64_t mm)
{
	w->mm = mm;
	w->cursor = 0;
	w->niv = 0;
	w->ch_state = CH_NONE;
	w->pass[0].valid = w->pass[1].valid = 0;
	w->huge.valid = 0;
}

/* Does this event start a new chunk of the walk? */
static int new_chunk(const struct owalk *w, const struct wc_event *ev)
{
	if (ev->type == WC_EV_CHUNK_BEGIN)	/* unless it is walk_pgd_range inside __walk_page_range */
		return !(w->ch_state == CH_OPEN && w->ch_depth > 0 && !w->ch_visits &&
			 ev->start == w->ch_start && ev->end == w->ch_end &&
			 ev->vma == w->ch_vma);
	return w->ch_state != CH_OPEN || ev->vma != w->ch_vma;
}

/*
 * The walk a chunk, skip or visit belongs to. Walks only move forward, so a
 * new chunk below the cursor, a changed mm_walk or ops, or anything after
 * the walk stopped means the previous walk ended unseen.
 */
static struct owalk *activity_walk(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_find(e, ev->tid);
	int infer = 0;

	if (!w) {
		w = walk_open(e, ev, WC_W_NO_BEGIN);
	} else {
		/* A positive walk_page_test result (the PFNMAP pte_hole) does not stop it. */
		if ((w->stopped && ev->type != WC_EV_VMA_SKIP) ||
		    differs(w->w.walk, ev->walk) || differs(w->w.ops, ev->ops))
			infer = 1;
		else if (differs(w->mm, ev->mm) && w->w.walk && w->w.walk == ev->walk)
			segment_reset(w, ev->mm);
		else if (differs(w->mm, ev->mm))
			infer = 1;
		else if (w->active && new_chunk(w, ev) && ev->start < w->cursor)
			infer = 1;
		if (infer)
			w = walk_infer(e, w, ev);
	}
	if (!w)
		return NULL;
	w->w.events++;
	w->last_ts = ev->ts_ns;
	w->active = 1;
	w->stopped = 0;		/* a stopped walk either was left above or goes on after a skip */
	if (!w->w.walk)
		w->w.walk = ev->walk;
	if (!w->w.ops)
		w->w.ops = ev->ops;
	if (!w->w.mm)
		w->w.mm = ev->mm;
	if (!w->mm)
		w->mm = ev->mm;
	return w;
}

static void chunk_set(struct owalk *w, const struct wc_event *ev, int depth)
{
	w->ch_state = CH_OPEN;
	w->ch_depth = depth;
	w->ch_visits = 0;
	w->ch_vma = ev->vma;
	w->ch_start = ev->start;
	w->ch_end = ev->end;
}

/* ---- handled intervals ---- */

/* Room is short: merge the two closest intervals; the gap becomes unknown. */
static void iv_squeeze(struct owalk *w)
{
	int best = 0;

	for (int i = 1; i + 1 < w->niv; i++)
		if (w->iv[i + 1].s - w->iv[i].e < w->iv[best + 1].s - w->iv[best].e)
			best = i;
	w->iv[best].e = w->iv[best + 1].e;
	w->iv[best].coarse = 1;
	memmove(&w->iv[best + 1], &w->iv[best + 2], (w->niv - best - 2) * sizeof(w->iv[0]));
	w->niv--;
}

/* Insert [a, b), which overlaps no interval. */
static void iv_insert(struct owalk *w, uint64_t a, uint64_t b)
{
	int i = w->niv;

	while (i > 0 && w->iv[i - 1].s >= b)	/* from the end: walks move forward */
		i--;
	int left = i > 0 && !w->iv[i - 1].coarse && w->iv[i - 1].e == a;
	int right = i < w->niv && !w->iv[i].coarse && w->iv[i].s == b;

	if (left && right) {
		w->iv[i - 1].e = w->iv[i].e;
		memmove(&w->iv[i], &w->iv[i + 1], (w->niv - i - 1) * sizeof(w->iv[0]));
		w->niv--;
	} else if (left) {
		w->iv[i - 1].e = b;
	} else if (right) {
		w->iv[i].s = a;
	} else {
		memmove(&w->iv[i + 1], &w->iv[i], (w->niv - i) * sizeof(w->iv[0]));
		w->iv[i] = (struct iv){ a, b, 0 };
		w->niv++;
	}
}

/*
 * [s, end) was handled. judge: report bytes handled before as a double and
 * fresh bytes below the cursor as out of order (a skipped VMA only fills).
 */
static void cover(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		  uint64_t s, uint64_t end, int judge)
{
	uint64_t fresh[MAX_IVS + 1][2], p = s;
	int nf = 0;

	if (w->niv && s < w->iv[w->niv - 1].e) {
		for (int i = 0; i < w->niv && p < end; i++) {
			const struct iv *v = &w->iv[i];

			if (v->e <= p)
				continue;
			if (v->s >= end)
				break;
			if (v->s > p) {
				fresh[nf][0] = p;
				fresh[nf++][1] = v->s;
			}
			uint64_t os = max64(p, v->s), oe = min64(end, v->e);

			if (v->coarse)
				w->w.untracked += oe - os;
			else if (judge)
				anomaly(e, w, WC_AN_DOUBLE, ev->kind, BLOCK(os), os, oe, ev->ts_ns);
			p = oe;
		}
	}
	if (p < end) {
		fresh[nf][0] = p;
		fresh[nf++][1] = end;
	}
	for (int i = 0; i < nf; i++) {
		uint64_t a = fresh[i][0], b = fresh[i][1];

		w->w.bytes += b - a;
		if (judge && a < w->cursor)
			anomaly(e, w, WC_AN_OUT_OF_ORDER, ev->kind, BLOCK(a), a,
				min64(b, w->cursor), ev->ts_ns);
		iv_insert(w, a, b);
	}
	/* Only now: squeezing earlier could swallow a piece still to insert. */
	while (w->niv > MAX_IVS)
		iv_squeeze(w);
	w->cursor = max64(w->cursor, end);
}

/* ---- events ---- */

static void on_begin(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_find(e, ev->tid);

	/* walk_page_range -> walk_page_range_mm: one walk, two entry points. */
	if (w && !w->active && w->nnest > 0 && w->nnest < MAX_NEST &&
	    ev->start >= w->w.start && ev->end <= w->w.end && !differs(w->w.ops, ev->ops)) {
		w->nest[w->nnest++] = ev->slot;
		w->w.events++;
		w->last_ts = ev->ts_ns;
		return;
	}
	if (w)
		walk_close(e, w, WC_W_NO_END);
	w = walk_open(e, ev, 0);
	if (!w)
		return;
	w->w.start = ev->start;
	w->w.end = ev->end;
	w->w.ops = ev->ops;
	w->w.mm = w->mm = ev->mm;
	w->w.entry_slot = ev->slot;
	w->w.events = 1;
	w->last_ts = ev->ts_ns;
	w->nest[w->nnest++] = ev->slot;
}

static void on_end(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_find(e, ev->tid);
	int i;

	if (!w) {
		e->st.orphan_events++;
		return;
	}
	w->w.events++;
	w->last_ts = ev->ts_ns;
	for (i = w->nnest - 1; i >= 0 && w->nest[i] != ev->slot; i--)
		;
	/* An entry point whose begin was lost still ends the walk. */
	w->nnest = i > 0 ? i : 0;
	if (w->nnest)
		return;
	w->w.ret = ev->ret;
	w->w.end_ts = ev->ts_ns;
	walk_close(e, w, 0);
}

static void on_chunk_begin(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = activity_walk(e, ev);

	if (!w)
		return;
	if (!new_chunk(w, ev)) {
		w->ch_depth++;
		return;
	}
	chunk_set(w, ev, 1);
	w->cursor = max64(w->cursor, ev->start);
}

static void on_chunk_end(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_find(e, ev->tid);

	if (!w) {
		e->st.orphan_events++;
		return;
	}
	w->w.events++;
	w->last_ts = ev->ts_ns;
	if (w->ch_depth > 0 && --w->ch_depth == 0)
		w->ch_state = CH_CLOSED;
	if (ev->ret)
		w->stopped = 1;
}

static void on_skip(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w;

	if (ev->end <= ev->start) {
		e->st.bad_events++;
		return;
	}
	if (!(w = activity_walk(e, ev)))
		return;
	w->w.skipped_vmas++;
	/* Fill only: with VM_PFNMAP, pte_hole already reported this range. */
	cover(e, w, ev, ev->start, ev->end, 0);
	w->ch_state = CH_CLOSED;
	w->ch_vma = ev->vma;
}

static int classify(const struct wc_event *ev)
{
	switch (ev->kind) {
	case WC_K_PTE_HOLE:		/* the walker ignores walk->action here */
	case WC_K_HUGETLB_ENTRY:
		return V_TERMINAL;
	case WC_K_PTE_ENTRY:
		return ev->ret == 0 && ev->action == WC_ACT_AGAIN ? V_AGAIN : V_TERMINAL;
	case WC_K_PUD_ENTRY:
	case WC_K_PMD_ENTRY:
		break;
	default:
		return V_IGNORE;
	}
	if (ev->ret)			/* the walker stops before it reads the action */
		return V_TERMINAL;
	if (ev->action == WC_ACT_AGAIN)
		return V_AGAIN;
	if (ev->action == WC_ACT_CONTINUE)
		return V_TERMINAL;
	if (ev->action != WC_ACT_SUBTREE)
		return V_UNKNOWN;	/* no coverage: a gap is safe, a guess is not */
	if (!(ev->flags & WC_F_HAS_LOWER))
		return V_TERMINAL;
	if ((ev->flags & WC_F_NO_VMA) && (ev->flags & WC_F_ENTRY_SEEN) &&
	    ev->cls != WC_CLS_TABLE && ev->cls != WC_CLS_UNKNOWN)
		return V_TERMINAL;	/* no VMA: a leaf or non-present entry is not descended */
	return V_PASS;
}

/* Is kind a level below the huge entry's? */
static int below(uint32_t kind, uint32_t huge_kind)
{
	if (kind == WC_K_PTE_ENTRY || kind == WC_K_PTE_HOLE)
		return 1;
	return kind == WC_K_PMD_ENTRY && huge_kind == WC_K_PUD_ENTRY;
}

static void on_visit(struct wc_engine *e, const struct wc_event *ev)
{
	uint64_t s = ev->start, end = ev->end;
	int c = classify(ev), lvl, l;
	struct owalk *w;

	if (c == V_IGNORE || end <= s) {
		e->st.bad_events++;
		return;
	}
	if (!(w = activity_walk(e, ev)))
		return;
	if (new_chunk(w, ev))
		chunk_set(w, ev, 0);	/* its CHUNK_BEGIN was lost, or a VMA gap hole */
	w->ch_visits++;
	/* A hole for a gap between VMAs is a chunk of its own: what follows
	 * starts a new one (so a lost WALK_END + WALK_BEGIN between two gap
	 * holes is still seen going backwards). */
	if (!ev->vma && !w->ch_depth)
		w->ch_state = CH_CLOSED;
	if (w->huge.valid && (s < w->huge.s || s >= w->huge.e))
		w->huge.valid = 0;	/* the walk moved past the huge entry */
	lvl = ev->kind == WC_K_PUD_ENTRY ? 0 : ev->kind == WC_K_PMD_ENTRY ? 1 : -1;

	/* The walker's own retry: the same entry again with nothing handled between. */
	if (lvl >= 0 && w->pass[lvl].valid && w->pass[lvl].s == s) {
		retry(e, w, ev->kind, s, end, ev->ts_ns);
		w->huge.valid = 0;
	} else if (ev->kind == WC_K_PTE_HOLE) {
		/* The retry found the entry none: a hole over the same range. */
		for (l = 1; l >= 0; l--) {
			if ((ev->depth == 2 && l == 1) || (ev->depth == 3 && l == 0))
				continue;	/* the depth names the other level */
			if (w->pass[l].valid && w->pass[l].s == s && w->pass[l].e == end) {
				retry(e, w, l ? WC_K_PMD_ENTRY : WC_K_PUD_ENTRY, s, end, ev->ts_ns);
				w->huge.valid = 0;
				break;
			}
		}
	}
	if (lvl == 0)
		w->pass[1].valid = 0;

	if (c == V_AGAIN) {
		if (lvl >= 0)
			w->pass[lvl].valid = 0;
		retry(e, w, ev->kind, s, end, ev->ts_ns);
		return;
	}
	if (c == V_PASS || c == V_UNKNOWN) {
		w->pass[lvl].valid = 1;
		w->pass[lvl].s = s;
		w->pass[lvl].e = end;
		if (c == V_UNKNOWN)
			return;
		if (lvl == 0)
			w->w.pud_visits++;
		else
			w->w.pmd_down++;
		if ((ev->flags & WC_F_ENTRY_SEEN) && ev->cls == WC_CLS_HUGE) {
			w->huge.valid = 1;
			w->huge.kind = ev->kind;
			w->huge.s = s;
			w->huge.e = end;
		}
		return;
	}

	/* Terminal. */
	w->pass[0].valid = w->pass[1].valid = 0;
	switch (ev->kind) {
	case WC_K_PUD_ENTRY: w->w.pud_visits++; break;
	case WC_K_PMD_ENTRY:
		/* "handled huge": the callback was given a huge pmd to handle */
		if ((ev->flags & WC_F_ENTRY_SEEN) && ev->cls == WC_CLS_HUGE)
			w->w.pmd_huge++;
		break;
	case WC_K_PTE_ENTRY: w->w.pte_visits++; break;
	case WC_K_PTE_HOLE: w->w.holes++; break;
	case WC_K_HUGETLB_ENTRY: w->w.hugetlb++; break;
	}
	/* The 2019 double: the huge entry was handled, then its ptes again. */
	if (w->huge.valid && below(ev->kind, w->huge.kind) && s < w->huge.e && end > w->huge.s) {
		uint64_t os = max64(s, w->huge.s), oe = min64(end, w->huge.e);

		anomaly(e, w, WC_AN_DOUBLE, ev->kind, BLOCK(os), os, oe, ev->ts_ns);
	}
	cover(e, w, ev, s, end, 1);
	if (ev->ret)
		w->stopped = 1;
}

static void on_split(struct wc_engine *e, const struct wc_event *ev)
{
	struct split_rec *r;
	uint64_t block = BLOCK(ev->start);

	e->st.splits++;
	if (ev->cls != WC_CLS_HUGE)
		return;		/* __split_huge_pmd is also entered for tables */
	e->st.splits_huge++;
	r = &e->splits[e->split_head];
	*r = (struct split_rec){ ev->mm, block, ev->ts_ns, ev->tid };
	e->split_head = (e->split_head + 1) % e->o.split_history;
	if (e->nsplits < e->o.split_history)
		e->nsplits++;
	/* Count it for every walk of that mm that is open now. */
	for (size_t i = 0; i < e->cap; i++) {
		struct owalk *w = e->tab[i];

		if (!w || !w->active || differs(w->mm, ev->mm))
			continue;
		if (w->w.tid == ev->tid)
			w->w.splits_own++;
		else if (w->w.start >= w->w.end ||
			 (block < w->w.end && block + BLOCK_SIZE > w->w.start))
			w->w.splits_other++;
	}
}

/* Close walks that saw nothing for opts.idle_ns: their task may be gone. */
static void sweep(struct wc_engine *e)
{
	for (size_t i = 0; i < e->cap;) {
		struct owalk *w = e->tab[i];

		if (w && w->last_ts + e->o.idle_ns < e->now && w->last_ts + e->o.idle_ns > w->last_ts) {
			e->st.idle_closed++;
			walk_close(e, w, WC_W_NO_END);	/* shifts entries into slot i */
			continue;
		}
		i++;
	}
}

void wc_engine_feed(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w;

	e->st.events++;
	e->now = max64(e->now, ev->ts_ns);
	if (++e->since_sweep >= SWEEP_EVERY) {
		e->since_sweep = 0;
		sweep(e);
	}
	switch (ev->type) {
	case WC_EV_WALK_BEGIN: on_begin(e, ev); break;
	case WC_EV_WALK_END: on_end(e, ev); break;
	case WC_EV_CHUNK_BEGIN: on_chunk_begin(e, ev); break;
	case WC_EV_CHUNK_END: on_chunk_end(e, ev); break;
	case WC_EV_VMA_SKIP: on_skip(e, ev); break;
	case WC_EV_VISIT: on_visit(e, ev); break;
	case WC_EV_SPLIT: on_split(e, ev); break;
	case WC_EV_LEVEL:	/* informational only */
		if ((w = walk_find(e, ev->tid)))
			w->w.events++;
		break;
	default:
		e->st.bad_events++;
	}
}

struct wc_engine *wc_engine_new(const struct wc_engine_opts *opts)
{
	struct wc_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (opts)
		e->o = *opts;
	if (!e->o.livelock_retries)
		e->o.livelock_retries = DEF_LIVELOCK;
	if (!e->o.split_history)
		e->o.split_history = DEF_SPLITS;
	if (!e->o.idle_ns)
		e->o.idle_ns = DEF_IDLE_NS;
	e->cap = 64;
	e->tab = calloc(e->cap, sizeof(*e->tab));
	e->splits = calloc(e->o.split_history, sizeof(*e->splits));
	if (!e->tab || !e->splits) {
		wc_engine_free(e);
		return NULL;
	}
	return e;
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct owalk *const *)a)->w.id, y = (*(struct owalk *const *)b)->w.id;

	return (x > y) - (x < y);
}

void wc_engine_flush(struct wc_engine *e)
{
	struct owalk **all;
	size_t n = 0;

	if (!e->count)
		return;
	all = malloc(e->count * sizeof(*all));
	if (!all) {	/* still close everything, in table order */
		while (e->count)
			for (size_t i = 0; i < e->cap; i++)
				if (e->tab[i]) {
					walk_close(e, e->tab[i], WC_W_NO_END);
					break;
				}
		return;
	}
	for (size_t i = 0; i < e->cap; i++)
		if (e->tab[i])
			all[n++] = e->tab[i];
	qsort(all, n, sizeof(*all), by_id);	/* report in the order walks began */
	for (size_t i = 0; i < n; i++)
		walk_close(e, all[i], WC_W_NO_END);
	free(all);
}

const struct wc_engine_stats *wc_engine_stats(const struct wc_engine *e)
{
	return &e->st;
}

void wc_engine_free(struct wc_engine *e)
{
	if (!e)
		return;
	if (e->tab)
		for (size_t i = 0; i < e->cap; i++)
			free(e->tab[i]);
	while (e->free_list) {
		struct owalk *w = e->free_list;

		e->free_list = w->next_free;
		free(w);
	}
	free(e->tab);
	free(e->splits);
	free(e);
}

const char *wc_anomaly_name(uint32_t type)
{
	switch (type) {
	case WC_AN_DOUBLE: return "double";
	case WC_AN_RETRY: return "retry";
	case WC_AN_OUT_OF_ORDER: return "out-of-order";
	case WC_AN_LIVELOCK: return "livelock";
	}
	return "?";
}

const char *wc_kind_name(uint32_t kind)
{
	switch (kind) {
	case WC_K_PUD_ENTRY: return "pud_entry";
	case WC_K_PMD_ENTRY: return "pmd_entry";
	case WC_K_PTE_ENTRY: return "pte_entry";
	case WC_K_PTE_HOLE: return "pte_hole";
	case WC_K_HUGETLB_ENTRY: return "hugetlb_entry";
	case WC_K_PMD_RANGE: return "pmd_range";
	case WC_K_PTE_RANGE: return "pte_range";
	}
	return "?";
}

const char *wc_action_name(uint32_t action)
{
	switch (action) {
	case WC_ACT_SUBTREE: return "subtree";
	case WC_ACT_CONTINUE: return "continue";
	case WC_ACT_AGAIN: return "again";
	}
	return "?";
}

const char *wc_class_name(uint32_t cls)
{
	switch (cls) {
	case WC_CLS_UNKNOWN: return "unknown";
	case WC_CLS_NONE: return "none";
	case WC_CLS_TABLE: return "table";
	case WC_CLS_HUGE: return "huge";
	case WC_CLS_SWAP: return "swap";
	}
	return "?";
}
