// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Packed events (evpack.h, docs/file-format.md). One event:
 *
 *   mask (varint: which fields differ from their prediction)
 *   [tid]  ts delta  then each field whose mask bit is set, in bit order
 *
 * Predictions come from the previous event overall (ts, tid) and from the
 * task's previous event R (a table by hash of tid): pid, cpu, walk_id, comm,
 * the pointers as in R; seq R.seq + 1 (0 when the walk changed); start at
 * R.end, and as long as R; value, ret, depth and pad 0; the type, slot and
 * flags of whatever followed an event of R's type and slot last time.
 * Integers are LEB128 varints, signed ones zigzag; all arithmetic is modulo
 * 2^64 (2^32 for seq), so any value round-trips.
 */
#include <string.h>
#include "evpack.h"

enum {
	P_TYPE = 1 << 0,	/* type, slot, kind */
	P_ACT = 1 << 1,		/* action, entry_action, cls, flags */
	P_START = 1 << 2,
	P_END = 1 << 3,
	P_VALUE = 1 << 4,
	P_PTRS = 1 << 5,	/* walk, mm, ops, vma: one byte of 2-bit codes */
	P_TID = 1 << 6,
	P_WALKID = 1 << 7,
	P_RET = 1 << 8,
	P_DEPTH = 1 << 9,
	P_SEQ = 1 << 10,
	P_PID = 1 << 11,
	P_CPU = 1 << 12,
	P_COMM = 1 << 13,
	P_PAD = 1 << 14,
	P_ALL = (1 << 15) - 1,
};

/* pointer codes */
enum { PTR_SAME = 0, PTR_ZERO = 1, PTR_LAST = 2, PTR_DELTA = 3 };

