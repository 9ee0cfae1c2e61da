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
 * value before the callback ran (and, for kprobes, the arguments).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "walkcov.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_ARGS 6
#define SPLIT_MARK WC_MAX_SLOTS	/* stash slot of a task's split in progress */

const volatile struct wc_slot slots[WC_MAX_SLOTS] = {};
const volatile __u32 target_tgid = 0;	/* 0: every process, else follow tracked_tgids */
const volatile __u8 emit_all_splits = 0;	/* also splits of non-huge pmds */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);	/* resized by the frontend (--ring-size) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
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

/* What an entry hands to its exit, per task and slot. */
struct stash_key {
	__u32 tid;
	__u32 slot;
};

struct stash_val {
	__u64 args[MAX_ARGS];
	__u64 value;
	__u8 cls;
	__u8 have_args;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct stash_key);
	__type(value, struct stash_val);
} stash SEC(".maps");

/* One call as the shared handlers see it, whatever the mechanism. */
struct call {
	__u64 args[MAX_ARGS];
	__u64 ret;
	__u32 slot;
	__u8 kprobe;
};

static __always_inline struct wc_stats *my_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline bool filtered_out(void)
{
	__u32 tgid;

	if (!target_tgid)
		return false;
	tgid = bpf_get_current_pid_tgid() >> 32;
	return !bpf_map_lookup_elem(&tracked_tgids, &tgid);
}

static __always_inline __u64 arg(const struct call *c, __u8 idx)
{
	if (idx >= MAX_ARGS)
		return 0;
	return c->args[idx];
}

/* x86 pmd/pud bits: present, PSE (huge), PROTNONE (NUMA hinting) */
#define X86_PRESENT	(1ULL << 0)
#define X86_PSE		(1ULL << 7)
#define X86_PROTNONE	(1ULL << 8)

static __always_inline __u8 entry_class(__u64 v)
{
	if (v == 0)
		return WC_CLS_NONE;
	/* like pmd_present(): PSE alone counts as present during a split */
	if (!(v & (X86_PRESENT | X86_PROTNONE | X86_PSE)))
		return WC_CLS_SWAP;
	return (v & X86_PSE) ? WC_CLS_HUGE : WC_CLS_TABLE;
}

static __always_inline __u64 read_entry(__u64 ptr)
{
	__u64 v = 0;

	if (ptr)
		bpf_probe_read_kernel(&v, sizeof(v), (void *)ptr);
	return v;
}

static __always_inline struct wc_event *new_event(__u16 type, __u32 slot)
{
	struct wc_stats *st = my_stats();
	struct wc_event *e;
	__u64 id;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		if (st)
			__sync_fetch_and_add(&st->ringbuf_drops, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->type = type;
	e->slot = slot;
	e->action = WC_ACT_UNKNOWN;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (st)
		__sync_fetch_and_add(&st->events, 1);
	return e;
}

/* x86-64: the kernel image and modules live above this, the stack below. */
#define KERNEL_IMAGE_BASE 0xffffffff80000000ULL

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

	if (!ops || (__u64)ops >= KERNEL_IMAGE_BASE)
		return (__u64)ops;
	fn = (__u64)BPF_CORE_READ(ops, pmd_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pte_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pud_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, hugetlb_entry);
	if (!fn)
		fn = (__u64)BPF_CORE_READ(ops, pte_hole);
	return fn ? fn : (__u64)ops;
}

/* Fill ops, mm, vma and the flags that depend on the walk. */
static __always_inline void from_walk(struct wc_event *e, struct mm_walk *walk,
				      __u8 kind)
{
	const struct mm_walk_ops *ops;
	bool lower = false;

	if (!walk)
		return;
	e->walk = (__u64)walk;
	ops = BPF_CORE_READ(walk, ops);
	e->ops = ops_id(ops);
	e->mm = (__u64)BPF_CORE_READ(walk, mm);
	e->vma = (__u64)BPF_CORE_READ(walk, vma);
	if (!e->vma)
		e->flags |= WC_F_NO_VMA;
	if (!ops)
		return;
	/* Does SUBTREE at this level descend? (mm/pagewalk.c: walk_p?d_range) */
	if (BPF_CORE_READ(ops, pte_entry))
		lower = true;
	if (bpf_core_field_exists(ops->install_pte) && BPF_CORE_READ(ops, install_pte))
		lower = true;
	if (kind == WC_K_PUD_ENTRY && BPF_CORE_READ(ops, pmd_entry))
		lower = true;
	if (lower)
		e->flags |= WC_F_HAS_LOWER;
}

