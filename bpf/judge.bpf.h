/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The in-kernel judge (summary mode, docs/production.md): the rules of the
 * user-space engine (user/coverage.c, docs/coverage.md) over the very events
 * the tracer builds, per task in program order, in bounded state. What the
 * bounded state cannot decide makes the walk incomplete ("not judged"),
 * never a guess. Included by walkcov.bpf.c, after its maps and helpers.
 *
 * Per walking task (map "judges", keyed by tid): the event being built
 * (each task has its own, so nothing is shared between tasks), the walk's
 * counters (struct wc_sum_val), its completeness, a sorted list of handled
 * intervals with a floor below which nothing is known any more, the last
 * pass-through pud/pmd, the pending huge range, the retry keys with their
 * counts, the anomaly keys already counted, and the anomalies found by the
 * current event, which the caller emits with one kernel stack id.
 *
 * The judge functions are global (verified once per program, not once per
 * call site) and take the task's state by pointer.
 */
#ifndef WALKCOV_JUDGE_BPF_H
#define WALKCOV_JUDGE_BPF_H

#define J_IVS	8	/* handled intervals kept per walk (sorted, merged) */
#define J_KEYS	8	/* (type, block) anomaly keys counted per walk */
#define J_RKEYS	4	/* retried ranges counted per walk (livelock) */
#define J_PEND	4	/* anomalies one event can raise before they are emitted */
#define J_GAPS	4	/* gaps held per walk until it closes */
#define J_MMW	8	/* open walks per mm followed for splits by other tasks */
#define TK(type, kind) ((__u32)(type) << 16 | (__u32)(kind))
#define J_BLOCK(a) ((a) & ~(WC_PMD_SIZE - 1))

/* The engine's flags (user/coverage.h), as the judge sets them. */
#define J_NO_BEGIN	0x01
#define J_NO_END	0x02
#define J_SEQ_GAP	0x08
#define J_OVERFLOW	0x10
#define J_UNTRACKED	0x20
#define J_ENTRY_MISSING	0x40
#define J_UNSURE	0x200
#define J_STOPPED	0x400
#define J_RACED		0x800
#define J_REASONS	0x2fb

/* enum wc_anomaly_type, enum wc_split_attr (user/coverage.h) */
#define J_AN_DOUBLE	1
#define J_AN_RETRY	2
#define J_AN_OOO	3
#define J_AN_LIVELOCK	4
#define J_AN_GAP	5
#define J_SPLIT_OWN	1
#define J_SPLIT_OTHER	2

struct j_iv {
	__u64 s, e;
};

struct j_key {
	__u64 key;		/* 2 MiB block */
	__u32 type;
	__u32 pad;
};

struct j_retry {
	__u64 start, end;	/* widened range of the retried visits */
	__u32 kind, count;
};

struct j_gap {
	__u64 s, e, ts;
};

struct j_pend {
	__u64 walk_id, ops, mm, start, end, ts, split_tid, since;
	__u32 type, kind, count, split;
	__u32 slot;		/* the walk's first visit slot (names its ops) */
	__u32 pad;
};

struct j_walk {
	struct wc_sum_val v;
	__u64 walk_id, ops, mm, begin_ts, start, end;
	__u64 cursor;		/* highest address reached (terminal ends, chunk starts) */
	__u64 floor;		/* intervals below were dropped: visits below are not judged */
	__u64 pass_s[2], pass_e[2];	/* last pass-through: [0] pud, [1] pmd */
	__u64 huge_s, huge_e;	/* huge entry sent down */
	__u32 seq_max, seen, base;	/* completeness: indices base..seq_max, events seen */
	__u32 flags;		/* J_* */
	__u32 pid, first_slot;	/* first visit's slot (names ops inside bigger objects) */
	char comm[WC_COMM_LEN];
	__u8 open, ordered, ended, active, pass_valid[2], huge_valid, huge_kind;
	__u8 niv, nkeys, nrk, mm_slot;	/* mm_slot: index in mm_walks, 0xff none */
	/* the gap rule (engine's struct frame and walk level, section 5a) */
	__u8 fdepth, fhave, fnovma, wrule, whave, ngaps;
	__u32 fmask, wmask;
	__u64 fs, fe, freach, wreach;
	struct j_gap gaps[J_GAPS];
	struct j_iv iv[J_IVS];
	struct j_key keys[J_KEYS];
	struct j_retry rk[J_RKEYS];
};

struct judge {
	struct wc_event ev;	/* the event being built */
	struct j_walk w;
	struct j_pend pend[J_PEND];
	struct j_iv tmp[J_IVS];	/* the list being rebuilt */
	struct { __u64 out, placed, ms, me; } rb;	/* ... and where that is */
	struct { __u64 p, s, end, judge, cursor; } sc;	/* judge_scan's loop state */
	__u32 npend;
	__u64 named_ops;	/* ops this task last put in ops_slots (one lookup a walk less) */
};

/* A task's state stays from walk to walk (a walk closed at its END leaves
 * it for the next: no insert and delete of 1.2 KB per walk) until the task
 * exits. LRU: tasks that walked once and never again make room for others;
 * a walk in flight is among the most recently used, and if it were evicted
 * its next event would find no BEGIN and the walk would be incomplete,
 * never proven. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);	/* 1 unless the frontend judges */
	__type(key, __u32);		/* tid */
	__type(value, struct judge);
} judges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, WC_SUM_ENTRIES);	/* 1 unless the frontend judges */
	__type(key, struct wc_sum_key);
	__type(value, struct wc_sum_val);
} summary SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, WC_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, WC_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Stack ids already sent to user space (struct wc_stack_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WC_STACK_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} stack_sent SEC(".maps");

