// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov tracer: one generic program pair per attach slot.
 *
 * The frontend fills slots[] (read-only data, frozen at load) with the role of
 * each target and where its arguments are, points fentry_N/fexit_N at the
 * target with bpf_program__set_attach_target(), and disables unused slots.
 * Where fentry is impossible the same logic runs from one kprobe/kretprobe
 * pair attached once per target, the slot number passed as the BPF cookie.
 *
 * Every event goes out through one ring buffer; a failed reserve is counted
 * per CPU. Callbacks emit one event at exit (action and return are known
 * then); the entry only saves what the exit cannot see any more: the pmd/pud
 * value and walk->action before the callback ran (and, for kprobes, the
 * arguments).
 *
 * Walk identity is the tracer's (bpf/walkcov.h, struct wc_event): per task a
 * walk number and the index of each event in it, so that user space never
 * has to guess where a walk begins or ends, and a lost event is a gap in
 * the indices of exactly one walk.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "walkcov.h"
#include "geometry.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SPLIT_MARK WC_MAX_SLOTS	/* stash slot of a task's split in progress */

const volatile struct wc_slot slots[WC_MAX_SLOTS] = {};
const volatile __u32 target_tgid = 0;	/* 0: every process, else follow tracked_tgids */
const volatile __u8 emit_all_splits = 0;	/* also splits of non-huge pmds */
const volatile __u8 mode = WC_MODE_F_EVENTS;	/* WC_MODE_F_*: full events, the judge, or both */
const volatile __u32 livelock_retries = WC_LIVELOCK_DEFAULT;	/* the judge's livelock threshold */
const volatile __u64 wakeup_bytes = 0;	/* wake the consumer once this much is pending */
const volatile __u8 read_quiet = 1;	/* read what nobody visited (debugging: WALKCOV_NO_QUIET) */
const volatile __u8 empty_programs = 0;	/* measuring: return once the arguments are read */

/* Filters (docs/production.md). Task filters are checked at every event:
 * a task filtered out costs a few compares and touches no map. The ops
 * filter is decided once per walk and kept in its task_walk, so a walk is
 * wholly in or wholly out. Splits are never filtered. */
const volatile __u8 filter_comm_set = 0;
const volatile char filter_comm[WC_COMM_LEN] = {};
const volatile __u8 filter_cgroup = 0;	/* only tasks in filter_cgroups[0] or below it */
const volatile __u8 filter_ops_n = 0;	/* 0: every ops */
const volatile __u8 filter_ops_by_callback = 0;	/* filter_ops[] are first callbacks, not ops addresses */
const volatile __u64 filter_ops[WC_MAX_FILTER_OPS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WC_RING_SIZE_DEFAULT);	/* resized by the frontend (--ring-size) */
} events SEC(".maps");

/* Counters, one entry per CPU (the frontend sets max_entries). Not a per-CPU
 * map: user space reads this one through mmap, without a syscall. A map
 * syscall holds bpf_prog_active on its CPU and can be preempted there on a
 * preemptible kernel; kprobe programs on that CPU are skipped meanwhile
 * (docs/production.md). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wc_stats);
} stats SEC(".maps");

/* Processes traced when target_tgid is set: the target and, like perf, every
 * process it forks (the frontend inserts the target before attaching). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} tracked_tgids SEC(".maps");

/* --cgroup: the cgroup v2 directory, set by the frontend before attaching. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroups SEC(".maps");

/* The walk a task is in. The entry stays after the walk's END, closed,
 * and the task's next walk reuses it: no insert and delete per walk. LRU,
 * so that tasks that walked once make room for others; a walk in flight is
 * among the most recently used, and were it evicted its next event would
 * start another walk without a BEGIN, both incomplete, never proven. */
struct task_walk {
	__u64 walk_id;
	__u64 walk;			/* its struct mm_walk, once seen */
	__u32 seq;			/* index of the task's next event */
	__u8 depth;			/* walk entry points open (nested: 6.13+) */
	__u8 active;			/* a chunk, skip, visit or level was seen */
	__u8 chunks;			/* chunk functions open */
	__u8 stopped;			/* the outermost chunk returned non-zero */
	__u8 skip;			/* enum ops_verdict: the walk's --ops decision */
	__u16 nest[WC_MAX_NEST];	/* slots of the open entry points */
	/* what nobody visited is read (bpf/quiet.bpf.h) for ops without
	 * pte_hole: in the chunk at frame_level (0: not read), up to reach of
	 * [.., frame_end); between chunks down to the ptes (walk_quiet), up to
	 * walk_reach of [.., walk_end) */
	__u64 mm;
	__u64 reach, frame_end, walk_reach, walk_end;
	__u32 frame_mask;		/* WC_OPS_* of the chunk */
	__u8 frame_level, walk_quiet;
	__u8 pfnmap_skip;		/* walk_page_vma of a VM_PFNMAP VMA, ops without test_walk */
	/* the walk's ops as read once (one walk has one ops): what events
	 * carry as its id, and its callbacks (WC_OPS_*), so that later
	 * events of the walk do not read them again */
	__u8 ops_known;
	__u8 closed;			/* its END was seen: no walk in flight */
	__u32 ops_mask;
	__u64 ops, ops_ident;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WC_TRACKED_TASKS);
	__type(key, __u32);		/* tid */
	__type(value, struct task_walk);
} walks SEC(".maps");

/* The task's walk in flight (NULL: none). */
static __always_inline struct task_walk *walk_in_flight(__u32 tid)
{
	struct task_walk *tw = bpf_map_lookup_elem(&walks, &tid);

	return tw && !tw->closed ? tw : NULL;
}

/* The session's walk counter (walk ids start at 1). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} walk_ids SEC(".maps");

/* An event's place in its walk. */
struct ident {
	__u64 walk_id;
	__u32 seq;
	__u8 flags;		/* WC_F_NESTED, WC_F_NO_WALK */
	__u8 skip;		/* its walk is filtered out by --ops: emit nothing */
	__u8 quiet;		/* in a chunk whose unvisited ranges are read */
};

/* What an entry hands to its exit, per task and slot. */
struct stash_key {
	__u32 tid;
	__u32 slot;
};

struct stash_val {
	__u64 args[WC_MAX_ARGS];
	__u64 value;
	struct ident id;	/* taken at entry: a lost exit leaves a gap in its own walk */
	__u8 cls;
	__u8 entry_action;
	__u8 have_args;
	__u8 have_id;
};

/* LRU: an entry whose exit never ran ages out. Per-CPU LRU lists (no
 * common list and its lock on every update); an exit on another CPU still
 * finds its entry, the hash is shared. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct stash_key);
	__type(value, struct stash_val);
} stash SEC(".maps");

/* Kernels without bpf_get_attach_cookie (5.10, the compat object): a kprobe
 * program learns its slot from the probed function's address, a kretprobe
 * program from its call's entry (bpf/compat.bpf.h). The frontend fills
 * kprobe_slots; the main object never uses either map (one entry each). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WC_MAX_SLOTS);
	__type(key, __u64);		/* the function's address */
	__type(value, __u32);		/* its slot */
} kprobe_slots SEC(".maps");

/* A call in flight: the task and the stack address of its return address
 * (the kprobe's sp; the kretprobe's sp is 8 above it), its slot. LRU: an
 * entry whose return never came ages out. */
struct kprobe_call {
	__u32 tid;
	__u32 pad;
	__u64 sp;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct kprobe_call);
	__type(value, __u32);
} kprobe_calls SEC(".maps");