static __always_inline void submit(struct wc_event *e, const struct call *c)
{
	if (c->kprobe)
		e->flags |= WC_F_KPROBE;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int on_entry(struct call *c)
{
	const volatile struct wc_slot *s;
	struct stash_key key = {};
	struct stash_val val = {};
	struct wc_event *e;
	__u64 v;

	if (c->slot >= WC_MAX_SLOTS)
		return 0;
	s = &slots[c->slot];

	if (s->role == WC_R_SPLIT) {
		/* Not filtered by process: splits by other tasks explain races.
		 * The split functions call each other (__split_huge_pmd ->
		 * split_huge_pmd_locked -> __split_huge_pmd_locked) and any of
		 * them may be partly inlined, so all are traced and only the
		 * outermost call of a task reports; it leaves a marker for its
		 * own exit to remove. */
		struct vm_area_struct *vma;
		__u64 block;
		__u8 cls;

		v = read_entry(arg(c, s->arg_entry));
		cls = entry_class(v);
		if (cls != WC_CLS_HUGE && !emit_all_splits)
			return 0;
		block = arg(c, s->arg_start) & ~((2ULL << 20) - 1);
		key.tid = (__u32)bpf_get_current_pid_tgid();
		key.slot = SPLIT_MARK;
		if (cls == WC_CLS_HUGE) {
			struct stash_val *mark = bpf_map_lookup_elem(&stash, &key);

			if (mark && mark->value == block)
				return 0;	/* nested in a split already reported */
			val.value = block;
			val.args[0] = c->slot;
			bpf_map_update_elem(&stash, &key, &val, BPF_ANY);
		}
		e = new_event(WC_EV_SPLIT, c->slot);
		if (!e)
			return 0;
		vma = (struct vm_area_struct *)arg(c, s->arg_vma);
		e->vma = (__u64)vma;
		if (vma)
			e->mm = (__u64)BPF_CORE_READ(vma, vm_mm);
		e->start = block;
		e->end = block + (2ULL << 20);
		e->value = v;
		e->cls = cls;
		submit(e, c);
		return 0;
	}

	if (filtered_out())
		return 0;

	if (s->role == WC_R_WALK) {
		e = new_event(WC_EV_WALK_BEGIN, c->slot);
		if (!e)
			return 0;
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
		submit(e, c);
		return 0;
	}

	if (s->role == WC_R_CHUNK) {
		e = new_event(WC_EV_CHUNK_BEGIN, c->slot);
		if (!e)
			return 0;
		from_walk(e, (struct mm_walk *)arg(c, s->arg_walk), WC_K_NONE);
		e->start = arg(c, s->arg_start);
		e->end = arg(c, s->arg_end);
		submit(e, c);
		return 0;
	}

	/* Everything else reports at exit; save what the exit needs. */
	if (!c->kprobe && !(s->role == WC_R_CALLBACK &&
			    (s->kind == WC_K_PMD_ENTRY || s->kind == WC_K_PUD_ENTRY)))
		return 0;
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.slot = c->slot;
	if (s->role == WC_R_CALLBACK && s->arg_entry != WC_ARG_NONE) {
		val.value = read_entry(arg(c, s->arg_entry));
		val.cls = entry_class(val.value);
	}
	if (c->kprobe) {
		__builtin_memcpy(val.args, c->args, sizeof(val.args));
		val.have_args = 1;
	}
	if (bpf_map_update_elem(&stash, &key, &val, BPF_ANY)) {
		struct wc_stats *st = my_stats();

		if (st)
			__sync_fetch_and_add(&st->stash_drops, 1);
	}
	return 0;
}

static __always_inline int on_exit(struct call *c)
{
	const volatile struct wc_slot *s;
	struct stash_key key = {};
	struct stash_val *val;
	struct wc_event *e;
	__u8 cls = WC_CLS_UNKNOWN;
	__u64 value = 0;
	bool seen = false;

	if (c->slot >= WC_MAX_SLOTS)
		return 0;
	s = &slots[c->slot];
	if (s->role == WC_R_SPLIT) {
		key.tid = (__u32)bpf_get_current_pid_tgid();
		key.slot = SPLIT_MARK;
		val = bpf_map_lookup_elem(&stash, &key);
		if (val && val->args[0] == c->slot)
			bpf_map_delete_elem(&stash, &key);
		return 0;
	}
	if (filtered_out())
		return 0;

	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.slot = c->slot;
	val = bpf_map_lookup_elem(&stash, &key);
	if (val) {
		cls = val->cls;
		value = val->value;
		seen = true;
		if (c->kprobe && val->have_args)
			__builtin_memcpy(c->args, val->args, sizeof(c->args));
		bpf_map_delete_elem(&stash, &key);
	} else if (c->kprobe && s->role != WC_R_WALK && s->role != WC_R_CHUNK) {
		return 0;	/* kretprobe without its entry: arguments unknown */
	}

	switch (s->role) {
	case WC_R_WALK:
		e = new_event(WC_EV_WALK_END, c->slot);
		break;
	case WC_R_CHUNK:
		e = new_event(WC_EV_CHUNK_END, c->slot);
		break;
	case WC_R_TEST:
		if ((long)c->ret <= 0)
			return 0;
		e = new_event(WC_EV_VMA_SKIP, c->slot);
		break;
	case WC_R_CALLBACK:
		e = new_event(WC_EV_VISIT, c->slot);
		break;
	case WC_R_LEVEL:
		e = new_event(WC_EV_LEVEL, c->slot);
		break;
	default:
		return 0;
	}
	if (!e)
		return 0;
	e->ret = (__s64)c->ret;
	e->kind = s->kind;
	if (s->role != WC_R_WALK && !(c->kprobe && s->role == WC_R_CHUNK)) {
		struct mm_walk *walk = (struct mm_walk *)arg(c, s->arg_walk);

		from_walk(e, walk, s->kind);
		e->start = arg(c, s->arg_start);
		e->end = arg(c, s->arg_end);
		if (walk && s->role == WC_R_CALLBACK)
			e->action = BPF_CORE_READ(walk, action);
	}
	if (s->arg_depth != WC_ARG_NONE)
		e->depth = (__s32)arg(c, s->arg_depth);
	if (seen) {
		e->cls = cls;
		e->value = value;
		e->flags |= WC_F_ENTRY_SEEN;
	}
	submit(e, c);
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

		if (n < MAX_ARGS)
			bpf_get_func_arg(ctx, n, &c->args[n]);
	}
}