static inline uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzz(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline unsigned task_index(uint32_t tid)
{
	return (tid * 2654435761u) >> 24;	/* 8 bits: WC_EVPACK_TASKS */
}

static inline unsigned shape_index(uint16_t type, uint16_t slot)
{
	return (((uint32_t)slot << 4 ^ type) * 2654435761u) >> 22;	/* 10 bits */
}

static inline struct wc_evpack_shape shape_of(const struct wc_event *e)
{
	return (struct wc_evpack_shape){ e->type, e->slot, e->kind, e->action,
					 e->entry_action, e->cls, e->flags };
}

static inline __u64 *ptr_field(struct wc_event *e, int i)
{
	return i == 0 ? &e->walk : i == 1 ? &e->mm : i == 2 ? &e->ops : &e->vma;
}

void wc_evpack_reset(struct wc_evpack *c)
{
	memset(c, 0, sizeof(*c));
}

static inline unsigned char *put(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

size_t wc_evpack_encode(struct wc_evpack *c, const struct wc_event *e, unsigned char *out)
{
	struct wc_evpack_task *t = &c->task[task_index(e->tid)];
	const struct wc_event *r = &t->last;
	struct wc_evpack_shape *next = &c->next[shape_index(r->type, r->slot)];
	struct wc_evpack_shape s = shape_of(e);
	uint32_t seq = e->walk_id != r->walk_id ? 0 : r->seq + 1;
	uint64_t len = r->end - r->start;
	unsigned mask = 0, codes = 0;
	unsigned char *p = out;

	if (s.type != next->type || s.slot != next->slot || s.kind != next->kind)
		mask |= P_TYPE;
	if (s.action != next->action || s.entry_action != next->entry_action ||
	    s.cls != next->cls || s.flags != next->flags)
		mask |= P_ACT;
	if (e->start != r->end)
		mask |= P_START;
	if (e->end - e->start != len)
		mask |= P_END;
	if (e->value)
		mask |= P_VALUE;
	for (int i = 0; i < 4; i++) {
		uint64_t v = *ptr_field((struct wc_event *)e, i);
		unsigned code = v == *ptr_field((struct wc_event *)r, i) ? PTR_SAME :
				!v ? PTR_ZERO : v == t->nonzero[i] ? PTR_LAST : PTR_DELTA;

		codes |= code << (2 * i);
	}
	if (codes)
		mask |= P_PTRS;
	if (e->tid != c->tid)
		mask |= P_TID;
	if (e->walk_id != r->walk_id)
		mask |= P_WALKID;
	if (e->ret)
		mask |= P_RET;
	if (e->depth)
		mask |= P_DEPTH;
	if (e->seq != seq)
		mask |= P_SEQ;
	if (e->pid != r->pid)
		mask |= P_PID;
	if (e->cpu != r->cpu)
		mask |= P_CPU;
	if (memcmp(e->comm, r->comm, WC_COMM_LEN))
		mask |= P_COMM;
	if (e->pad[0] | e->pad[1] | e->pad[2])
		mask |= P_PAD;

	p = put(p, mask);
	if (mask & P_TID)
		p = put(p, e->tid);
	p = put(p, zz((int64_t)(e->ts_ns - c->ts)));
	if (mask & P_TYPE) {
		p = put(p, s.type);
		p = put(p, s.slot);
		*p++ = s.kind;
	}
	if (mask & P_ACT) {
		*p++ = s.action;
		*p++ = s.entry_action;
		*p++ = s.cls;
		*p++ = s.flags;
	}
	if (mask & P_START)
		p = put(p, zz((int64_t)(e->start - r->end)));
	if (mask & P_END)
		p = put(p, zz((int64_t)(e->end - e->start - len)));
	if (mask & P_VALUE)
		p = put(p, zz((int64_t)(e->value - r->value)));
	if (mask & P_PTRS) {
		*p++ = (unsigned char)codes;
		for (int i = 0; i < 4; i++)
			if ((codes >> (2 * i) & 3) == PTR_DELTA)
				p = put(p, zz((int64_t)(*ptr_field((struct wc_event *)e, i) -
							t->nonzero[i])));
	}
	if (mask & P_WALKID)
		p = put(p, zz((int64_t)(e->walk_id - r->walk_id)));
	if (mask & P_RET)
		p = put(p, zz(e->ret));
	if (mask & P_DEPTH)
		p = put(p, zz(e->depth));
	if (mask & P_SEQ)
		p = put(p, zz((int32_t)(e->seq - seq)));
	if (mask & P_PID)
		p = put(p, e->pid);
	if (mask & P_CPU)
		p = put(p, e->cpu);
	if (mask & P_COMM) {
		memcpy(p, e->comm, WC_COMM_LEN);
		p += WC_COMM_LEN;
	}
	if (mask & P_PAD) {
		memcpy(p, e->pad, sizeof(e->pad));
		p += sizeof(e->pad);
	}

	*next = s;
	for (int i = 0; i < 4; i++)
		if (*ptr_field((struct wc_event *)e, i))
			t->nonzero[i] = *ptr_field((struct wc_event *)e, i);
	t->last = *e;
	c->ts = e->ts_ns;
	c->tid = e->tid;
	return (size_t)(p - out);
}

struct cursor {
	const unsigned char *p, *end;
	int bad;
};

static inline uint64_t get(struct cursor *k)
{
	uint64_t v = 0;

	for (unsigned shift = 0; k->p < k->end; shift += 7) {
		unsigned b = *k->p++;

		if (shift == 63 && b > 1)
			break;	/* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	k->bad = 1;
	return 0;
}

static inline uint32_t get32(struct cursor *k)
{
	uint64_t v = get(k);

	if (v > UINT32_MAX)
		k->bad = 1;
	return (uint32_t)v;
}

static inline uint16_t get16(struct cursor *k)
{
	uint64_t v = get(k);

	if (v > UINT16_MAX)
		k->bad = 1;
	return (uint16_t)v;
}

static inline int bytes(struct cursor *k, void *dst, size_t n)
{
	if ((size_t)(k->end - k->p) < n) {
		k->bad = 1;
		return -1;
	}
	memcpy(dst, k->p, n);
	k->p += n;
	return 0;
}

size_t wc_evpack_decode(struct wc_evpack *c, const unsigned char *p, size_t len,
			struct wc_event *e)
{
	struct cursor k = { p, p + len, 0 };
	uint64_t mask = get(&k), rlen;
	uint32_t tid = c->tid, seq;
	struct wc_evpack_task *t;
	struct wc_evpack_shape *next, s;
	const struct wc_event *r;

	if (k.bad || mask & ~(uint64_t)P_ALL)
		return 0;
	if (mask & P_TID)
		tid = get32(&k);
	t = &c->task[task_index(tid)];
	r = &t->last;
	next = &c->next[shape_index(r->type, r->slot)];
	s = *next;
	seq = r->seq + 1;
	rlen = r->end - r->start;

	*e = *r;
	e->tid = tid;
	e->ts_ns = c->ts + (uint64_t)unzz(get(&k));
	if (mask & P_TYPE) {
		s.type = get16(&k);
		s.slot = get16(&k);
		bytes(&k, &s.kind, 1);
	}
	if (mask & P_ACT) {
		unsigned char a[4];

		if (!bytes(&k, a, 4)) {
			s.action = a[0];
			s.entry_action = a[1];
			s.cls = a[2];
			s.flags = a[3];
		}
	}
	e->start = r->end;
	if (mask & P_START)
		e->start += (uint64_t)unzz(get(&k));
	e->end = e->start + rlen;
	if (mask & P_END)
		e->end += (uint64_t)unzz(get(&k));
	e->value = 0;
	if (mask & P_VALUE)
		e->value = r->value + (uint64_t)unzz(get(&k));
	if (mask & P_PTRS) {
		unsigned char codes = 0;

		bytes(&k, &codes, 1);
		for (int i = 0; i < 4; i++) {
			__u64 *f = ptr_field(e, i);

			switch (codes >> (2 * i) & 3) {
			case PTR_ZERO: *f = 0; break;
			case PTR_LAST: *f = t->nonzero[i]; break;
			case PTR_DELTA: *f = t->nonzero[i] + (uint64_t)unzz(get(&k)); break;
			}
		}
	}
	if (mask & P_WALKID) {
		e->walk_id = r->walk_id + (uint64_t)unzz(get(&k));
		seq = 0;
	}
	e->ret = 0;
	if (mask & P_RET)
		e->ret = unzz(get(&k));
	e->depth = 0;
	if (mask & P_DEPTH) {
		int64_t d = unzz(get(&k));

		if (d < INT32_MIN || d > INT32_MAX)
			k.bad = 1;
		e->depth = (int32_t)d;
	}
	e->seq = seq;
	if (mask & P_SEQ) {
		int64_t d = unzz(get(&k));

		if (d < INT32_MIN || d > INT32_MAX)
			k.bad = 1;
		e->seq = seq + (uint32_t)d;
	}
	if (mask & P_PID)
		e->pid = get32(&k);
	if (mask & P_CPU)
		e->cpu = get32(&k);
	if (mask & P_COMM)
		bytes(&k, e->comm, WC_COMM_LEN);
	memset(e->pad, 0, sizeof(e->pad));
	if (mask & P_PAD)
		bytes(&k, e->pad, sizeof(e->pad));
	if (k.bad)
		return 0;
	e->type = s.type;
	e->slot = s.slot;
	e->kind = s.kind;
	e->action = s.action;
	e->entry_action = s.entry_action;
	e->cls = s.cls;
	e->flags = s.flags;

	*next = s;
	for (int i = 0; i < 4; i++)
		if (*ptr_field(e, i))
			t->nonzero[i] = *ptr_field(e, i);
	t->last = *e;
	c->ts = e->ts_ns;
	c->tid = e->tid;
	return (size_t)(k.p - p);
}