#include "compat.bpf.h"	/* 5.10: the compat object's fallbacks */

/* One call as the shared handlers see it, whatever the mechanism. */
struct call {
	__u64 args[WC_MAX_ARGS];
	__u64 ret;
	void *ctx;		/* the program's context (kernel stacks of anomalies) */
	__u32 slot;
	__u8 kprobe;
};

static __always_inline struct wc_stats *my_stats(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&stats, &cpu);
}

static __always_inline bool comm_differs(void)
{
	char comm[WC_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < WC_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return true;
		if (!comm[i])
			break;
	}
	return false;
}

/* The task filters: -p (and its children), --comm, --cgroup (or below). */
static __always_inline bool filtered_out(void)
{
	__u32 tgid;

	if (target_tgid) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		if (!bpf_map_lookup_elem(&tracked_tgids, &tgid))
			return true;
	}
	if (filter_comm_set && comm_differs())
		return true;
	if (filter_cgroup && bpf_current_task_under_cgroup(&filter_cgroups, 0) != 1)
		return true;
	return false;
}

static __always_inline __u64 arg(const struct call *c, __u8 idx)
{
	if (idx >= WC_MAX_ARGS)
		return 0;
	return c->args[idx];
}

static __always_inline __u8 entry_class(__u64 v)
{
	if (v == 0)
		return WC_CLS_NONE;
	/* like pmd_present() (bpf/arch.h) */
	if (!WC_PMD_IS_PRESENT(v))
		return WC_CLS_SWAP;
	return WC_PMD_IS_LEAF(v) ? WC_CLS_HUGE : WC_CLS_TABLE;
}

static __always_inline __u64 read_entry(__u64 ptr)
{
	__u64 v = 0;

	if (ptr)
		bpf_probe_read_kernel(&v, sizeof(v), (void *)ptr);
	return v;
}