/* Open walks per mm, for splits by another task (engine: "every open walk
 * of that mm"). */
struct mm_walks_val {
	__u64 tid[J_MMW];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct mm_walks_val);
} mm_walks SEC(".maps");

/* The last huge split of each (mm, 2 MiB block), and the last one by
 * another task than that: enough to tell, for any walking task, whether
 * another task (or only itself) split the block since a given time. */
struct split_key {
	__u64 mm, block;
};

struct split_val {
	__u64 ts, tid;		/* last split */
	__u64 ts2, tid2;	/* last split by a task other than tid */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct split_key);
	__type(value, struct split_val);
} split_log SEC(".maps");

/* The first visit's slot per ops id: names ops that sit inside a bigger
 * object (a module's array of ops) in summary mode, where no visit event
 * reaches user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} ops_slots SEC(".maps");

static struct judge zero_judge;		/* templates for map inserts and resets */
static struct j_walk zero_walk;
static struct mm_walks_val zero_mmw;
static struct wc_sum_val zero_sum;

/* An array index the compiler cannot drop the mask of: where it knows the
 * index is in bounds it removes the mask, and 6.1's verifier, walking a
 * path it cannot tell is impossible, then sees an unbounded offset. */
static __always_inline __u64 jidx(__u64 v, const __u64 mask)
{
	asm volatile("%0 &= %1" : "+r"(v) : "i"(mask));
	return v;
}

static __always_inline __u64 jmax(__u64 a, __u64 b) { return a > b ? a : b; }
static __always_inline __u64 jmin(__u64 a, __u64 b) { return a < b ? a : b; }
static __always_inline bool jdiffers(__u64 a, __u64 b) { return a && b && a != b; }

/* ---- anomalies ---- */

/* Who split BLOCK of MM since SINCE, seen from task TID (engine's
 * attribute_split: another task wins over the task itself). */
static __always_inline void split_attr(__u64 mm, __u64 start, __u64 since, __u32 tid,
				       __u32 *split, __u64 *split_tid)
{
	struct split_key k = { .mm = mm, .block = J_BLOCK(start) };
	struct split_val *s = bpf_map_lookup_elem(&split_log, &k);
	__u64 ots = 0, otid = 0;

	*split = 0;
	*split_tid = 0;
	if (!s)
		return;
	if (s->tid != tid) {
		ots = s->ts;
		otid = s->tid;
	} else if (s->tid2) {
		ots = s->ts2;
		otid = s->tid2;
	}
	if (otid && ots >= since) {
		*split = J_SPLIT_OTHER;
		*split_tid = otid;
	} else if ((s->tid == tid && s->ts >= since) || (s->tid2 == tid && s->ts2 >= since)) {
		*split = J_SPLIT_OWN;
		*split_tid = tid;
	}
}

/* Queue an anomaly piece for emission; one event's pieces of one key merge. */
/* TK: anomaly type << 16 | kind (five arguments at most) */
__noinline int pend_add(struct judge *j, __u32 tk, __u64 s, __u64 e, __u32 n_add)
{
	__u32 type = tk >> 16, kind = tk & 0xffff;
	struct j_pend *p;
	struct wc_stats *st;
	__u32 n;

	if (!j)
		return 0;
	n = j->npend;
	for (int i = 0; i < J_PEND; i++) {
		if (i >= (int)n)
			break;
		p = &j->pend[i];
		if (p->type == type && p->walk_id == j->w.walk_id && p->kind == kind &&
		    (type == J_AN_RETRY || type == J_AN_GAP ? p->start == s :
		     J_BLOCK(p->start) == J_BLOCK(s))) {
			p->start = jmin(p->start, s);
			p->end = jmax(p->end, e);
			p->count += n_add;
			return 0;
		}
	}
	if (n >= J_PEND) {
		st = my_stats();	/* an anomaly event lost: like a full ring buffer */
		if (st)
			__sync_fetch_and_add(&st->ringbuf_drops, 1);
		return 0;
	}
	p = &j->pend[jidx(n, J_PEND - 1)];
	p->walk_id = j->w.walk_id;
	p->ops = j->w.ops;
	p->mm = j->w.mm;
	p->start = s;
	p->end = e;
	p->ts = j->ev.ts_ns;
	p->type = type;
	p->kind = kind;
	p->count = n_add;
	p->slot = j->w.first_slot < WC_MAX_SLOTS ? j->w.first_slot : j->ev.slot;
	p->since = j->w.begin_ts;	/* split attribution at emission (judge_emit) */
	j->npend = n + 1;
	return 0;
}

/* A double or out-of-order piece: counted once per (type, 2 MiB block) in
 * the walk, as the engine does. */
__noinline int anomaly(struct judge *j, __u32 type, __u32 kind, __u64 s, __u64 e)
{
	__u64 block = J_BLOCK(s);
	bool found = false;
	__u32 n;

	if (!j)
		return 0;
	n = j->w.nkeys;
	for (int i = 0; i < J_KEYS; i++) {
		if (i >= (int)n)
			break;
		if (j->w.keys[i].key == block && j->w.keys[i].type == type)
			found = true;
	}
	if (!found) {
		if (n >= J_KEYS) {
			j->w.flags |= J_OVERFLOW;	/* counted before? cannot tell */
		} else {
			j->w.keys[jidx(n, J_KEYS - 1)].key = block;
			j->w.keys[jidx(n, J_KEYS - 1)].type = type;
			j->w.nkeys = n + 1;
			if (type == J_AN_DOUBLE)
				j->w.v.doubles++;
			else
				j->w.v.out_of_order++;
		}
	}
	pend_add(j, TK(type, kind), s, e, 1);
	return 0;
}