#define SLOT(N)								\
SEC("fentry")								\
int fentry_##N(void *ctx)						\
{									\
	struct call c = { .slot = N };					\
	tracing_args(ctx, &c);						\
	return on_entry(&c);						\
}									\
SEC("fexit")								\
int fexit_##N(void *ctx)						\
{									\
	struct call c = { .slot = N };					\
	tracing_args(ctx, &c);						\
	bpf_get_func_ret(ctx, &c.ret);					\
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

/* kprobe fallback: one program, attached once per target with the slot as cookie. */
static __always_inline void kprobe_args(struct pt_regs *regs, struct call *c)
{
	c->args[0] = PT_REGS_PARM1(regs);
	c->args[1] = PT_REGS_PARM2(regs);
	c->args[2] = PT_REGS_PARM3(regs);
	c->args[3] = PT_REGS_PARM4(regs);
	c->args[4] = PT_REGS_PARM5(regs);
	c->args[5] = regs->r9;	/* x86-64: sixth argument (no PT_REGS_PARM6 in libbpf 1.1) */
}

SEC("kprobe")
int kprobe_entry(struct pt_regs *regs)
{
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1 };

	kprobe_args(regs, &c);
	return on_entry(&c);
}

SEC("kretprobe")
int kretprobe_exit(struct pt_regs *regs)
{
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1 };

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
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1 };

	c.args[0] = PT_REGS_PARM1(regs);
	c.args[1] = PT_REGS_PARM2(regs);
	c.args[2] = PT_REGS_PARM3(regs);
	c.args[3] = PT_REGS_PARM4(regs);
	c.args[4] = PT_REGS_PARM5(regs);
	c.args[5] = regs->r9;	/* x86-64: sixth argument */
	return on_entry(&c);
}

SEC("kretprobe.multi")
int kmulti_exit(struct pt_regs *regs)
{
	struct call c = { .slot = (__u32)bpf_get_attach_cookie(regs), .kprobe = 1 };

	c.ret = PT_REGS_RC(regs);
	return on_exit(&c);
}