static __always_inline void fill_event(struct wc_event *e, __u16 type, __u32 slot,
				       const struct ident *id)
{
	__u64 pid_tgid;

	__builtin_memset(e, 0, sizeof(*e));
	pid_tgid = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->walk_id = id->walk_id;
	e->seq = id->seq;
	e->flags = id->flags;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->cpu = bpf_get_smp_processor_id();
	e->type = type;
	e->slot = slot;
	e->action = WC_ACT_UNKNOWN;
	e->entry_action = WC_ACT_UNKNOWN;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline struct wc_event *new_event(__u16 type, __u32 slot,
						  const struct ident *id)
{
	struct wc_stats *st;
	struct wc_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	st = my_stats();	/* after the call: nothing live across it (stack) */
	if (!e) {
		if (st)
			__sync_fetch_and_add(&st->ringbuf_drops, 1);
		return NULL;
	}
	fill_event(e, type, slot, id);
	if (st)
		__sync_fetch_and_add(&st->events, 1);
	return e;
}

static __always_inline void count(__u64 *field)
{
	__sync_fetch_and_add(field, 1);
}

/* The flags an event goes into the ring buffer with. The kernel's default
 * wakes a consumer that has caught up, i.e. once per event while it keeps
 * up, and a wakeup (irq_work, then epoll) costs more than the event
 * (docs/production.md, "Cost"). So wake it only once wakeup_bytes are
 * pending, or for an anomaly; it also polls with a timeout and drains the
 * ring at the end, so nothing is left behind. wakeup_bytes 0: the default. */
static __always_inline __u64 ring_flags(const struct wc_event *e)
{
	if (!wakeup_bytes)
		return 0;
	return e->type == WC_EV_ANOMALY ||
	       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

WC_JUDGE_BEGIN	/* bpf/compat.bpf.h: 5.10 must not verify the judge alone */
#include "judge.bpf.h"

/* ---- events: to the ring buffer (full mode), to the judge, or both ---- */

/* Where an event is built: ring buffer memory (full mode only), or the
 * walking task's judge state. */
struct evh {
	struct judge *j;
};

static __always_inline struct judge *judge_get(__u32 tid)
{
	struct judge *j = bpf_map_lookup_elem(&judges, &tid);
	struct wc_stats *st;

	if (j)
		return j;
	bpf_map_update_elem(&judges, &tid, &zero_judge, BPF_NOEXIST);
	j = bpf_map_lookup_elem(&judges, &tid);
	if (!j && (st = my_stats()))
		count(&st->untracked);	/* judge table full: this walk is not judged */
	return j;
}

/* Emit the anomalies the judge found, each with kernel stack SID. */
__noinline int judge_emit(struct judge *j, __s32 sid)
{
	struct wc_stats *st;
	struct wc_event *e;
	__u32 n;

	if (!j)
		return 0;
	n = j->npend;
	for (int i = 0; i < J_PEND; i++) {
		struct j_pend *p = &j->pend[i];

		if (i >= (int)n)
			break;
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		st = my_stats();
		if (!e) {
			if (st)
				count(&st->ringbuf_drops);
			continue;
		}
		__builtin_memset(e, 0, sizeof(*e));
		e->ts_ns = p->ts;
		e->walk_id = p->walk_id;
		e->pid = j->ev.pid;
		e->tid = j->ev.tid;
		e->cpu = bpf_get_smp_processor_id();
		e->type = WC_EV_ANOMALY;
		e->slot = p->slot;
		e->ops = p->ops;
		e->mm = p->mm;
		e->start = p->start;
		e->end = p->end;
		e->kind = p->kind;
		e->value = p->type;
		e->ret = p->count;
		split_attr(p->mm, p->start, p->since, j->ev.tid, &p->split, &p->split_tid);
		e->cls = p->split;
		e->vma = p->split_tid;
		e->depth = sid;
		e->action = WC_ACT_UNKNOWN;
		e->entry_action = WC_ACT_UNKNOWN;
		__builtin_memcpy(e->comm, j->ev.comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, ring_flags(e));
		if (st)
			count(&st->events);
	}
	j->npend = 0;
	return 0;
}

/* The kernel stack here, only when the judge found something: its id, and
 * the frames themselves the first time that id is seen. */
static __always_inline void emit_anomalies(struct judge *j, void *ctx)
{
	struct wc_stack_rec *r;
	__u32 key, *sent;
	long sid, n;

	if (!j->npend)
		return;
	sid = bpf_get_stackid(ctx, &stacks, 0);
	key = sid;
	sent = sid >= 0 ? bpf_map_lookup_elem(&stack_sent, &key) : NULL;
	if (sent && !*sent) {
		*sent = 1;
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (r) {
			n = bpf_get_stack(ctx, r->ips, sizeof(r->ips), 0);
			r->magic = WC_STACK_MAGIC;
			r->id = sid;
			r->n = n > 0 ? n / sizeof(__u64) : 0;
			r->pad = 0;
			bpf_ringbuf_submit(r, 0);
		} else {
			*sent = 0;	/* the next anomaly with this stack tries again */
		}
	}
	judge_emit(j, sid);
}

/* The task's walk ends without its END (task table full, task exit). */
static __always_inline void judge_abandon(__u32 tid, __u32 flags, void *ctx)
{
	struct judge *j = bpf_map_lookup_elem(&judges, &tid);

	if (!j)
		return;
	judge_close(j, flags);
	emit_anomalies(j, ctx);
	bpf_map_delete_elem(&judges, &tid);
}

/* A copy of event E (built in a judge's state) into the ring buffer,
 * counted as sent or dropped. */
static __always_inline void ring_copy(const struct wc_event *e)
{
	struct wc_stats *st;

	if (bpf_ringbuf_output(&events, (void *)e, sizeof(*e), ring_flags(e))) {
		if ((st = my_stats()))
			count(&st->ringbuf_drops);
	} else if ((st = my_stats())) {
		count(&st->events);
	}
}

WC_JUDGE_END

/* The task's event, built in its judge state: to the ring buffer (both
 * modes), then to the judge. */
static __always_inline void judge_submit(struct judge *j)
{
	if (mode & WC_MODE_F_EVENTS)
		ring_copy(&j->ev);
	judge_event(j);
}

static __always_inline struct wc_event *ev_open(__u16 type, __u32 slot, const struct ident *id,
						struct evh *h, void *ctx)
{
	__u32 tid;

	h->j = NULL;
	if (mode & WC_MODE_F_JUDGE) {
		tid = (__u32)bpf_get_current_pid_tgid();
		if (id->flags & WC_F_NO_WALK) {
			judge_abandon(tid, J_UNTRACKED, ctx);
		} else if (id->walk_id) {
			h->j = judge_get(tid);
			if (h->j) {
				fill_event(&h->j->ev, type, slot, id);
				return &h->j->ev;
			}
		}
	}
	if (!(mode & WC_MODE_F_EVENTS))
		return NULL;
	return new_event(type, slot, id);
}

/* The event is complete: to the ring buffer, then to the judge. */
static __always_inline void ev_close(struct wc_event *e, const struct call *c, struct evh *h)
{
	struct judge *j = h->j;

	if (c->kprobe)
		e->flags |= WC_F_KPROBE;
	if (!j) {
		bpf_ringbuf_submit(e, ring_flags(e));
		return;
	}
	judge_submit(j);
	emit_anomalies(j, c->ctx);
}

/* The first callback of OPS (0: none). */
static __always_inline __u64 first_callback(const struct mm_walk_ops *ops)
{
	__u64 fn;

	fn = (__u64)BPF_CORE_READ(ops, pmd_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pte_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pud_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, hugetlb_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pte_hole);
	return fn;
}

/* --ops: is a walk with OPS traced? Decided once per walk (task_walk.skip). */
enum ops_verdict { OPS_IN = 0, OPS_OUT = 1, OPS_UNKNOWN = 2 };

static __always_inline __u8 ops_verdict(const struct mm_walk_ops *ops)
{
	__u64 id;

	if (!filter_ops_n)
		return OPS_IN;
	if (!ops)
		return OPS_UNKNOWN;	/* dropped until an event shows the walk's ops */
	id = filter_ops_by_callback ? first_callback(ops) : (__u64)ops;
	for (int i = 0; i < WC_MAX_FILTER_OPS; i++)
		if (i < filter_ops_n && filter_ops[i] == id)
			return OPS_IN;
	return OPS_OUT;
}

/* The same for a walk whose BEGIN was not seen: its struct mm_walk's ops. */
static __always_inline __u8 walk_verdict(__u64 walk)
{
	if (!filter_ops_n)
		return OPS_IN;
	return ops_verdict(walk ? BPF_CORE_READ((struct mm_walk *)walk, ops) : NULL);
}

/* ---- walk identity (docs/events.md) ---- */

/* A new walk for the task: state replaced (old walk: its END was lost) or
 * created. NULL when the task table is full: the event is WC_F_NO_WALK. */
static struct task_walk zero_task_walk;	/* template: nothing of it on the stack */

static __always_inline struct task_walk *walk_start(__u32 tid, struct task_walk *tw,
						    __u32 first_seq, __u8 depth, __u16 slot,
						    __u8 skip)
{
	struct wc_stats *st;
	__u32 zero = 0;
	__u64 *next;

	if (tw) {
		__builtin_memcpy(tw, &zero_task_walk, sizeof(*tw));
	} else if (bpf_map_update_elem(&walks, &tid, &zero_task_walk, BPF_NOEXIST) ||
		   !(tw = bpf_map_lookup_elem(&walks, &tid))) {
		st = my_stats();
		if (st)
			count(&st->untracked);
		return NULL;
	}
	next = bpf_map_lookup_elem(&walk_ids, &zero);
	tw->walk_id = wc_walk_id(next);	/* bpf/compat.bpf.h */
	tw->seq = first_seq;
	tw->depth = depth;
	tw->active = !depth;	/* started by activity: its BEGIN was not seen */
	tw->nest[0] = slot;
	tw->skip = skip;
	return tw;
}

static __always_inline void take(struct ident *id, struct task_walk *tw)
{
	id->walk_id = tw->walk_id;
	id->seq = tw->seq++;	/* used up even if the event is then lost */
}

/* A walk entry point with OPS is entered. */
static __always_inline void ident_begin(struct ident *id, __u16 slot,
					const struct mm_walk_ops *ops)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = bpf_map_lookup_elem(&walks, &tid);
	bool on_stack = false;

	if (tw && !tw->closed && tw->depth > 0 && tw->depth < WC_MAX_NEST && !tw->active) {
		for (int i = 0; i < WC_MAX_NEST; i++)
			if (i < tw->depth && tw->nest[i] == slot)
				on_stack = true;
		if (!on_stack) {	/* walk_page_range -> walk_page_range_mm */
			tw->nest[tw->depth & (WC_MAX_NEST - 1)] = slot;
			tw->depth++;
			id->flags |= WC_F_NESTED;
			id->skip = tw->skip != OPS_IN;
			take(id, tw);
			return;
		}
	}
	tw = walk_start(tid, tw, 0, 1, slot, ops_verdict(ops));
	if (!tw) {
		id->flags |= WC_F_NO_WALK;
		id->skip = ops_verdict(ops) != OPS_IN;
		return;
	}
	id->skip = tw->skip != OPS_IN;
	take(id, tw);
}

/* A walk entry point returns: pop its level; the last level ends the walk. */
static __always_inline void ident_end(struct ident *id, __u16 slot)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = walk_in_flight(tid);
	int level = -1;
	struct wc_stats *st;

	if (!tw) {
		id->skip = filter_ops_n != 0;	/* its ops are unknown */
		return;		/* nothing open: walk_id 0, an orphan */
	}
	id->skip = tw->skip != OPS_IN;
	for (int i = 0; i < WC_MAX_NEST; i++)
		if (i < tw->depth && tw->nest[i] == slot)
			level = i;
	if (level >= 0 && level + 1 < tw->depth) {
		/* inner levels returned without their END: one gap each */
		tw->seq += tw->depth - 1 - level;
		st = my_stats();
		if (st)
			__sync_fetch_and_add(&st->lost_exits, tw->depth - 1 - level);
	}
	take(id, tw);
	if (level > 0 || (level < 0 && tw->depth > 0)) {
		/* an inner level (or one whose BEGIN was lost): the walk goes on */
		if (level > 0)
			tw->depth = level;
		id->flags |= WC_F_NESTED;
		return;
	}
	/* the outermost level, or a walk started without its BEGIN */
	tw->closed = 1;
}

/* A chunk, skip, visit or level event of the task's walk; one with no walk
 * open starts one at seq 1 (seq 0, its BEGIN, stays missing). Facts of the
 * walker (mm/pagewalk.c) that end a walk even when its END is not seen (the
 * program skipped, or the entry point not traceable: walk_page_range_mm is
 * inlined on some builds): one walk has one struct mm_walk, and the walk
 * returns as soon as a chunk (__walk_page_range) returns non-zero. */