/* A repeat of (kind, start): engine's retry(), livelock past the threshold. */
__noinline int retry(struct judge *j, __u32 kind, __u64 s, __u64 e)
{
	struct j_retry *r = NULL;
	__u32 n;

	if (!j)
		return 0;
	n = j->w.nrk;
	j->w.v.retries++;
	for (int i = 0; i < J_RKEYS; i++) {
		if (i >= (int)n)
			break;
		if (j->w.rk[i].start == s && j->w.rk[i].kind == kind)
			r = &j->w.rk[i];
	}
	if (!r) {
		if (n >= J_RKEYS) {
			j->w.flags |= J_OVERFLOW;	/* a livelock could go unseen */
			pend_add(j, TK(J_AN_RETRY, kind), s, e, 1);
			return 0;
		}
		r = &j->w.rk[jidx(n, J_RKEYS - 1)];
		r->start = s;
		r->end = e;
		r->kind = kind;
		r->count = 0;
		j->w.nrk = n + 1;
	}
	r->end = jmax(r->end, e);
	r->count++;
	if (r->count <= livelock_retries) {
		pend_add(j, TK(J_AN_RETRY, kind), s, e, 1);
	} else if (r->count == livelock_retries + 1) {
		/* reported at once: a real livelock may never end its walk; the
		 * repeats from here on are emitted as one retry at close */
		j->w.v.livelocks++;
		pend_add(j, TK(J_AN_LIVELOCK, kind), r->start, r->end, r->count);
	}
	return 0;
}

/* ---- handled intervals ---- */

static __always_inline void fresh(struct judge *j, __u64 a, __u64 b, int judge, __u64 cursor)
{
	j->w.v.bytes += b - a;
	if (judge && j->w.ordered && !(j->w.flags & J_OVERFLOW) && a < cursor)
		anomaly(j, J_AN_OOO, j->ev.kind, a, jmin(b, cursor));
}

/* Drop the lowest interval (the list is full): below its end nothing is
 * known any more. */
static __always_inline void iv_drop_lowest(struct judge *j)
{
	j->w.floor = jmax(j->w.floor, j->w.iv[0].e);
	for (int i = 0; i < J_IVS - 1; i++)
		j->w.iv[i] = j->w.iv[i + 1];
	j->w.niv = J_IVS - 1;
}

/* The engine's pass over the handled list for a backwards [s, end):
 * fresh gaps (out of order below the cursor) and overlaps (doubles). Its
 * state lives in the map value (SC), not in registers spilled to a stack:
 * the programs' call chains have 512 bytes in all. */
#define SC(f) (*(volatile __u64 *)&j->sc.f)

__noinline int judge_scan(struct judge *j, __u64 s, __u64 end, int judge, __u64 cursor)
{
	if (!j)
		return 0;
	SC(p) = s;
	SC(s) = s;
	SC(end) = end;
	SC(judge) = judge;
	SC(cursor) = cursor;
	for (int i = 0; i < J_IVS; i++) {
		__u64 vs, ve, p;

		if (i >= j->w.niv)
			break;
		vs = j->w.iv[i].s;
		ve = j->w.iv[i].e;
		if (ve < SC(s) || vs > SC(end))
			continue;
		p = SC(p);
		if (vs > p)
			fresh(j, p, vs, SC(judge), SC(cursor));
		p = jmax(SC(p), vs);
		ve = jmin(SC(end), ve);
		if (p < ve && SC(judge))
			anomaly(j, J_AN_DOUBLE, j->ev.kind, p, ve);
		SC(p) = jmax(SC(p), ve);
	}
	if (SC(p) < SC(end))
		fresh(j, SC(p), SC(end), SC(judge), SC(cursor));
	return 0;
}

/* The list with [s, end) added: intervals touching it merge into one.
 * The loop's state lives in the map value, read back through volatile
 * loads: the verifier then sees unknown scalars, not one state per value
 * of the output index (which made it give up). */
#define RB(f) (*(volatile __u64 *)&j->rb.f)

static __noinline void rb_put(struct judge *j, __u64 vs, __u64 ve)
{
	__u64 out = RB(out);

	if (out >= J_IVS) {
		/* full: the lowest goes, below it nothing is known */
		j->w.floor = jmax(j->w.floor, j->tmp[0].e);
		for (int k = 0; k < J_IVS - 1; k++)
			j->tmp[k] = j->tmp[k + 1];
		out = J_IVS - 1;
	}
	j->tmp[jidx(out, J_IVS - 1)].s = vs;
	j->tmp[jidx(out, J_IVS - 1)].e = ve;
	RB(out) = out + 1;
}

