/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The coverage engine: rebuilds each page walk from a stream of wc_event
 * and reports ranges handled twice, retried, visited out of order or
 * livelocked. docs/coverage.md states the rules; the comments here say why
 * the code looks the way it does.
 *
 * Walks are the tracer's: an event belongs to the walk its walk_id names,
 * and the walk's seq numbers say whether every event of it arrived. Nothing
 * here guesses a boundary, so a double across two chunks of one walk is
 * always seen, and a walk with missing events is reported incomplete.
 */
#include <stdlib.h>
#include <string.h>
#include "coverage.h"
#include "geometry.h"
#include "grow.h"

static int hash_oom;	/* uthash could not allocate: the element was not added */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (hash_oom = 1)
#include <uthash.h>

#define BLOCK_SIZE	WC_PMD_SIZE	/* anomalies are coalesced per pmd block (user/geometry.h) */
#define BLOCK(a)	((a) & ~(BLOCK_SIZE - 1))
#define MAX_IVS		1024		/* handled intervals per walk and mm */
#define MAX_SPACES	8		/* mms per walk (walk_page_mapping) */
/* Handled intervals of all open walks together (16 bytes each: 64 MiB). A
 * clean walk holds one; a crafted stream could otherwise make every open
 * walk hold MAX_IVS per space. Past it a walk is judged for what it holds
 * and reported incomplete (WC_W_OVERFLOW), like a full list. */
#define MAX_TOTAL_IVS	(2u << 20)
#define MAX_PEND	32		/* anomalies pending per walk */
#define MAX_GAPS	32		/* gaps held per walk until it closes */
#define SEQ_WIN		64		/* seq numbers that may arrive out of order */
#define SWEEP_EVERY	65536		/* events between idle sweeps */
#define DEF_LIVELOCK	1000
#define DEF_SPLITS	4096
#define DEF_IDLE_NS	(10ULL * 1000 * 1000 * 1000)
#define DEF_MAX_OPEN	32768

enum { V_IGNORE, V_AGAIN, V_TERMINAL, V_PASS, V_UNKNOWN };	/* visit class */

struct iv {
	uint64_t s, e;
};

/* One address space of a walk: what it handled, and how far it got. */
struct space {
	uint64_t mm;
	uint64_t cursor;	/* highest address reached (terminal ends, chunk starts) */
	struct iv *iv;		/* handled ranges: sorted, disjoint, not touching */
	int niv;
	size_t cap;
};

/* The outermost chunk (__walk_page_range, walk_pgd_range) being walked:
 * every byte of it must be accounted for, in address order (section 5a). */
struct frame {
	int depth;		/* chunk functions open; 0: no frame */
	uint64_t s, e;		/* its range */
	uint64_t reach;		/* accounted for up to here */
	uint32_t mask;		/* the ops' callbacks and VMA kind (WC_OPS_*) */
	int have_mask, novma;
};

struct gap {
	uint64_t mm, s, e, ts;
};

struct pend {
	struct wc_anomaly a;
	uint64_t key;		/* block (double, out-of-order) or start (retry) */
	int livelocked;		/* a livelock was reported for this retry */
};

struct owalk {
	struct wc_walk w;
	uint64_t id;		/* hash keys */
	uint32_t tid;
	UT_hash_handle hh;	/* by walk id, in opening order */
	UT_hash_handle hh_tid;	/* by tid: the task's current walk */
	uint64_t last_ts;
	int ordered;		/* its entry point walks in address order */
	int ended;		/* its closing WALK_END was seen */
	int active;		/* saw a chunk, skip or visit */
	/* seq accounting: every index below seq_base was seen once (or
	 * counted missing); bit i of seq_win is seq_base + i */
	uint32_t seq_base, seq_max;
	uint64_t seq_win;
	struct space sp[MAX_SPACES];
	int nsp, cur;		/* spaces used, the current one */
	struct { int valid; uint64_t s, e; } pass[2];	/* last pass-through: [0] pud, [1] pmd */
	struct { int valid; uint32_t kind; uint64_t s, e; } huge;	/* huge entry sent down */
	struct pend pend[MAX_PEND];	/* in creation order */
	int npend;
	struct frame f;
	/* the walk level: [w.start, w.end) accounted for up to wreach by
	 * chunks, skipped VMAs and VMA-gap holes (wrule: BEGIN seen) */
	int wrule, whave_mask;
	uint32_t wmask;
	uint64_t wreach;
	struct gap gaps[MAX_GAPS];	/* judged at close: only a complete walk has gaps */
	int ngaps;
};

struct split_rec {
	uint64_t mm, block, ts;
	uint32_t tid;
};