static __always_inline struct task_walk *ident_activity(struct ident *id, __u64 walk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = bpf_map_lookup_elem(&walks, &tid);

	if (!tw || tw->closed || tw->stopped || (walk && tw->walk && tw->walk != walk))
		tw = walk_start(tid, tw, 1, 0, 0, walk_verdict(walk));
	if (!tw) {
		id->flags |= WC_F_NO_WALK;
		id->skip = walk_verdict(walk) != OPS_IN;
		return NULL;
	}
	if (tw->skip == OPS_UNKNOWN && walk)
		tw->skip = walk_verdict(walk);
	id->skip = tw->skip != OPS_IN;
	id->quiet = tw->chunks && tw->frame_level;
	tw->active = 1;
	if (!tw->walk)
		tw->walk = walk;
	take(id, tw);
	return tw;
}

/* A split: part of the splitting task's walk if it is walking (and the
 * walk is traced: one --ops filters out counts as no walk), else walk 0. */
static __always_inline void ident_split(struct ident *id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = walk_in_flight(tid);

	if (tw && tw->skip == OPS_IN)
		take(id, tw);
}

/*
 * What identifies an ops struct in events. Static ops are their address.
 * Ops some kernels build on the stack for each call (7.x madvise, guard
 * regions) have a new address every time, and one stack slot holds
 * different ops over time: those are identified by their first callback,
 * a function the frontend names through kallsyms.
 */
static __always_inline __u64 ops_id(const struct mm_walk_ops *ops)
{
	__u64 fn;

	if (!ops || WC_OPS_STATIC(ops))
		return (__u64)ops;
	fn = first_callback(ops);
	return fn ? fn : (__u64)ops;
}

/* Is there a callback below a visit of KIND, for ops with callbacks M
 * (WC_OPS_*)? (mm/pagewalk.c: walk_p?d_range) */
static __always_inline bool has_lower(__u32 m, __u8 kind)
{
	if (m & (WC_OPS_PTE | WC_OPS_INSTALL))
		return true;
	if ((kind == WC_K_PUD_ENTRY || kind == WC_K_P4D_ENTRY || kind == WC_K_PGD_ENTRY) &&
	    (m & WC_OPS_PMD))
		return true;
	if ((kind == WC_K_P4D_ENTRY || kind == WC_K_PGD_ENTRY) && (m & WC_OPS_PUD))
		return true;
	return kind == WC_K_PGD_ENTRY && (m & WC_OPS_P4D);
}

__noinline __u32 ops_mask(__u64 ops_addr);

/* Fill ops, mm, vma and the flags that depend on the walk. The ops come
 * from the task's walk state when it read them for this walk. Out of line:
 * nothing of it in the calling program's stack. */
static __always_inline void from_walk(struct wc_event *e, __u64 walk_addr, __u8 kind)
{
	struct mm_walk *walk = (struct mm_walk *)walk_addr;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const struct mm_walk_ops *ops;
	struct task_walk *tw;
	__u32 m;

	if (!walk)
		return;
	e->walk = walk_addr;
	e->mm = (__u64)BPF_CORE_READ(walk, mm);
	e->vma = (__u64)BPF_CORE_READ(walk, vma);
	if (!e->vma)
		e->flags |= WC_F_NO_VMA;
	tw = walk_in_flight(tid);
	if (tw && tw->ops_known && tw->walk == walk_addr) {
		e->ops = tw->ops_ident;
		m = tw->ops_mask;
	} else {
		ops = BPF_CORE_READ(walk, ops);
		e->ops = ops_id(ops);
		if (!ops)
			return;
		m = ops_mask((__u64)ops);
	}
	if (has_lower(m, kind))
		e->flags |= WC_F_HAS_LOWER;
}

/* ---- what nobody visited (docs/coverage.md 5a, bpf/quiet.bpf.h) ---- */

#include "quiet.bpf.h"

#define VM_HUGETLB_FLAG 0x00400000ULL	/* include/linux/mm.h, VM_HUGETLB */
#define VM_PFNMAP_FLAG	0x00000400ULL	/* include/linux/mm.h, VM_PFNMAP */

/* Walk entry points (by slot) seen calling the chunk function: their call
 * site of __walk_page_range is out of line, so a walk of theirs without a
 * chunk did not walk (see walk_tail). */
__u8 calls_chunk[WC_MAX_SLOTS];

/* The callbacks OPS has (WC_OPS_*): the walker calls only those. A global
 * function: its reads take no room in the calling program's stack. */
#define OPS_BUF_WORDS 16	/* struct mm_walk_ops is 10 to 12 pointers */
/* A callback pointer of the ops read into BUF (0: no such member here). */
#define OPS_SLOT(buf, f)							\
	(bpf_core_field_exists(struct mm_walk_ops, f) &&			\
	 bpf_core_field_offset(struct mm_walk_ops, f) / 8 < OPS_BUF_WORDS ?	\
	 (buf)[bpf_core_field_offset(struct mm_walk_ops, f) / 8 % OPS_BUF_WORDS] : 0)

__noinline __u32 ops_mask(__u64 ops_addr)
{
	__u64 buf[OPS_BUF_WORDS] = {};
	__u32 size = bpf_core_type_size(struct mm_walk_ops), m = 0;

	if (!ops_addr)
		return 0;
	/* the whole struct in one read, not one per callback */
	if (size > sizeof(buf))
		size = sizeof(buf);
	if (bpf_probe_read_kernel(buf, size, (void *)ops_addr))
		return 0;
	m |= OPS_SLOT(buf, pgd_entry) ? WC_OPS_PGD : 0;
	m |= OPS_SLOT(buf, p4d_entry) ? WC_OPS_P4D : 0;
	m |= OPS_SLOT(buf, pud_entry) ? WC_OPS_PUD : 0;
	m |= OPS_SLOT(buf, pmd_entry) ? WC_OPS_PMD : 0;
	m |= OPS_SLOT(buf, pte_entry) ? WC_OPS_PTE : 0;
	m |= OPS_SLOT(buf, pte_hole) ? WC_OPS_HOLE : 0;
	m |= OPS_SLOT(buf, hugetlb_entry) ? WC_OPS_HUGETLB : 0;
	m |= OPS_SLOT(buf, test_walk) ? WC_OPS_TEST : 0;
	m |= OPS_SLOT(buf, install_pte) ? WC_OPS_INSTALL : 0;
	return m;
}

/* WALK_BEGIN's ops mask; VMA, walk_page_vma's: whether it is VM_PFNMAP. */
__noinline __u32 walk_mask(__u64 ops_addr, __u64 vma_addr)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)vma_addr;
	__u32 mask = ops_mask(ops_addr);

	if (vma && (BPF_CORE_READ(vma, vm_flags) & VM_PFNMAP_FLAG))
		mask |= WC_OPS_VMA_PFNMAP;
	return mask;
}

/* Whether the chunk's VMA is a hugetlb one (WC_OPS_VMA_HUGETLB). */
__noinline __u32 vma_bits(__u64 walk_addr)
{
	struct mm_walk *walk = (struct mm_walk *)walk_addr;
	struct vm_area_struct *vma;

	if (!walk)
		return 0;
	vma = BPF_CORE_READ(walk, vma);
	if (vma && (BPF_CORE_READ(vma, vm_flags) & VM_HUGETLB_FLAG))
		return WC_OPS_VMA_HUGETLB;
	return 0;
}

/* The callbacks of WALK's ops: read once per walk into TW (at its BEGIN,
 * or here for a walk whose BEGIN was not seen). Out of line, as from_walk. */