__noinline int judge_rebuild(struct judge *j, __u64 s, __u64 end)
{
	__u32 n;

	if (!j)
		return 0;
	n = j->w.niv;
	RB(out) = 0;
	RB(placed) = 0;
	RB(ms) = s;
	RB(me) = end;
	for (int i = 0; i < J_IVS; i++) {
		__u64 vs, ve;

		if (i >= (int)n)
			break;
		vs = j->w.iv[i].s;
		ve = j->w.iv[i].e;
		if (ve >= s && vs <= end) {
			RB(ms) = jmin(RB(ms), vs);
			RB(me) = jmax(RB(me), ve);
			continue;
		}
		if (vs > end && !RB(placed)) {
			rb_put(j, RB(ms), RB(me));
			RB(placed) = 1;
		}
		rb_put(j, vs, ve);
	}
	if (!RB(placed))
		rb_put(j, RB(ms), RB(me));
	__builtin_memcpy(j->w.iv, j->tmp, sizeof(j->w.iv));
	j->w.niv = RB(out) > J_IVS ? J_IVS : RB(out);
	return 0;
}

/* [s, end) was handled; judge: bytes handled before are a double, fresh
 * bytes below the cursor out of order (a skipped VMA only fills). */
static __always_inline void judge_cover(struct judge *j, __u64 s, __u64 end, int judge)
{
	__u64 cursor;
	__u32 n;

	cursor = j->w.cursor;
	n = j->w.niv;
	if (n > J_IVS)
		return;
	if (s < j->w.floor)
		j->w.flags |= J_OVERFLOW;	/* judged for what the list holds */
	if (s >= cursor) {
		/* forward (the common case): all fresh, nothing can overlap */
		j->w.v.bytes += end - s;
		if (n > 0 && j->w.iv[jidx(n - 1, J_IVS - 1)].e == s) {
			j->w.iv[jidx(n - 1, J_IVS - 1)].e = end;
		} else {
			if (n == J_IVS) {
				iv_drop_lowest(j);
				n = J_IVS - 1;
			}
			j->w.iv[jidx(n, J_IVS - 1)].s = s;
			j->w.iv[jidx(n, J_IVS - 1)].e = end;
			j->w.niv = n + 1;
		}
		j->w.cursor = jmax(cursor, end);
		return;
	}
	/* backwards: walk the sorted list as the engine does, and rebuild it
	 * with [s, end) merged in (one precise index: cheap to verify) */
	judge_scan(j, s, end, judge, cursor);
	j->w.cursor = jmax(cursor, end);
	judge_rebuild(j, s, end);
	return;
}

/* ---- gaps: engine's unhandled(), account(), account_tail() ---- */

static __always_inline bool gap_certain(__u32 mask, int walk_level, __u8 novma)
{
	if (!(mask & WC_OPS_HOLE))
		return false;
	if (walk_level || (mask & WC_OPS_VMA_HUGETLB))
		return true;
	if (novma)
		return (mask & WC_OPS_PUD) && (mask & WC_OPS_PMD);
	return mask & (WC_OPS_P4D | WC_OPS_PUD | WC_OPS_PMD | WC_OPS_PTE | WC_OPS_INSTALL);
}

/* [a, b) got no callback, and no silence was shown for it. */
static __always_inline void unhandled(struct judge *j, __u64 a, __u64 b, int walk_level)
{
	__u32 mask, n;
	__u8 have;

	mask = walk_level ? j->w.wmask : j->w.fmask;
	have = walk_level ? j->w.whave : j->w.fhave;
	if (!have || !gap_certain(mask, walk_level, walk_level ? 0 : j->w.fnovma)) {
		j->w.flags |= J_UNSURE;
		return;
	}
	n = j->w.ngaps;
	if (n >= J_GAPS) {
		j->w.flags |= J_OVERFLOW;
		return;
	}
	j->w.gaps[jidx(n, J_GAPS - 1)].s = a;
	j->w.gaps[jidx(n, J_GAPS - 1)].e = b;
	j->w.gaps[jidx(n, J_GAPS - 1)].ts = j->ev.ts_ns;
	j->w.ngaps = n + 1;
}

/* [s, end) accounted for: by the frame when one is open, else the walk. */
__noinline int account(struct judge *j, __u64 s, __u64 end)
{
	__u64 lo, hi, reach;
	int walk_level;

	if (!j)
		return 0;
	walk_level = !j->w.fdepth;
	if (walk_level && !j->w.wrule)
		return 0;
	lo = walk_level ? j->w.start : j->w.fs;
	hi = walk_level ? j->w.end : j->w.fe;
	reach = walk_level ? j->w.wreach : j->w.freach;
	s = jmax(s, lo);
	end = jmin(end, hi);
	if (s >= end)
		return 0;
	if (s > reach)
		unhandled(j, reach, s, walk_level);
	reach = jmax(reach, end);
	if (walk_level)
		j->w.wreach = reach;
	else
		j->w.freach = reach;
	return 0;
}

/* The frame (walk_level 0) or the walk ends: nothing may be left. */
__noinline int account_tail(struct judge *j, int walk_level)
{
	__u64 hi, reach;

	if (!j || (walk_level && !j->w.wrule))
		return 0;
	hi = walk_level ? j->w.end : j->w.fe;
	reach = walk_level ? j->w.wreach : j->w.freach;
	if (reach < hi)
		unhandled(j, reach, hi, walk_level);
	if (walk_level)
		j->w.wreach = jmax(reach, hi);
	else
		j->w.freach = jmax(reach, hi);
	return 0;
}