struct wc_engine {
	struct wc_engine_opts o;
	struct wc_engine_stats st;
	struct owalk *by_id, *by_tid;	/* open walks */
	size_t count;
	struct split_rec *splits;	/* ring of the last huge splits */
	size_t nsplits, split_head;
	uint64_t now, since_sweep;
	size_t ivs;			/* interval slots allocated, all walks */
	struct wc_observer obs;		/* obs.observe/closed NULL: none */
};

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
/* Two pointers differ only if both are known. */
static int differs(uint64_t a, uint64_t b) { return a && b && a != b; }

static struct space *cur_space(struct owalk *w) { return &w->sp[w->cur]; }

/* ---- the observer (wc_engine_observe) ---- */

static int observed(const struct wc_engine *e, const struct owalk *w)
{
	return !e->obs.walk_id || e->obs.walk_id == w->w.id;
}

static void observe(struct wc_engine *e, const struct owalk *w, uint32_t type, uint32_t kind,
		    const struct wc_event *ev, uint64_t s, uint64_t end, uint64_t ts)
{
	struct wc_observation o;

	if (!e->obs.observe || !observed(e, w))
		return;
	memset(&o, 0, sizeof(o));
	o.type = type;
	o.kind = kind;
	o.walk_id = w->w.id;
	o.mm = w->sp[w->cur].mm;
	o.start = s;
	o.end = end;
	o.ts = ts;
	if (ev) {
		o.vma = ev->vma;
		if (ev->type == WC_EV_VISIT && (ev->flags & WC_F_ENTRY_SEEN))
			o.cls = ev->cls;
	}
	e->obs.observe(&o, e->obs.ctx);
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
	uint64_t mm = cur_space(w)->mm;
	struct pend *p;

	for (int i = w->npend - 1; i >= 0; i--) {
		p = &w->pend[i];
		if (p->a.type != type || p->key != key || p->a.mm != mm ||
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
	p->a.mm = mm;
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
	observe(e, w, WC_OBS_RETRY, kind, NULL, s, end, ts);
	if (p->a.count > e->o.livelock_retries && !p->livelocked) {
		/* Reported at once: a real livelock may never close its walk. */
		struct wc_anomaly a = p->a;

		p->livelocked = 1;
		a.type = WC_AN_LIVELOCK;
		w->w.livelocks++;
		report(e, w, &a);
	}
}

/* ---- gaps (section 5a) ---- */

static void gap_report(struct wc_engine *e, struct owalk *w, const struct gap *g)
{
	struct wc_anomaly a;

	memset(&a, 0, sizeof(a));
	a.type = WC_AN_GAP;
	a.walk_id = w->w.id;
	a.pid = w->w.pid;
	a.tid = w->w.tid;
	memcpy(a.comm, w->w.comm, WC_COMM_LEN);
	a.ops = w->w.ops;
	a.mm = g->mm;
	a.start = g->s;
	a.end = g->e;
	a.count = 1;
	/* final at the walk's close, as the kernel's judge emits it: a split
	 * until then counts for its attribution */
	a.first_ts = g->ts;
	a.last_ts = max64(g->ts, w->last_ts);
	w->w.gaps++;
	w->w.gap_bytes += g->e - g->s;
	if (e->obs.observe && observed(e, w)) {
		struct wc_observation o = { .type = WC_OBS_GAP, .walk_id = w->w.id, .mm = g->mm,
					    .start = g->s, .end = g->e, .ts = g->ts };

		e->obs.observe(&o, e->obs.ctx);
	}
	report(e, w, &a);
}

/* Is a range the walker left without a callback certainly a gap? Only
 * where it calls some callback for every address: pte_hole for none
 * entries, and something for present ones (mm/pagewalk.c). */
static int gap_certain(uint32_t mask, int walk_level, int novma)
{
	if (!(mask & WC_OPS_HOLE))
		return 0;
	if (walk_level)		/* VMA gaps: pte_hole(start, end, -1) */
		return 1;
	if (mask & WC_OPS_VMA_HUGETLB)	/* silent chunks never get here */
		return 1;
	if (novma)		/* leaf or non-present pud/pmd: only their own callback */
		return (mask & WC_OPS_PUD) && (mask & WC_OPS_PMD);
	/* the walker goes below pgd only for a callback down there */
	return !!(mask & (WC_OPS_P4D | WC_OPS_PUD | WC_OPS_PMD | WC_OPS_PTE | WC_OPS_INSTALL));
}

/* [a, b) got no callback and no silence was shown for it. */
static void unhandled(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		      uint64_t a, uint64_t b, int walk_level)
{
	uint32_t mask = walk_level ? w->wmask : w->f.mask;
	int have = walk_level ? w->whave_mask : w->f.have_mask;
	struct gap *g;

	if (!have || !gap_certain(mask, walk_level, !walk_level && w->f.novma)) {
		w->w.flags |= WC_W_UNSURE;
		observe(e, w, WC_OBS_UNSURE, 0, ev, a, b, ev->ts_ns);
		return;
	}
	if (w->ngaps == MAX_GAPS) {
		w->w.flags |= WC_W_OVERFLOW;
		return;
	}
	g = &w->gaps[w->ngaps++];
	g->mm = cur_space(w)->mm;
	g->s = a;
	g->e = b;
	g->ts = ev->ts_ns;
}

/* [s, end) is accounted for: by the frame when one is open (clipped to it),
 * else at the walk level. Bytes skipped over on the way are unhandled. */
static void account(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		    uint64_t s, uint64_t end)
{
	uint64_t lo, hi, *reach;
	int walk_level = !w->f.depth;

	if (walk_level && !w->wrule)
		return;
	lo = walk_level ? w->w.start : w->f.s;
	hi = walk_level ? w->w.end : w->f.e;
	reach = walk_level ? &w->wreach : &w->f.reach;
	s = max64(s, lo);
	end = min64(end, hi);
	if (s >= end)
		return;
	if (s > *reach)
		unhandled(e, w, ev, *reach, s, walk_level);
	*reach = max64(*reach, end);
}

/* The frame (or, with none open, the walk) is over: every byte up to its
 * end must have been accounted for. */
static void account_tail(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
			 int walk_level)
{
	uint64_t hi = walk_level ? w->w.end : w->f.e;
	uint64_t *reach = walk_level ? &w->wreach : &w->f.reach;

	if (walk_level && !w->wrule)
		return;
	if (*reach < hi)
		unhandled(e, w, ev, *reach, hi, walk_level);
	*reach = max64(*reach, hi);
}

/* The rest of the frame or walk is not walked: a non-zero return. */
static void stopped(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		    uint64_t s, uint64_t end)
{
	w->w.flags |= WC_W_STOPPED;
	if (s < end)
		observe(e, w, WC_OBS_STOPPED, 0, ev, s, end, ev->ts_ns);
}

/* ---- seq accounting ---- */

static void seq_missing(struct owalk *w, uint64_t n)
{
	if (n) {
		w->w.missing += n;
		w->w.flags |= WC_W_SEQ_GAP;
	}
}

/* Slide the window until seq_base + SEQ_WIN > upto: unseen indices left
 * behind are missing (the tracer never reorders a task's events by more
 * than a few). */
static void seq_slide(struct owalk *w, uint64_t upto)
{
	if (upto >= (uint64_t)w->seq_base + 2 * SEQ_WIN) {	/* jump */
		seq_missing(w, SEQ_WIN - __builtin_popcountll(w->seq_win));
		seq_missing(w, upto - SEQ_WIN + 1 - ((uint64_t)w->seq_base + SEQ_WIN));
		w->seq_base = upto - SEQ_WIN + 1;
		w->seq_win = 0;
		return;
	}
	while (upto >= (uint64_t)w->seq_base + SEQ_WIN) {
		seq_missing(w, !(w->seq_win & 1));
		w->seq_win >>= 1;
		w->seq_base++;
	}
}

static void seq_seen(struct owalk *w, uint32_t seq)
{
	if (seq < w->seq_base) {	/* counted missing already, or a repeat */
		w->w.flags |= WC_W_SEQ_GAP;
		return;
	}
	seq_slide(w, seq);
	if (w->seq_win & (1ULL << (seq - w->seq_base))) {
		w->w.flags |= WC_W_SEQ_GAP;	/* the same index twice */
		return;
	}
	w->seq_win |= 1ULL << (seq - w->seq_base);
	while (w->seq_win & 1) {
		w->seq_win >>= 1;
		w->seq_base++;
	}
	w->seq_max = seq > w->seq_max ? seq : w->seq_max;
}

/* At close: indices below the last one seen that never came. */
static void seq_close(struct owalk *w)
{
	if (w->seq_max >= w->seq_base) {
		uint64_t n = w->seq_max - w->seq_base + 1;
		uint64_t seen = __builtin_popcountll(w->seq_win & (n >= 64 ? ~0ULL : (1ULL << n) - 1));

		seq_missing(w, n - seen);
	}
}

/* ---- walks ---- */

static void walk_close(struct wc_engine *e, struct owalk *w, uint32_t flags)
{
	w->w.flags |= flags;
	seq_close(w);
	if (!w->ended)
		w->w.flags |= WC_W_NO_END;
	/* a walk that lost events has its reason: what it left unhandled is
	 * most likely what was lost, not a silence to tell apart */
	if (w->w.flags & WC_W_REASONS & ~WC_W_UNSURE)
		w->w.flags &= ~WC_W_UNSURE;
	if (!(w->w.flags & WC_W_UNSURE))
		w->w.flags &= ~WC_W_RACED;	/* nothing left to explain */
	if (w->w.flags & WC_W_REASONS)
		w->w.flags |= WC_W_INCOMPLETE;
	if (!w->w.end_ts)
		w->w.end_ts = w->last_ts;
	while (w->npend)
		pend_report(e, w, 0);
	/* a lost visit looks like a gap: only a walk whose every event came
	 * has gaps (a range it could not judge makes it WC_W_UNSURE, not lossy) */
	if (!(w->w.flags & WC_W_REASONS & ~WC_W_UNSURE))
		for (int i = 0; i < w->ngaps; i++)
			gap_report(e, w, &w->gaps[i]);
	e->st.walks++;
	e->st.missing_events += w->w.missing;
	if (w->w.flags & WC_W_INCOMPLETE) {
		e->st.walks_incomplete++;
	} else {
		e->st.walks_complete++;
		if (!w->w.doubles && !w->w.out_of_order && !w->w.livelocks && !w->w.gaps)
			e->st.walks_proven++;
	}
	if (w->w.flags & WC_W_STOPPED)
		e->st.walks_stopped++;
	if (e->o.on_walk)
		e->o.on_walk(&w->w, e->o.ctx);
	if (e->obs.closed && observed(e, w))
		e->obs.closed(&w->w, e->obs.ctx);
	HASH_DELETE(hh, e->by_id, w);
	HASH_DELETE(hh_tid, e->by_tid, w);
	e->count--;
	for (int i = 0; i < w->nsp; i++) {
		e->ivs -= w->sp[i].cap;
		free(w->sp[i].iv);
	}
	free(w);
}

static int slot_ordered(const struct wc_engine *e, uint32_t slot)
{
	if (slot >= WC_MAX_SLOTS)
		return 0;
	return !(e->o.unordered_slots[slot / 64] & (1ULL << (slot % 64)));
}

static struct owalk *walk_open(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w;

	if (e->count >= e->o.max_open) {	/* the oldest goes, counted */
		e->st.evicted++;
		walk_close(e, e->by_id, WC_W_EVICTED);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->id = w->w.id = ev->walk_id;
	w->tid = w->w.tid = ev->tid;
	w->w.pid = ev->pid;
	memcpy(w->w.comm, ev->comm, WC_COMM_LEN);
	w->w.begin_ts = ev->ts_ns;
	w->w.entry_slot = UINT32_MAX;
	w->w.flags = WC_W_NO_BEGIN;	/* until its seq 0 BEGIN comes */
	w->nsp = 1;
	hash_oom = 0;
	HASH_ADD(hh, e->by_id, id, sizeof(w->id), w);
	if (hash_oom) {
		free(w);
		return NULL;
	}
	HASH_ADD(hh_tid, e->by_tid, tid, sizeof(w->tid), w);
	if (hash_oom) {
		HASH_DELETE(hh, e->by_id, w);
		free(w);
		return NULL;
	}
	e->count++;
	if (e->count > e->st.walks_open_max)
		e->st.walks_open_max = e->count;
	return w;
}

/* The walk an event belongs to: its walk_id's, opened at its first event.
 * A newer walk of the same task means the task's previous one is over. */
static struct owalk *walk_of(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w, *t;
	uint64_t id = ev->walk_id;
	uint32_t tid = ev->tid;

	HASH_FIND(hh, e->by_id, &id, sizeof(id), w);
	if (!w) {
		HASH_FIND(hh_tid, e->by_tid, &tid, sizeof(tid), t);
		if (t)
			walk_close(e, t, 0);
		w = walk_open(e, ev);
		if (!w) {
			e->st.nomem_events++;	/* visible in the verdict: never silent */
			return NULL;
		}
		if (ev->seq)	/* seq 0, its BEGIN, is WC_W_NO_BEGIN's business */
			w->seq_base = 1;
	}
	w->w.events++;
	w->last_ts = ev->ts_ns;
	seq_seen(w, ev->seq);
	return w;
}

/* The address space of mm in this walk (walk_page_mapping moves between
 * mms, and may come back to one). */
static void space_enter(struct owalk *w, uint64_t mm)
{
	if (!mm || mm == cur_space(w)->mm)
		return;
	if (!cur_space(w)->mm) {
		cur_space(w)->mm = mm;
		if (!w->w.mm)
			w->w.mm = mm;
		return;
	}
	for (int i = 0; i < w->nsp; i++)
		if (w->sp[i].mm == mm) {
			w->cur = i;
			goto moved;
		}
	if (w->nsp == MAX_SPACES) {
		/* no room: what this mm handles is not recorded */
		w->w.flags |= WC_W_OVERFLOW;
		w->cur = MAX_SPACES - 1;
		w->sp[w->cur].niv = 0;
		w->sp[w->cur].cursor = 0;
	} else {
		w->cur = w->nsp++;
	}
	w->sp[w->cur].mm = mm;
moved:
	w->pass[0].valid = w->pass[1].valid = 0;
	w->huge.valid = 0;
}

/* Take what the event knows about the walk (first known values). */
static struct owalk *activity_walk(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_of(e, ev);

	if (!w)
		return NULL;
	w->active = 1;
	if (!w->w.walk)
		w->w.walk = ev->walk;
	if (!w->w.ops)
		w->w.ops = ev->ops;
	space_enter(w, ev->mm);
	return w;
}

/* ---- handled intervals ---- */

/* First interval that ends at or after a (so touches or follows it). */
static int iv_find(const struct space *sp, uint64_t a)
{
	int lo = 0, hi = sp->niv;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (sp->iv[mid].e < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fresh bytes [a, b) of a terminal visit. */
static void fresh(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		  uint64_t a, uint64_t b, int judge)
{
	uint64_t cursor = cur_space(w)->cursor;

	w->w.bytes += b - a;
	/* after an overflow, "fresh" may only mean "not recorded" */
	if (judge && w->ordered && !(w->w.flags & WC_W_OVERFLOW) && a < cursor) {
		anomaly(e, w, WC_AN_OUT_OF_ORDER, ev->kind, BLOCK(a), a, min64(b, cursor),
			ev->ts_ns);
		observe(e, w, WC_OBS_OUT_OF_ORDER, ev->kind, ev, a, min64(b, cursor), ev->ts_ns);
	}
}

/*
 * [s, end) was handled. judge: bytes handled before are a double, fresh
 * bytes below the cursor are out of order (a skipped VMA only fills).
 */
static void cover(struct wc_engine *e, struct owalk *w, const struct wc_event *ev,
		  uint64_t s, uint64_t end, int judge)
{
	struct space *sp = cur_space(w);
	int i0 = iv_find(sp, s), i = i0;
	uint64_t p = s;

	for (; i < sp->niv && sp->iv[i].s <= end; i++) {
		const struct iv *v = &sp->iv[i];
		uint64_t os = max64(p, v->s), oe = min64(end, v->e);

		if (v->s > p)
			fresh(e, w, ev, p, v->s, judge);
		if (os < oe && judge) {
			anomaly(e, w, WC_AN_DOUBLE, ev->kind, BLOCK(os), os, oe, ev->ts_ns);
			observe(e, w, WC_OBS_DOUBLE, ev->kind, ev, os, oe, ev->ts_ns);
		}
		p = max64(p, oe);
	}
	if (p < end)
		fresh(e, w, ev, p, end, judge);
	sp->cursor = max64(sp->cursor, end);

	/* [i0, i) touch [s, end): they become one interval */
	if (i > i0) {
		sp->iv[i0].s = min64(sp->iv[i0].s, s);
		sp->iv[i0].e = max64(sp->iv[i - 1].e, end);
		memmove(&sp->iv[i0 + 1], &sp->iv[i], (sp->niv - i) * sizeof(sp->iv[0]));
		sp->niv -= i - i0 - 1;
		return;
	}
	if ((size_t)sp->niv == sp->cap) {
		/* the next capacity is checked against both caps before it is allocated */
		size_t old = sp->cap, cap = old ? old * 2 : 8;

		if (cap > MAX_IVS || e->ivs + (cap - old) > MAX_TOTAL_IVS ||
		    wc_grow(&sp->iv, &sp->cap, cap, sizeof(*sp->iv), 8)) {
			/* Full: judged for what it holds, never guessed. */
			w->w.flags |= WC_W_OVERFLOW;
			w->w.untracked += end - s;
			return;
		}
		e->ivs += cap - old;
	}
	memmove(&sp->iv[i0 + 1], &sp->iv[i0], (sp->niv - i0) * sizeof(sp->iv[0]));
	sp->iv[i0] = (struct iv){ s, end };
	sp->niv++;
}

/* ---- events ---- */

static void on_begin(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_of(e, ev);

	if (!w || (ev->flags & WC_F_NESTED))
		return;		/* a nested entry point adds nothing */
	if (ev->seq == 0)
		w->w.flags &= ~WC_W_NO_BEGIN;
	w->w.start = ev->start;
	w->w.end = ev->end;
	w->w.ops = ev->ops;
	w->w.begin_ts = ev->ts_ns;
	w->w.entry_slot = ev->slot;
	w->ordered = slot_ordered(e, ev->slot);
	if (!w->w.mm)
		w->w.mm = ev->mm;
	space_enter(w, ev->mm);
	/* walk_page_mapping has no range: only its chunks are judged */
	w->wrule = ev->start < ev->end;
	w->wreach = ev->start;
	w->whave_mask = !!(ev->flags & WC_F_OPS_MASK);
	w->wmask = (uint32_t)ev->value;
}

static void on_end(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = walk_of(e, ev);

	if (!w || (ev->flags & WC_F_NESTED))
		return;
	w->w.ret = ev->ret;
	w->w.end_ts = ev->ts_ns;
	w->ended = 1;
	if (ev->ret)
		stopped(e, w, ev, w->wrule ? w->wreach : 0, w->wrule ? w->w.end : 0);
	else if (!w->f.depth && !(w->w.flags & WC_W_STOPPED))
		account_tail(e, w, ev, 1);
	walk_close(e, w, 0);
}

/* The outermost chunk opens a frame: the walk level counts its range as
 * accounted for, and the frame answers for every byte of it. */
static void frame_open(struct wc_engine *e, struct owalk *w, const struct wc_event *ev)
{
	struct frame *f = &w->f;

	account(e, w, ev, ev->start, ev->end);
	f->depth = 1;
	f->s = ev->start;
	f->e = ev->end;
	f->reach = ev->start;
	f->have_mask = !!(ev->flags & WC_F_OPS_MASK);
	f->mask = (uint32_t)ev->value;
	f->novma = !!(ev->flags & WC_F_NO_VMA);
	if (f->have_mask && (f->mask & WC_OPS_VMA_HUGETLB) && !(f->mask & WC_OPS_HUGETLB)) {
		/* a hugetlb VMA and no hugetlb_entry: nothing is called, by design */
		f->reach = f->e;
		if (f->s < f->e)
			observe(e, w, WC_OBS_SILENT, 0, ev, f->s, f->e, ev->ts_ns);
	}
}

static void frame_close(struct wc_engine *e, struct owalk *w, const struct wc_event *ev)
{
	struct frame *f = &w->f;

	if (ev->ret)
		stopped(e, w, ev, f->reach, f->e);
	else
		account_tail(e, w, ev, 0);
	f->depth = 0;
}

static void on_chunk(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w = activity_walk(e, ev);

	if (!w)
		return;
	if (ev->type == WC_EV_CHUNK_BEGIN) {
		cur_space(w)->cursor = max64(cur_space(w)->cursor, ev->start);
		if (ev->start < ev->end)
			observe(e, w, WC_OBS_CHUNK, 0, ev, ev->start, ev->end, ev->ts_ns);
		if (w->f.depth)
			w->f.depth++;	/* nested: walk_pgd_range in __walk_page_range */
		else
			frame_open(e, w, ev);
	} else if (w->f.depth == 1) {
		frame_close(e, w, ev);
	} else if (w->f.depth) {
		w->f.depth--;
	}
}

/* The tracer read the page tables of a range no callback visited (ops
 * without pte_hole). All none: the walker is silent there by design. */
static void on_quiet(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *w;
	uint32_t mask;
	int have;

	if (ev->end <= ev->start) {
		e->st.bad_events++;
		return;
	}
	if (!(w = activity_walk(e, ev)))
		return;
	mask = w->f.depth ? w->f.mask : w->wmask;
	have = w->f.depth ? w->f.have_mask : w->whave_mask;
	/* present: skipped, or filled after the walker passed; the tracer
	 * saw a fault fill it while this walk ran: a race (attribution only) */
	if (ev->cls != WC_CLS_NONE && ev->ret > 0 && (uint64_t)ev->ret >= w->w.begin_ts)
		w->w.flags |= WC_W_RACED;
	/* with pte_hole the walker reports none entries: silence is a gap */
	if (ev->cls != WC_CLS_NONE || !have || (mask & WC_OPS_HOLE))
		return;
	observe(e, w, WC_OBS_SILENT, 0, ev, ev->start, ev->end, ev->ts_ns);
	account(e, w, ev, ev->start, ev->end);
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
	observe(e, w, WC_OBS_SKIP, 0, ev, ev->start, ev->end, ev->ts_ns);
	/* Fill only: with VM_PFNMAP, pte_hole already reported this range. */
	cover(e, w, ev, ev->start, ev->end, 0);
	account(e, w, ev, ev->start, ev->end);
}

/* pgd/p4d: the walker ignores walk->action there and descends anyway; a
 * callback that set CONTINUE meant "handled". The action is not reset at
 * these levels, so a CONTINUE already there at entry is stale. */
static int classify_upper(const struct wc_event *ev)
{
	if (ev->action != WC_ACT_CONTINUE)
		return V_PASS;
	if (!(ev->flags & WC_F_ENTRY_SEEN) || ev->entry_action == WC_ACT_UNKNOWN)
		return V_UNKNOWN;
	return ev->entry_action == WC_ACT_CONTINUE ? V_PASS : V_TERMINAL;
}

static int classify(const struct wc_event *ev)
{
	switch (ev->kind) {
	case WC_K_PTE_HOLE:		/* the walker ignores walk->action here */
	case WC_K_HUGETLB_ENTRY:
	case WC_K_INSTALL_PTE:		/* it fills the none pte it is given */
		return V_TERMINAL;
	case WC_K_PTE_ENTRY:
		return ev->ret == 0 && ev->action == WC_ACT_AGAIN ? V_AGAIN : V_TERMINAL;
	case WC_K_PGD_ENTRY:
	case WC_K_P4D_ENTRY:
		return classify_upper(ev);
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
	if (kind == WC_K_PTE_ENTRY || kind == WC_K_PTE_HOLE || kind == WC_K_INSTALL_PTE)
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
	if (ev->kind == WC_K_PGD_ENTRY || ev->kind == WC_K_P4D_ENTRY) {
		if (c == V_UNKNOWN && (ev->flags & WC_F_HAS_LOWER))
			w->w.flags |= WC_W_ENTRY_MISSING;	/* handled or not: unknown */
		if (c == V_TERMINAL) {
			observe(e, w, WC_OBS_HANDLED, ev->kind, ev, s, end, ev->ts_ns);
			cover(e, w, ev, s, end, 1);
		}
		/* nothing below to call: the walker does not descend, the
		 * callback was the last word on its range */
		if (c == V_TERMINAL || (c == V_PASS && !(ev->flags & WC_F_HAS_LOWER)))
			account(e, w, ev, s, end);
		if (c == V_UNKNOWN) {
			observe(e, w, WC_OBS_UNJUDGED, ev->kind, ev, s, end, ev->ts_ns);
		}
		return;
	}
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
		if (c == V_UNKNOWN || !(ev->flags & WC_F_ENTRY_SEEN))
			/* was it huge (then what follows is a double)? unknown */
			w->w.flags |= WC_W_ENTRY_MISSING;
		if (c == V_UNKNOWN) {
			observe(e, w, WC_OBS_UNJUDGED, ev->kind, ev, s, end, ev->ts_ns);
			return;
		}
		observe(e, w, WC_OBS_DOWN, ev->kind, ev, s, end, ev->ts_ns);
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
	observe(e, w, WC_OBS_HANDLED, ev->kind, ev, s, end, ev->ts_ns);
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
		observe(e, w, WC_OBS_DOUBLE, ev->kind, ev, os, oe, ev->ts_ns);
	}
	cover(e, w, ev, s, end, 1);
	account(e, w, ev, s, end);
}

static void split_seen(struct wc_engine *e, const struct owalk *w, const struct wc_event *ev,
		       uint32_t attr)
{
	struct wc_observation o;

	if (!e->obs.observe || !observed(e, w))
		return;
	memset(&o, 0, sizeof(o));
	o.type = WC_OBS_SPLIT;
	o.walk_id = w->w.id;
	o.mm = ev->mm ? ev->mm : w->sp[w->cur].mm;
	o.vma = ev->vma;
	o.start = BLOCK(ev->start);
	o.end = o.start + BLOCK_SIZE;
	o.ts = ev->ts_ns;
	o.cls = ev->cls;
	o.split = attr;
	o.tid = ev->tid;
	e->obs.observe(&o, e->obs.ctx);
}

static void on_split(struct wc_engine *e, const struct wc_event *ev)
{
	struct split_rec *r;
	struct owalk *w, *tmp;
	uint64_t block = BLOCK(ev->start);

	e->st.splits++;
	if (ev->walk_id)	/* the splitting task's walk: counts for its seq */
		walk_of(e, ev);
	if (ev->cls != WC_CLS_HUGE)
		return;		/* __split_huge_pmd is also entered for tables */
	e->st.splits_huge++;
	r = &e->splits[e->split_head];
	*r = (struct split_rec){ ev->mm, block, ev->ts_ns, ev->tid };
	e->split_head = (e->split_head + 1) % e->o.split_history;
	if (e->nsplits < e->o.split_history)
		e->nsplits++;
	/* Count it for every walk of that mm that is open now. */
	HASH_ITER(hh, e->by_id, w, tmp) {
		if (!w->active || differs(cur_space(w)->mm, ev->mm))
			continue;	/* walk not started yet, or another mm */
		if (w->w.tid == ev->tid) {
			w->w.splits_own++;
			split_seen(e, w, ev, WC_SPLIT_OWN);
		} else if (w->w.start >= w->w.end ||
			 (block < w->w.end && block + BLOCK_SIZE > w->w.start)) {
			w->w.splits_other++;
			split_seen(e, w, ev, WC_SPLIT_OTHER);
		}
	}
}

/* An event the tracer could not put in a walk (its task table was full):
 * the task's open walk, if any, has ended unseen. */
static void on_untracked(struct wc_engine *e, const struct wc_event *ev)
{
	struct owalk *t;
	uint32_t tid = ev->tid;

	e->st.untracked_events++;
	HASH_FIND(hh_tid, e->by_tid, &tid, sizeof(tid), t);
	if (t)
		walk_close(e, t, WC_W_UNTRACKED);
}

/* Close walks that saw nothing for opts.idle_ns: their task may be gone. */
static void sweep(struct wc_engine *e)
{
	struct owalk *w, *tmp;

	HASH_ITER(hh, e->by_id, w, tmp) {
		if (w->last_ts + e->o.idle_ns < e->now && w->last_ts + e->o.idle_ns > w->last_ts) {
			e->st.idle_closed++;
			walk_close(e, w, 0);
		}
	}
}

void wc_engine_feed(struct wc_engine *e, const struct wc_event *ev)
{
	e->st.events++;
	e->now = max64(e->now, ev->ts_ns);
	if (++e->since_sweep >= SWEEP_EVERY) {
		e->since_sweep = 0;
		sweep(e);
	}
	if (ev->type == WC_EV_SPLIT) {
		on_split(e, ev);
		return;
	}
	if (ev->type < WC_EV_WALK_BEGIN || ev->type > WC_EV_QUIET || ev->type == WC_EV_ANOMALY) {
		e->st.bad_events++;
		return;
	}
	if (ev->flags & WC_F_NO_WALK) {
		on_untracked(e, ev);
		return;
	}
	if (!ev->walk_id) {
		e->st.orphan_events++;
		return;
	}
	switch (ev->type) {
	case WC_EV_WALK_BEGIN: on_begin(e, ev); break;
	case WC_EV_WALK_END: on_end(e, ev); break;
	case WC_EV_CHUNK_BEGIN:
	case WC_EV_CHUNK_END: on_chunk(e, ev); break;
	case WC_EV_VMA_SKIP: on_skip(e, ev); break;
	case WC_EV_VISIT: on_visit(e, ev); break;
	case WC_EV_LEVEL: walk_of(e, ev); break;	/* informational only */
	case WC_EV_QUIET: on_quiet(e, ev); break;
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
	if (!e->o.max_open)
		e->o.max_open = DEF_MAX_OPEN;
	e->splits = calloc(e->o.split_history, sizeof(*e->splits));
	if (!e->splits) {
		wc_engine_free(e);
		return NULL;
	}
	return e;
}

void wc_engine_observe(struct wc_engine *e, const struct wc_observer *obs)
{
	if (obs)
		e->obs = *obs;
	else
		memset(&e->obs, 0, sizeof(e->obs));
}

void wc_engine_slot_unordered(struct wc_engine *e, uint32_t slot)
{
	if (slot < WC_MAX_SLOTS)
		e->o.unordered_slots[slot / 64] |= 1ULL << (slot % 64);
}

int wc_entry_ordered(const char *func)
{
	/* per VMA of the file's i_mmap tree, in file offset order */
	return strcmp(func, "walk_page_mapping") != 0;
}

void wc_engine_flush(struct wc_engine *e)
{
	while (e->by_id)	/* in the order walks opened */
		walk_close(e, e->by_id, 0);
}

const struct wc_engine_stats *wc_engine_stats(const struct wc_engine *e)
{
	return &e->st;
}

void wc_engine_free(struct wc_engine *e)
{
	struct owalk *w, *tmp;

	if (!e)
		return;
	HASH_ITER(hh, e->by_id, w, tmp) {
		HASH_DELETE(hh, e->by_id, w);
		for (int i = 0; i < w->nsp; i++)
			free(w->sp[i].iv);
		free(w);
	}
	HASH_CLEAR(hh_tid, e->by_tid);
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
	case WC_AN_GAP: return "gap";
	}
	return "?";
}

const char *wc_kind_name(uint32_t kind)
{
	switch (kind) {
	case WC_K_PGD_ENTRY: return "pgd_entry";
	case WC_K_P4D_ENTRY: return "p4d_entry";
	case WC_K_PUD_ENTRY: return "pud_entry";
	case WC_K_PMD_ENTRY: return "pmd_entry";
	case WC_K_PTE_ENTRY: return "pte_entry";
	case WC_K_PTE_HOLE: return "pte_hole";
	case WC_K_HUGETLB_ENTRY: return "hugetlb_entry";
	case WC_K_PMD_RANGE: return "pmd_range";
	case WC_K_PTE_RANGE: return "pte_range";
	case WC_K_INSTALL_PTE: return "install_pte";
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