static __noinline __u32 walk_ops_mask(struct task_walk *tw, __u64 walk_addr)
{
	struct mm_walk *walk = (struct mm_walk *)walk_addr;
	const struct mm_walk_ops *ops;
	__u32 m;

	if (!walk)
		return 0;
	if (tw && tw->ops_known && tw->walk == walk_addr)
		return tw->ops_mask;
	ops = BPF_CORE_READ(walk, ops);
	m = ops_mask((__u64)ops);
	if (tw && ops && tw->walk == walk_addr) {
		tw->ops = (__u64)ops;
		tw->ops_ident = ops_id(ops);
		tw->ops_mask = m;
		tw->ops_known = 1;
	}
	return m;
}

/* The level at which the walker decides whether to call anything, for
 * ops without pte_hole (quiet_read's level); 0: nothing to read (pte_hole
 * reports every none entry, or nothing below the pgd is ever called). */
static __always_inline __u8 decide_level(__u32 m)
{
	if (m & WC_OPS_HOLE)
		return 0;
	if (m & (WC_OPS_PMD | WC_OPS_PTE | WC_OPS_INSTALL))
		return 3;
	if (m & WC_OPS_PUD)
		return 2;
	return (m & WC_OPS_P4D) ? 1 : 0;
}

/* A WC_EV_QUIET event of TW's walk: [s, e) of its mm read down to LEVEL.
 * Out of line, and into the judge through judge_quiet(), not ev_close():
 * the programs' call chains must stay within 512 bytes of stack (6.1), and
 * a reading never raises an anomaly to emit at once. */
static __noinline void quiet_emit(struct task_walk *tw, struct call *c, __u64 s, __u64 e,
				  __u32 level)
{
	struct ident id = {};
	struct wc_event *ev;
	struct judge *j;
	struct quiet *q;
	__u32 zero = 0, tid;
	__u8 cls;

	if (!read_quiet || !tw || s >= e || tw->skip != OPS_IN || !tw->mm)
		return;
	take(&id, tw);
	cls = quiet_read(tw->mm, s, e, level);
	q = bpf_map_lookup_elem(&quiet_state, &zero);
	tid = (__u32)bpf_get_current_pid_tgid();
	j = (mode & WC_MODE_F_JUDGE) ? judge_get(tid) : NULL;
	ev = j ? &j->ev : (mode & WC_MODE_F_EVENTS) ? new_event(WC_EV_QUIET, c->slot, &id) : NULL;
	if (!ev)
		return;
	if (j)
		fill_event(ev, WC_EV_QUIET, c->slot, &id);
	ev->walk = tw->walk;
	ev->mm = tw->mm;
	ev->start = s;
	ev->end = e;
	ev->cls = cls;
	ev->value = q ? q->found : 0;
	ev->depth = level;
	if (q && q->found_pmd && cls != WC_CLS_NONE) {
		__u64 filled = filled_at(q->found_pmd);

		/* a fill under way when read: it raced this walk */
		ev->ret = filled == QUIET_FILLING ? ev->ts_ns : filled;
	}
	if (c->kprobe)
		ev->flags |= WC_F_KPROBE;
	if (!j) {
		bpf_ringbuf_submit(ev, ring_flags(ev));
		return;
	}
	if (mode & WC_MODE_F_EVENTS)
		ring_copy(ev);
	judge_quiet(j);
}

/* Between chunks (VMA gaps) nothing may be mapped: read down to the ptes
 * what lies before S, then count [.., e) as reached. Called at the exit of
 * walk_page_test, which the walker calls for each VMA before its chunk:
 * exit programs have the stack room for the reading (a program's whole
 * call chain gets 512 bytes, and the entry programs' own frame is large). */
static __always_inline void quiet_walk_to(struct task_walk *tw, struct call *c, __u64 s, __u64 e)
{
	if (tw->walk_quiet && s > tw->walk_reach)
		quiet_emit(tw, c, tw->walk_reach, s < tw->walk_end ? s : tw->walk_end, QUIET_PTE);
	if (e > tw->walk_reach)
		tw->walk_reach = e;
}

/* The outermost chunk [s, e) of WALK begins, with ops mask MASK (what lies
 * before it was read at walk_page_test's exit). */
static __always_inline void frame_open(struct task_walk *tw, struct mm_walk *walk,
				       __u64 s, __u64 e, __u32 mask)
{
	if (e > tw->walk_reach)
		tw->walk_reach = e;
	if (!tw->mm)
		tw->mm = (__u64)BPF_CORE_READ(walk, mm);
	tw->reach = s;
	tw->frame_end = e;
	tw->frame_mask = mask;
	tw->frame_level = 0;
	if (!BPF_CORE_READ(walk, vma))
		return;		/* no VMA: the walk may not be the mm's tables */
	if (mask & WC_OPS_VMA_HUGETLB)
		tw->frame_level = (mask & WC_OPS_HUGETLB) && !(mask & WC_OPS_HOLE) ? 3 : 0;
	else
		tw->frame_level = decide_level(mask);
}

/* Does a visit of KIND that exited with ACTION and RET send the walker
 * below it (so its range is not yet accounted for)? */
static __always_inline bool passes_down(__u32 mask, __u8 kind, __u8 action, __u64 ret)
{
	switch (kind) {
	case WC_K_PGD_ENTRY:
	case WC_K_P4D_ENTRY:
		return has_lower(mask, kind);	/* these levels ignore the action */
	case WC_K_PUD_ENTRY:
	case WC_K_PMD_ENTRY:
		return !ret && action == WC_ACT_SUBTREE && has_lower(mask, kind);
	}
	return false;
}

/* A visit of [s, e) in the frame: read what nobody visited before it. */
static __always_inline void quiet_visit(struct task_walk *tw, struct call *c, __u8 kind,
					__u64 s, __u64 e, __u8 action)
{
	if (!tw || !tw->chunks || !tw->frame_level ||
	    passes_down(tw->frame_mask, kind, action, c->ret))
		return;
	if (s > tw->reach && tw->reach < tw->frame_end)
		quiet_emit(tw, c, tw->reach, s < tw->frame_end ? s : tw->frame_end,
			   tw->frame_level);
	/* a visit the walker repeats (ACTION_AGAIN) handles nothing, as both
	 * engines count it: its range is read too unless the retry visits it
	 * (7.2's smaps retry finds a zapped pmd none and is silent) */
	if (!c->ret && action == WC_ACT_AGAIN && (kind == WC_K_PMD_ENTRY ||
	    kind == WC_K_PUD_ENTRY || kind == WC_K_PTE_ENTRY))
		return;
	if (e > tw->reach)
		tw->reach = e;
}

/* Callbacks whose entry state (entry value, walk->action) the exit needs. */
static __always_inline bool entry_matters(__u8 kind)
{
	return kind == WC_K_PMD_ENTRY || kind == WC_K_PUD_ENTRY ||
	       kind == WC_K_P4D_ENTRY || kind == WC_K_PGD_ENTRY;
}