/* CHUNK_BEGIN / CHUNK_END: the outermost chunk is a frame. */
static __always_inline void judge_chunk(struct judge *j)
{
	const struct wc_event *ev = &j->ev;

	if (ev->type == WC_EV_CHUNK_END) {
		if (j->w.fdepth > 1) {
			j->w.fdepth--;
		} else if (j->w.fdepth == 1) {
			if (ev->ret)
				j->w.flags |= J_STOPPED;
			else
				account_tail(j, 0);
			j->w.fdepth = 0;
		}
		return;
	}
	if (j->w.fdepth) {
		if (j->w.fdepth < 255)
			j->w.fdepth++;
		return;
	}
	account(j, ev->start, ev->end);
	j->w.fdepth = 1;
	j->w.fs = ev->start;
	j->w.fe = ev->end;
	j->w.freach = ev->start;
	j->w.fhave = !!(ev->flags & WC_F_OPS_MASK);
	j->w.fmask = (__u32)ev->value;
	j->w.fnovma = !!(ev->flags & WC_F_NO_VMA);
	if (j->w.fhave && (j->w.fmask & WC_OPS_VMA_HUGETLB) && !(j->w.fmask & WC_OPS_HUGETLB))
		j->w.freach = j->w.fe;	/* hugetlb VMA, no hugetlb_entry: silent */
}

/* ---- walks ---- */

/* Splits of other tasks reach this walk through its mm's table. */
static __always_inline void mm_register(struct judge *j)
{
	struct mm_walks_val *m;
	__u64 mm = j->w.mm, tid = j->ev.tid;

	if (!mm || j->w.mm_slot != 0xff)
		return;
	m = bpf_map_lookup_elem(&mm_walks, &mm);
	if (!m) {
		bpf_map_update_elem(&mm_walks, &mm, &zero_mmw, BPF_NOEXIST);
		m = bpf_map_lookup_elem(&mm_walks, &mm);
	}
	if (m) {
		for (int i = 0; i < J_MMW; i++) {
			if (__sync_val_compare_and_swap(&m->tid[i], 0, tid) == 0) {
				j->w.mm_slot = i;
				return;
			}
		}
	}
	j->w.flags |= J_OVERFLOW;	/* splits by other tasks: cannot be counted */
}

static __always_inline void mm_unregister(struct judge *j)
{
	struct mm_walks_val *m;
	__u64 mm = j->w.mm;
	__u8 slot = j->w.mm_slot;

	if (slot >= J_MMW)
		return;
	m = bpf_map_lookup_elem(&mm_walks, &mm);
	if (m)
		__sync_val_compare_and_swap(&m->tid[jidx(slot, J_MMW - 1)], (__u64)j->ev.tid, 0);
	j->w.mm_slot = 0xff;
}

/* The walk's address space (engine's space_enter): a second mm in one walk
 * (walk_page_mapping) is not judged here. */
static __always_inline void space_enter(struct judge *j, __u64 mm)
{
	if (!mm || mm == j->w.mm)
		return;
	if (!j->w.mm) {
		j->w.mm = mm;
		mm_register(j);
		return;
	}
	j->w.flags |= J_OVERFLOW;
	j->w.mm = mm;
	j->w.niv = 0;
	j->w.cursor = 0;
	j->w.floor = 0;
	j->w.pass_valid[0] = j->w.pass_valid[1] = 0;
	j->w.huge_valid = 0;
}

static __always_inline void sum_add(__u64 *f, __u64 v)
{
	if (v)
		__sync_fetch_and_add(f, v);
}

/* Close the walk: completeness, the leftover retries past a livelock, the
 * summary counters of its (ops, comm). */