static __always_inline int on_split(struct call *c, const volatile struct wc_slot *s)
{
	/* Not filtered by process: splits by other tasks explain races.
	 * The split functions call each other (__split_huge_pmd ->
	 * split_huge_pmd_locked -> __split_huge_pmd_locked) and any of
	 * them may be partly inlined, so all are traced and only the
	 * outermost call of a task reports; it leaves a marker for its
	 * own exit to remove. */
	struct stash_key key = {};
	struct stash_val val = {};
	struct ident id = {};
	struct vm_area_struct *vma;
	struct wc_event *e;
	struct evh h;
	__u64 v, block, mm;
	__u8 cls;

	v = read_entry(arg(c, s->arg_entry));
	cls = entry_class(v);
	if (cls != WC_CLS_HUGE && !emit_all_splits)
		return 0;
	block = arg(c, s->arg_start) & ~(WC_PMD_SIZE - 1);
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.slot = SPLIT_MARK;
	if (cls == WC_CLS_HUGE) {
		struct stash_val *mark = bpf_map_lookup_elem(&stash, &key);

		if (mark && mark->value == block)
			return 0;	/* nested in a split already reported */
		val.value = block;
		val.args[0] = c->slot;
		val.args[1] = arg(c, s->arg_entry);
		bpf_map_update_elem(&stash, &key, &val, BPF_ANY);
		/* a split may clear the pmd before it puts the pte table in
		 * (the huge zero page's: pmdp_huge_clear_flush): a walk passing
		 * then sees it none, and a reading after sees it filled. So it
		 * is in the fill log too, as a fill under way until it returns */
		note_populate(arg(c, s->arg_entry), 0, 1);
	}
	ident_split(&id);
	vma = (struct vm_area_struct *)arg(c, s->arg_vma);
	mm = vma ? (__u64)BPF_CORE_READ(vma, vm_mm) : 0;
	e = ev_open(WC_EV_SPLIT, c->slot, &id, &h, c->ctx);
	if (e) {
		e->vma = (__u64)vma;
		e->mm = mm;
		e->start = block;
		e->end = block + WC_PMD_SIZE;
		e->value = v;
		e->cls = cls;
		ev_close(e, c, &h);
	}
	/* a task not walking: only the split log and others' walks; after the
	 * event went out, as a walking task's split is judged (the engine sees
	 * walks open in ring buffer order) */
	if ((mode & WC_MODE_F_JUDGE) && !id.walk_id && cls == WC_CLS_HUGE)
		judge_split(mm, block, bpf_ktime_get_ns(), (__u32)bpf_get_current_pid_tgid());
	return 0;
}

/* A chunk function inside another of the same walk (walk_pgd_range in
 * __walk_page_range) says nothing the outer one does not: it is counted in
 * the task's state, with no event (two program runs fewer to judge per
 * walk). Global functions: nothing of theirs in the entry programs' stack,
 * and the 6.1 verifier follows the entry program's code as compiled before. */
__noinline int chunk_nested_enter(__u64 walk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = walk_in_flight(tid);

	if (!tw || !tw->chunks || tw->stopped || !walk || tw->walk != walk || tw->chunks == 255)
		return 0;
	tw->chunks++;
	return 1;
}

__noinline int chunk_nested_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = walk_in_flight(tid);

	if (!tw || tw->chunks < 2 || tw->stopped)
		return 0;
	tw->chunks--;
	return 1;
}

/* A chunk function is entered. */
static __always_inline int on_chunk_begin(struct call *c, const volatile struct wc_slot *s)
{
	struct mm_walk *walk = (struct mm_walk *)arg(c, s->arg_walk);
	struct task_walk *tw;
	struct ident id = {};
	bool outer;

	if (chunk_nested_enter((__u64)walk))
		return 0;
	tw = ident_activity(&id, (__u64)walk);
	outer = tw && !tw->chunks;
	struct wc_event *e;
	struct evh h;
	__u32 mask;

	if (tw && tw->chunks < 255)
		tw->chunks++;
	if (id.skip || !walk)
		return 0;
	mask = walk_ops_mask(tw, (__u64)walk) | vma_bits((__u64)walk);
	if (outer) {
		frame_open(tw, walk, arg(c, s->arg_start), arg(c, s->arg_end), mask);
		if (tw->depth == 1 && tw->nest[0] < WC_MAX_SLOTS)
			calls_chunk[tw->nest[0]] = 1;
	}
	e = ev_open(WC_EV_CHUNK_BEGIN, c->slot, &id, &h, c->ctx);
	if (!e)
		return 0;
	from_walk(e, (__u64)walk, WC_K_NONE);
	e->start = arg(c, s->arg_start);
	e->end = arg(c, s->arg_end);
	e->flags |= WC_F_OPS_MASK;
	e->value = mask;
	ev_close(e, c, &h);
	return 0;
}

/* kprobes: a pmd filler's arguments for its kretprobe (out of line: the
 * entry programs' stack is at its limit). */
static __noinline int populate_stash(struct call *c)
{
	struct stash_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .slot = c->slot };
	struct stash_val val = {};

	__builtin_memcpy(val.args, c->args, sizeof(val.args));
	val.have_args = 1;
	bpf_map_update_elem(&stash, &key, &val, BPF_ANY);
	return 0;
}

/* A pmd filler returns: the pmd is filled now. Between its entry (marked
 * QUIET_FILLING) and here it may be set at any time: a THP fault zeroes
 * its page first, for milliseconds under emulation. */
static __always_inline int populate_exit(struct call *c, const volatile struct wc_slot *s)
{
	struct stash_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .slot = c->slot };
	struct stash_val *val;

	if (c->kprobe) {
		val = bpf_map_lookup_elem(&stash, &key);
		if (!val)
			return 0;
		__builtin_memcpy(c->args, val->args, sizeof(c->args));
		bpf_map_delete_elem(&stash, &key);
	}
	return note_populate(arg(c, s->arg_entry), s->flags & WC_SLOT_VMF, 0);
}

static __always_inline int on_entry(struct call *c)
{
	const volatile struct wc_slot *s;
	struct stash_key key = {};
	struct stash_val val = {};
	struct stash_val *old;
	struct wc_stats *st;
	struct ident id = {};
	struct wc_event *e;
	struct evh h;

	if (empty_programs)
		return 0;
	if (c->slot >= WC_MAX_SLOTS)
		return 0;
	s = &slots[c->slot];
	if (s->role == WC_R_SPLIT)
		return on_split(c, s);
	if (s->role == WC_R_POPULATE) {	/* never filtered: any task fills pmds */
		note_populate(arg(c, s->arg_entry), s->flags & WC_SLOT_VMF, 1);
		return c->kprobe ? populate_stash(c) : 0;
	}
	if (filtered_out())
		return 0;

	if (s->role == WC_R_WALK) {
		struct task_walk *tw;
		__u32 tid;

		ident_begin(&id, c->slot, (const struct mm_walk_ops *)arg(c, s->arg_ops));
		if (id.skip)
			return 0;
		e = ev_open(WC_EV_WALK_BEGIN, c->slot, &id, &h, c->ctx);
		if (!e)
			return 0;	/* its walk misses its BEGIN: no walk-level rule */
		e->start = arg(c, s->arg_start);
		e->end = arg(c, s->arg_end);
		e->ops = ops_id((const struct mm_walk_ops *)arg(c, s->arg_ops));
		e->mm = arg(c, s->arg_mm);
		e->vma = arg(c, s->arg_vma);
		if (e->vma) {
			struct vm_area_struct *vma = (void *)e->vma;

			e->mm = (__u64)BPF_CORE_READ(vma, vm_mm);
			if (s->arg_start == WC_ARG_NONE) {	/* walk_page_vma */
				e->start = BPF_CORE_READ(vma, vm_start);
				e->end = BPF_CORE_READ(vma, vm_end);
			}
		}
		e->flags |= WC_F_OPS_MASK;
		e->value = walk_mask(arg(c, s->arg_ops),
				     s->arg_start == WC_ARG_NONE ? e->vma : 0);
		/* looked up again, not kept live: the entry programs' stack is
		 * at its limit (512 bytes with the judge's calls below) */
		tid = (__u32)bpf_get_current_pid_tgid();
		tw = (id.flags & (WC_F_NESTED | WC_F_NO_WALK)) ? NULL :
		     walk_in_flight(tid);
		if (tw) {
			tw->mm = e->mm;
			tw->walk_reach = e->start;
			tw->walk_end = e->end;
			tw->walk_quiet = e->start < e->end && !(e->value & WC_OPS_HOLE);
			tw->pfnmap_skip = (e->value & (WC_OPS_VMA_PFNMAP | WC_OPS_TEST)) ==
					  WC_OPS_VMA_PFNMAP;
			tw->ops = arg(c, s->arg_ops);
			tw->ops_ident = e->ops;
			tw->ops_mask = e->value & WC_OPS_CALLBACKS;
			tw->ops_known = tw->ops != 0;
		}
		ev_close(e, c, &h);
		return 0;
	}

	if (s->role == WC_R_CHUNK)
		return on_chunk_begin(c, s);

	/* Everything else reports at exit; save what the exit needs. */
	if (!c->kprobe && !(s->role == WC_R_CALLBACK && entry_matters(s->kind)))
		return 0;
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.slot = c->slot;
	old = bpf_map_lookup_elem(&stash, &key);
	if (old && (st = my_stats()))
		count(&st->lost_exits);	/* the last call's exit never ran */
	val.entry_action = WC_ACT_UNKNOWN;
	if (s->role == WC_R_CALLBACK) {
		struct mm_walk *walk = (struct mm_walk *)arg(c, s->arg_walk);

		if ((s->kind == WC_K_PMD_ENTRY || s->kind == WC_K_PUD_ENTRY) &&
		    s->arg_entry != WC_ARG_NONE) {
			val.value = read_entry(arg(c, s->arg_entry));
			val.cls = entry_class(val.value);
		}
		/* pgd/p4d levels never reset the action: what it was before
		 * the callback tells a stale CONTINUE from the callback's own */
		if (walk && entry_matters(s->kind))
			val.entry_action = BPF_CORE_READ(walk, action);
	}
	if (s->role == WC_R_CALLBACK) {
		/* a callback always reports at exit and nothing it calls
		 * reports but a split: take the index now, so a lost exit is
		 * a gap in this walk (levels contain a whole pte range, and
		 * walk_page_test reports only when it skips: at exit) */
		ident_activity(&val.id, arg(c, s->arg_walk));
		if (val.id.skip)
			return 0;	/* the exit finds no state and drops it too */
		val.have_id = 1;
	}
	/* kprobes: the exit has no arguments; fentry: the exit checks them */
	__builtin_memcpy(val.args, c->args, sizeof(val.args));
	val.have_args = 1;
	if (bpf_map_update_elem(&stash, &key, &val, BPF_ANY) && (st = my_stats()))
		count(&st->stash_drops);
	return 0;
}

/* walk_page_vma returned 0 and nothing of its walk ran: its walk_page_test
 * skipped the VMA. Where walk_page_test is inlined into walk_page_vma
 * (6.1) that skip has no VMA_SKIP of its own, so it is sent here, marked
 * WC_F_INFERRED, when it is certain: the ops have no test_walk and the VMA
 * is VM_PFNMAP (the walker's rule skips it), and walk_page_vma was seen
 * calling __walk_page_range out of line (so no chunk means not walked). */
static __noinline int pfnmap_skip_emit(struct call *c, struct task_walk *tw)
{
	struct ident id = {};
	struct wc_event *e;
	struct evh h;

	if (tw->skip != OPS_IN)
		return 0;
	tw->active = 1;
	take(&id, tw);
	e = ev_open(WC_EV_VMA_SKIP, c->slot, &id, &h, c->ctx);
	if (!e)
		return 0;
	e->start = tw->walk_reach;
	e->end = tw->walk_end;
	e->mm = tw->mm;
	e->depth = -1;
	e->flags |= WC_F_INFERRED;
	ev_close(e, c, &h);
	return 0;
}

/* The outermost walk entry point returns 0: between its last chunk and its
 * end nothing may be mapped (read down to the ptes). */
static __always_inline void walk_tail(struct call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_walk *tw = walk_in_flight(tid);

	if (!tw || c->ret || tw->depth != 1 || tw->nest[0] != c->slot || tw->chunks ||
	    tw->stopped)
		return;
	if (tw->pfnmap_skip && !tw->active && tw->walk_reach < tw->walk_end &&
	    c->slot < WC_MAX_SLOTS && calls_chunk[c->slot]) {
		pfnmap_skip_emit(c, tw);
		tw->walk_reach = tw->walk_end;
		return;
	}
	if (tw->walk_quiet)
		quiet_walk_to(tw, c, tw->walk_end, tw->walk_end);
}

static __always_inline bool same_args(const struct stash_val *v, const struct call *c)
{
	for (int i = 0; i < WC_MAX_ARGS; i++)
		if (v->args[i] != c->args[i])
			return false;
	return true;
}