__noinline int judge_close(struct judge *j, __u32 flags)
{
	struct wc_sum_key key = {};
	struct wc_sum_val *sv;
	struct wc_stats *st = my_stats();
	__u32 expect, slot;

	if (!j || !j->w.open)
		return 0;
	j->w.flags |= flags;
	expect = j->w.seq_max >= j->w.base ? j->w.seq_max - j->w.base + 1 : 0;
	if (j->w.seen != expect)
		j->w.flags |= J_SEQ_GAP;
	if (!j->w.ended)
		j->w.flags |= J_NO_END;
	/* a walk that lost events has its reason; only a walk whose every
	 * event came has gaps (engine's walk_close) */
	if (j->w.flags & J_REASONS & ~J_UNSURE)
		j->w.flags &= ~J_UNSURE;
	else
		for (int i = 0; i < J_GAPS; i++) {
			if (i >= j->w.ngaps)
				break;
			j->w.v.gaps++;
			pend_add(j, TK(J_AN_GAP, 0), j->w.gaps[i].s, j->w.gaps[i].e, 1);
		}
	j->w.v.walks = 1;
	j->w.v.events = j->w.seen;
	j->w.v.walks_stopped = !!(j->w.flags & J_STOPPED);
	j->w.v.walks_unsure = !!(j->w.flags & J_UNSURE);
	j->w.v.walks_raced = (j->w.flags & (J_UNSURE | J_RACED)) == (J_UNSURE | J_RACED);
	if (j->w.flags & J_REASONS) {
		j->w.v.walks_incomplete = 1;
	} else {
		j->w.v.walks_complete = 1;
		if (!j->w.v.doubles && !j->w.v.out_of_order && !j->w.v.livelocks && !j->w.v.gaps)
			j->w.v.walks_proven = 1;
	}
	for (int i = 0; i < J_RKEYS; i++) {
		struct j_retry *r = &j->w.rk[i];

		if (i >= j->w.nrk)
			break;
		if (r->count > livelock_retries)
			pend_add(j, TK(J_AN_RETRY, r->kind), r->start, r->end,
				 r->count - livelock_retries);
	}
	mm_unregister(j);
	/* map keys and values from the stack: 6.1 takes no other memory */
	key.ops = j->w.ops;
	slot = j->w.first_slot;
	if (slot < WC_MAX_SLOTS && key.ops && key.ops != j->named_ops) {
		if (!bpf_map_lookup_elem(&ops_slots, &key.ops))
			bpf_map_update_elem(&ops_slots, &key.ops, &slot, BPF_NOEXIST);
		j->named_ops = key.ops;
	}

	__builtin_memcpy(key.comm, j->w.comm, sizeof(key.comm));
	sv = bpf_map_lookup_elem(&summary, &key);
	if (!sv) {
		bpf_map_update_elem(&summary, &key, &zero_sum, BPF_NOEXIST);
		sv = bpf_map_lookup_elem(&summary, &key);
	}
	if (sv) {
		sum_add(&sv->walks, 1);
		sum_add(&sv->walks_complete, j->w.v.walks_complete);
		sum_add(&sv->walks_incomplete, j->w.v.walks_incomplete);
		sum_add(&sv->walks_proven, j->w.v.walks_proven);
		sum_add(&sv->bytes, j->w.v.bytes);
		sum_add(&sv->pmd_huge, j->w.v.pmd_huge);
		sum_add(&sv->pmd_down, j->w.v.pmd_down);
		sum_add(&sv->pud_visits, j->w.v.pud_visits);
		sum_add(&sv->pte_visits, j->w.v.pte_visits);
		sum_add(&sv->holes, j->w.v.holes);
		sum_add(&sv->hugetlb, j->w.v.hugetlb);
		sum_add(&sv->skipped_vmas, j->w.v.skipped_vmas);
		sum_add(&sv->retries, j->w.v.retries);
		sum_add(&sv->doubles, j->w.v.doubles);
		sum_add(&sv->out_of_order, j->w.v.out_of_order);
		sum_add(&sv->livelocks, j->w.v.livelocks);
		sum_add(&sv->splits_own, j->w.v.splits_own);
		sum_add(&sv->splits_other, j->w.v.splits_other);
		sum_add(&sv->events, j->w.v.events);
		sum_add(&sv->gaps, j->w.v.gaps);
		sum_add(&sv->walks_stopped, j->w.v.walks_stopped);
		sum_add(&sv->walks_unsure, j->w.v.walks_unsure);
		sum_add(&sv->walks_raced, j->w.v.walks_raced);
	} else if (st) {
		count(&st->sum_full);
	}
	if (st)
		count(&st->walks_closed);
	j->w.open = 0;
	return 0;
}

/* The walk an event belongs to (engine's walk_of): another walk id of the
 * task closes the one open (its END was lost) and opens a new one. */
__noinline int walk_of(struct judge *j)
{
	struct wc_stats *st;
	__u32 seq;

	if (!j)
		return 0;
	seq = j->ev.seq;
	if (j->w.open && j->w.walk_id != j->ev.walk_id)
		judge_close(j, 0);
	if (!j->w.open) {
		__builtin_memcpy(&j->w, &zero_walk, sizeof(j->w));
		j->w.open = 1;
		j->w.walk_id = j->ev.walk_id;
		j->w.pid = j->ev.pid;
		j->w.begin_ts = j->ev.ts_ns;
		j->w.flags = J_NO_BEGIN;
		j->w.base = seq ? 1 : 0;
		j->w.mm_slot = 0xff;
		j->w.first_slot = 0xffffffff;
		__builtin_memcpy(j->w.comm, j->ev.comm, sizeof(j->w.comm));
		st = my_stats();
		if (st)
			count(&st->walks_opened);
	}
	j->w.seen++;
	if (seq > j->w.seq_max)
		j->w.seq_max = seq;
	if (seq < j->w.base)
		j->w.flags |= J_SEQ_GAP;
	return 0;
}

static __always_inline void activity(struct judge *j)
{
	walk_of(j);
	j->w.active = 1;
	if (!j->w.ops)
		j->w.ops = j->ev.ops;
	space_enter(j, j->ev.mm);
}

/* ---- splits ---- */

/* A split of BLOCK in MM by another task than T: counted for T's walk
 * when the block is in its range. */
__noinline int split_other(__u64 t, __u64 mm, __u64 block)
{
	__u32 key = (__u32)t;
	struct judge *o = bpf_map_lookup_elem(&judges, &key);

	if (!o || !o->w.open || !o->w.active || jdiffers(o->w.mm, mm))
		return 0;
	if (o->w.start >= o->w.end || (block < o->w.end && block + WC_PMD_SIZE > o->w.start))
		__sync_fetch_and_add(&o->w.v.splits_other, 1);
	return 0;
}

/* A huge-pmd split by task TID of BLOCK in MM: the split log, and the
 * counters of the walks open on that mm (engine's on_split). */
__noinline int judge_split(__u64 mm, __u64 block, __u64 ts, __u64 tid)
{
	struct split_key k = { .mm = mm, .block = block };
	struct split_val *s = bpf_map_lookup_elem(&split_log, &k), nv = {};
	struct mm_walks_val *m;
	struct judge *o;
	__u32 key;

	if (!s) {
		nv.ts = ts;
		nv.tid = tid;
		bpf_map_update_elem(&split_log, &k, &nv, BPF_ANY);
	} else {
		if (s->tid != tid) {
			s->ts2 = s->ts;
			s->tid2 = s->tid;
		}
		s->ts = ts;
		s->tid = tid;
	}
	/* the splitting task's own walk */
	key = (__u32)tid;
	o = bpf_map_lookup_elem(&judges, &key);
	if (o && o->w.open && o->w.active && !jdiffers(o->w.mm, mm))
		__sync_fetch_and_add(&o->w.v.splits_own, 1);
	/* walks of other tasks on that mm, when the block is in their range */
	m = bpf_map_lookup_elem(&mm_walks, &mm);
	if (!m)
		return 0;
	for (int i = 0; i < J_MMW; i++) {
		__u64 t = m->tid[i];

		if (t && t != tid)
			split_other(t, mm, block);
	}
	return 0;
}

/* ---- visits ---- */

enum { JV_IGNORE, JV_AGAIN, JV_TERMINAL, JV_PASS, JV_UNKNOWN };

/* engine's classify() and classify_upper() */
static __always_inline int classify(const struct wc_event *ev)
{
	switch (ev->kind) {
	case WC_K_PTE_HOLE:
	case WC_K_HUGETLB_ENTRY:
	case WC_K_INSTALL_PTE:
		return JV_TERMINAL;
	case WC_K_PTE_ENTRY:
		return ev->ret == 0 && ev->action == WC_ACT_AGAIN ? JV_AGAIN : JV_TERMINAL;
	case WC_K_PGD_ENTRY:
	case WC_K_P4D_ENTRY:
		if (ev->action != WC_ACT_CONTINUE)
			return JV_PASS;
		if (!(ev->flags & WC_F_ENTRY_SEEN) || ev->entry_action == WC_ACT_UNKNOWN)
			return JV_UNKNOWN;
		return ev->entry_action == WC_ACT_CONTINUE ? JV_PASS : JV_TERMINAL;
	case WC_K_PUD_ENTRY:
	case WC_K_PMD_ENTRY:
		break;
	default:
		return JV_IGNORE;
	}
	if (ev->ret)
		return JV_TERMINAL;
	if (ev->action == WC_ACT_AGAIN)
		return JV_AGAIN;
	if (ev->action == WC_ACT_CONTINUE)
		return JV_TERMINAL;
	if (ev->action != WC_ACT_SUBTREE)
		return JV_UNKNOWN;
	if (!(ev->flags & WC_F_HAS_LOWER))
		return JV_TERMINAL;
	if ((ev->flags & WC_F_NO_VMA) && (ev->flags & WC_F_ENTRY_SEEN) &&
	    ev->cls != WC_CLS_TABLE && ev->cls != WC_CLS_UNKNOWN)
		return JV_TERMINAL;
	return JV_PASS;
}

static __always_inline bool below(__u32 kind, __u32 huge_kind)
{
	if (kind == WC_K_PTE_ENTRY || kind == WC_K_PTE_HOLE || kind == WC_K_INSTALL_PTE)
		return true;
	return kind == WC_K_PMD_ENTRY && huge_kind == WC_K_PUD_ENTRY;
}

static __always_inline void on_visit_j(struct judge *j)
{
	const struct wc_event *ev = &j->ev;
	__u64 s = ev->start, end = ev->end;
	int c = classify(ev), lvl;

	if (c == JV_IGNORE || end <= s)
		return;		/* engine: bad event, not in a walk */
	activity(j);
	if (j->w.first_slot == 0xffffffff)
		j->w.first_slot = ev->slot;
	if (ev->kind == WC_K_PGD_ENTRY || ev->kind == WC_K_P4D_ENTRY) {
		if (c == JV_UNKNOWN && (ev->flags & WC_F_HAS_LOWER))
			j->w.flags |= J_ENTRY_MISSING;
		if (c == JV_TERMINAL)
			judge_cover(j, s, end, 1);
		if (c == JV_TERMINAL || (c == JV_PASS && !(ev->flags & WC_F_HAS_LOWER)))
			account(j, s, end);
		return;
	}
	if (j->w.huge_valid && (s < j->w.huge_s || s >= j->w.huge_e))
		j->w.huge_valid = 0;
	lvl = ev->kind == WC_K_PUD_ENTRY ? 0 : ev->kind == WC_K_PMD_ENTRY ? 1 : -1;

	if (lvl >= 0 && j->w.pass_valid[lvl & 1] && j->w.pass_s[lvl & 1] == s) {
		retry(j, ev->kind, s, end);
		j->w.huge_valid = 0;
	} else if (ev->kind == WC_K_PTE_HOLE) {
		/* the retry found the entry none: a hole over the same range */
		if (ev->depth != 2 && j->w.pass_valid[1] && j->w.pass_s[1] == s &&
		    j->w.pass_e[1] == end) {
			retry(j, WC_K_PMD_ENTRY, s, end);
			j->w.huge_valid = 0;
		} else if (ev->depth != 3 && j->w.pass_valid[0] && j->w.pass_s[0] == s &&
			   j->w.pass_e[0] == end) {
			retry(j, WC_K_PUD_ENTRY, s, end);
			j->w.huge_valid = 0;
		}
	}
	if (lvl == 0)
		j->w.pass_valid[1] = 0;

	if (c == JV_AGAIN) {
		if (lvl >= 0)
			j->w.pass_valid[lvl & 1] = 0;
		retry(j, ev->kind, s, end);
		return;
	}
	if (c == JV_PASS || c == JV_UNKNOWN) {
		if (lvl < 0)
			return;	/* not reached: only pud/pmd pass through here */
		j->w.pass_valid[lvl & 1] = 1;
		j->w.pass_s[lvl & 1] = s;
		j->w.pass_e[lvl & 1] = end;
		if (c == JV_UNKNOWN || !(ev->flags & WC_F_ENTRY_SEEN))
			j->w.flags |= J_ENTRY_MISSING;
		if (c == JV_UNKNOWN)
			return;
		if (lvl == 0)
			j->w.v.pud_visits++;
		else
			j->w.v.pmd_down++;
		if ((ev->flags & WC_F_ENTRY_SEEN) && ev->cls == WC_CLS_HUGE) {
			j->w.huge_valid = 1;
			j->w.huge_kind = ev->kind;
			j->w.huge_s = s;
			j->w.huge_e = end;
		}
		return;
	}

	/* terminal */
	j->w.pass_valid[0] = j->w.pass_valid[1] = 0;
	switch (ev->kind) {
	case WC_K_PUD_ENTRY: j->w.v.pud_visits++; break;
	case WC_K_PMD_ENTRY:
		if ((ev->flags & WC_F_ENTRY_SEEN) && ev->cls == WC_CLS_HUGE)
			j->w.v.pmd_huge++;
		break;
	case WC_K_PTE_ENTRY: j->w.v.pte_visits++; break;
	case WC_K_PTE_HOLE: j->w.v.holes++; break;
	case WC_K_HUGETLB_ENTRY: j->w.v.hugetlb++; break;
	}
	/* the 2019 double: the huge entry was handled, then its ptes again */
	if (j->w.huge_valid && below(ev->kind, j->w.huge_kind) && s < j->w.huge_e &&
	    end > j->w.huge_s)
		anomaly(j, J_AN_DOUBLE, ev->kind, jmax(s, j->w.huge_s), jmin(end, j->w.huge_e));
	judge_cover(j, s, end, 1);
	account(j, s, end);
}