static __always_inline int on_exit(struct call *c)
{
	const volatile struct wc_slot *s;
	struct stash_key key = {};
	struct stash_val *val;
	struct ident id = {};
	struct wc_event *e;
	__u8 cls = WC_CLS_UNKNOWN, entry_action = WC_ACT_UNKNOWN, action = WC_ACT_UNKNOWN;
	__u64 value = 0;
	bool seen = false, have_id = false;
	struct evh h;
	__u16 type;

	if (empty_programs)
		return 0;
	if (c->slot >= WC_MAX_SLOTS)
		return 0;
	s = &slots[c->slot];
	if (s->role == WC_R_SPLIT) {
		key.tid = (__u32)bpf_get_current_pid_tgid();
		key.slot = SPLIT_MARK;
		val = bpf_map_lookup_elem(&stash, &key);
		if (val && val->args[0] == c->slot) {
			note_populate(val->args[1], 0, 0);
			bpf_map_delete_elem(&stash, &key);
		}
		return 0;
	}
	if (s->role == WC_R_POPULATE)
		return populate_exit(c, s);
	if (filtered_out())
		return 0;

	switch (s->role) {
	case WC_R_WALK: type = WC_EV_WALK_END; break;
	case WC_R_CHUNK: type = WC_EV_CHUNK_END; break;
	case WC_R_TEST: type = WC_EV_VMA_SKIP; break;
	case WC_R_CALLBACK: type = WC_EV_VISIT; break;
	case WC_R_LEVEL: type = WC_EV_LEVEL; break;
	default: return 0;
	}

	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.slot = c->slot;
	val = bpf_map_lookup_elem(&stash, &key);
	if (val && !c->kprobe && !same_args(val, c)) {
		/* left by an earlier call whose exit never ran (and this
		 * call's entry was skipped): not this call's entry state */
		struct wc_stats *st = my_stats();

		if (st)
			count(&st->lost_exits);
		bpf_map_delete_elem(&stash, &key);
		val = NULL;
	}
	if (val) {
		cls = val->cls;
		value = val->value;
		entry_action = val->entry_action;
		seen = true;
		if (val->have_id) {
			id = val->id;
			have_id = true;
		}
		if (c->kprobe && val->have_args)
			__builtin_memcpy(c->args, val->args, sizeof(c->args));
		bpf_map_delete_elem(&stash, &key);
	} else if (c->kprobe && s->role != WC_R_WALK && s->role != WC_R_CHUNK) {
		/* kretprobe without its entry: arguments unknown, the event
		 * is lost; leave its gap */
		if (s->role != WC_R_TEST || (long)c->ret > 0)
			ident_activity(&id, 0);
		return 0;
	}
	if (s->role == WC_R_TEST) {
		/* the walker considers a VMA: read the gap before it; a
		 * skipped VMA counts as reached (its VMA_SKIP accounts for it) */
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct task_walk *tw = walk_in_flight(tid);

		if (tw && !tw->chunks && tw->skip == OPS_IN)
			quiet_walk_to(tw, c, arg(c, s->arg_start),
				      (long)c->ret > 0 ? arg(c, s->arg_end) : arg(c, s->arg_start));
		if ((long)c->ret <= 0)
			return 0;	/* the VMA is walked: nothing to report */
	}
	if (s->role == WC_R_CALLBACK) {
		struct mm_walk *walk = (struct mm_walk *)arg(c, s->arg_walk);

		if (walk)
			action = BPF_CORE_READ(walk, action);
	}
	if (s->role == WC_R_WALK) {
		walk_tail(c);
		ident_end(&id, c->slot);
	} else if (s->role == WC_R_CHUNK) {
		struct task_walk *tw;

		if (chunk_nested_exit())
			return 0;
		tw = ident_activity(&id, c->kprobe ? 0 : arg(c, s->arg_walk));

		if (tw && tw->chunks)
			tw->chunks--;
		if (tw && !tw->chunks && c->ret)
			tw->stopped = 1;	/* what follows is another walk */
		if (tw && !tw->chunks && !c->ret && tw->frame_level && !id.skip)
			quiet_emit(tw, c, tw->reach, tw->frame_end, tw->frame_level);
		if (tw && !tw->chunks)
			tw->frame_level = 0;
	} else {
		struct task_walk *tw = NULL;

		if (!have_id) {
			tw = ident_activity(&id, arg(c, s->arg_walk));
		} else if (id.quiet) {
			__u32 tid = (__u32)bpf_get_current_pid_tgid();

			tw = walk_in_flight(tid);
		}
		if (tw && !id.skip && s->role == WC_R_CALLBACK)
			quiet_visit(tw, c, s->kind, arg(c, s->arg_start), arg(c, s->arg_end), action);
	}
	if (id.skip)
		return 0;

	e = ev_open(type, c->slot, &id, &h, c->ctx);
	if (!e)
		return 0;
	e->ret = (__s64)c->ret;
	e->kind = s->kind;
	if (s->role != WC_R_WALK && !(c->kprobe && s->role == WC_R_CHUNK)) {
		struct mm_walk *walk = (struct mm_walk *)arg(c, s->arg_walk);

		from_walk(e, (__u64)walk, s->kind);
		e->start = arg(c, s->arg_start);
		e->end = arg(c, s->arg_end);
		if (walk && s->role == WC_R_CALLBACK)
			e->action = action;
	}
	if (s->arg_depth != WC_ARG_NONE)
		e->depth = (__s32)arg(c, s->arg_depth);
	if (seen) {
		e->cls = cls;
		e->value = value;
		e->entry_action = entry_action;
		e->flags |= WC_F_ENTRY_SEEN;
	}
	ev_close(e, c, &h);
	return 0;
}

/* fentry/fexit: arguments straight from the trampoline's context. */
static __always_inline void tracing_args(void *ctx, struct call *c)
{
	const volatile struct wc_slot *s = &slots[c->slot < WC_MAX_SLOTS ? c->slot : 0];
	__u8 want[] = { s->arg_start, s->arg_end, s->arg_walk, s->arg_mm,
			s->arg_vma, s->arg_ops, s->arg_entry, s->arg_depth };

	for (int i = 0; i < (int)sizeof(want); i++) {
		__u8 n = want[i];

		if (n < WC_MAX_ARGS)
			wc_func_arg(ctx, n, &c->args[n]);
	}
}

#define SLOT(N)								\
SEC("fentry")								\
int fentry_##N(void *ctx)						\
{									\
	struct call c = { .slot = N, .ctx = ctx };			\
	tracing_args(ctx, &c);						\
	return on_entry(&c);						\
}									\
SEC("fexit")								\
int fexit_##N(void *ctx)						\
{									\
	struct call c = { .slot = N, .ctx = ctx };			\
	tracing_args(ctx, &c);						\
	wc_func_ret(ctx, N, &c.ret);					\
	return on_exit(&c);						\
}

#define SLOTS8(B) SLOT(B##0) SLOT(B##1) SLOT(B##2) SLOT(B##3) \
		  SLOT(B##4) SLOT(B##5) SLOT(B##6) SLOT(B##7)
/* slots 0..95: SLOTS8(n) makes n0..n7 */
SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4) SLOT(5) SLOT(6) SLOT(7) SLOT(8) SLOT(9)
SLOTS8(1) SLOT(18) SLOT(19) SLOTS8(2) SLOT(28) SLOT(29)
SLOTS8(3) SLOT(38) SLOT(39) SLOTS8(4) SLOT(48) SLOT(49)
SLOTS8(5) SLOT(58) SLOT(59) SLOTS8(6) SLOT(68) SLOT(69)
SLOTS8(7) SLOT(78) SLOT(79) SLOTS8(8) SLOT(88) SLOT(89)
SLOT(90) SLOT(91) SLOT(92) SLOT(93) SLOT(94) SLOT(95)

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (target_tgid && ptgid != ctgid && bpf_map_lookup_elem(&tracked_tgids, &ptgid))
		bpf_map_update_elem(&tracked_tgids, &ctgid, &one, BPF_ANY);
	return 0;
}

/* A task that exits inside a walk (its END skipped by the kernel) must not
 * hold a task table entry forever. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(forget_task)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&walks, &tid);
	if (mode & WC_MODE_F_JUDGE)
		judge_abandon(tid, 0, ctx);	/* closes NO_END, counted */
	return 0;
}

/* kprobe fallback: one program, attached once per target with the slot as
 * cookie (compat object: the slot from the probed address, wc_kprobe_slot). */
static __always_inline void kprobe_args(struct pt_regs *regs, struct call *c)
{
	c->args[0] = PT_REGS_PARM1(regs);
	c->args[1] = PT_REGS_PARM2(regs);
	c->args[2] = PT_REGS_PARM3(regs);
	c->args[3] = PT_REGS_PARM4(regs);
	c->args[4] = PT_REGS_PARM5(regs);
	c->args[5] = WC_REGS_PARM6(regs);	/* bpf/arch.h: no PT_REGS_PARM6 in libbpf 1.1 */
}

SEC("kprobe")
int kprobe_entry(struct pt_regs *regs)
{
	struct call c = { .slot = wc_kprobe_slot(regs), .kprobe = 1,
			  .ctx = regs };

	kprobe_args(regs, &c);
	return on_entry(&c);
}

SEC("kretprobe")
int kretprobe_exit(struct pt_regs *regs)
{
	struct call c = { .slot = wc_kretprobe_slot(regs), .kprobe = 1,
			  .ctx = regs };

	c.ret = PT_REGS_RC(regs);
	return on_exit(&c);
}

/*
 * kprobe.multi (fprobe, 5.18+ with CONFIG_FPROBE): one link for every target,
 * each target's slot as its cookie. Handlers run with preemption disabled,
 * so unlike fentry programs they are never skipped because a preempted task
 * is still inside them on this CPU. Registers are read like kprobe_entry's.
 */
SEC("kprobe.multi")
int kmulti_entry(struct pt_regs *regs)
{
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1,
			  .ctx = regs };

	kprobe_args(regs, &c);
	return on_entry(&c);
}

SEC("kretprobe.multi")
int kmulti_exit(struct pt_regs *regs)
{
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1,
			  .ctx = regs };

	c.ret = PT_REGS_RC(regs);
	return on_exit(&c);
}