/* A WC_EV_QUIET event (the tracer's reading of a range nobody visited):
 * all none, where the walker is silent by design (engine's on_quiet). */
__noinline int judge_quiet(struct judge *j)
{
	const struct wc_event *ev;

	if (!j)
		return 0;
	ev = &j->ev;
	if (ev->end <= ev->start)
		return 0;
	activity(j);
	if (ev->cls != WC_CLS_NONE && ev->ret > 0 && (__u64)ev->ret >= j->w.begin_ts)
		j->w.flags |= J_RACED;	/* engine's on_quiet */
	if (ev->cls == WC_CLS_NONE &&
	    (j->w.fdepth ? j->w.fhave && !(j->w.fmask & WC_OPS_HOLE) :
			   j->w.whave && !(j->w.wmask & WC_OPS_HOLE)))
		account(j, ev->start, ev->end);
	return 0;
}

/* Judge the task's event (j->ev). Anomalies found are left in j->pend for
 * the caller to emit. */
__noinline int judge_event(struct judge *j)
{
	const struct wc_event *ev;

	if (!j)
		return 0;
	ev = &j->ev;
	switch (ev->type) {
	case WC_EV_WALK_BEGIN:
		walk_of(j);
		if (ev->flags & WC_F_NESTED)
			return 0;
		if (ev->seq == 0)
			j->w.flags &= ~J_NO_BEGIN;
		j->w.start = ev->start;
		j->w.end = ev->end;
		j->w.ops = ev->ops;
		j->w.begin_ts = ev->ts_ns;
		j->w.ordered = 0;
		if (ev->slot < WC_MAX_SLOTS)
			j->w.ordered = !(slots[ev->slot].flags & WC_SLOT_UNORDERED);
		space_enter(j, ev->mm);
		j->w.wrule = ev->start < ev->end;
		j->w.wreach = ev->start;
		j->w.whave = !!(ev->flags & WC_F_OPS_MASK);
		j->w.wmask = (__u32)ev->value;
		return 0;
	case WC_EV_WALK_END:
		walk_of(j);
		if (ev->flags & WC_F_NESTED)
			return 0;
		j->w.ended = 1;
		if (ev->ret)
			j->w.flags |= J_STOPPED;
		else if (!j->w.fdepth && !(j->w.flags & J_STOPPED))
			account_tail(j, 1);
		judge_close(j, 0);
		return 0;
	case WC_EV_CHUNK_BEGIN:
	case WC_EV_CHUNK_END:
		activity(j);
		if (ev->type == WC_EV_CHUNK_BEGIN)
			j->w.cursor = jmax(j->w.cursor, ev->start);
		judge_chunk(j);
		return 0;
	case WC_EV_VMA_SKIP:
		if (ev->end <= ev->start)
			return 0;
		activity(j);
		j->w.v.skipped_vmas++;
		judge_cover(j, ev->start, ev->end, 0);
		account(j, ev->start, ev->end);
		return 0;
	/* WC_EV_QUIET: judge_quiet(), called by the tracer's quiet_emit() */
	case WC_EV_VISIT:
		on_visit_j(j);
		return 0;
	case WC_EV_LEVEL:
		walk_of(j);
		return 0;
	case WC_EV_SPLIT:
		walk_of(j);
		if (ev->cls == WC_CLS_HUGE)
			judge_split(ev->mm, J_BLOCK(ev->start), ev->ts_ns, ev->tid);
		return 0;
	}
	return 0;
}

#endif /* WALKCOV_JUDGE_BPF_H */
