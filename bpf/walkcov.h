/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Events shared by the BPF tracer (bpf/walkcov.bpf.c) and the frontend
 * (user/). Fixed-width fields only: the same bytes are written into record
 * files and read back on any host. docs/events.md describes every field.
 */
#ifndef WALKCOV_H
#define WALKCOV_H

#include "arch.h"

#define WC_EVENT_VERSION 2
#define WC_COMM_LEN 16
#define WC_MAX_SLOTS 96		/* fentry/fexit program pairs in the tracer */
#define WC_MAX_ARGS 6		/* function arguments the tracer reads */
#define WC_MAX_NEST 4		/* walk entry points nested in one walk (walk_page_range -> walk_page_range_mm) */
#define WC_RING_SIZE_DEFAULT (64u << 20)	/* ring buffer bytes (--ring-size): 16 MiB overflowed
						 * at 15k walks/s in an emulated 6.12 guest */
#define WC_RING_SIZE_PROBE (1u << 16)		/* ring buffer of a load-only probe */
#define WC_TRACKED_TASKS 16384	/* tasks with a walk in flight the tracer can follow at once */
#define WC_MAX_FILTER_OPS 4	/* ops ids one --ops name may resolve to */

/* Event types. */
enum wc_event_type {
	WC_EV_WALK_BEGIN = 1,	/* walk entry point entered: start, end, mm, ops */
	WC_EV_WALK_END = 2,	/* walk entry point returned: ret */
	WC_EV_CHUNK_BEGIN = 3,	/* __walk_page_range / walk_pgd_range entered: start, end, walk */
	WC_EV_CHUNK_END = 4,	/* ... returned: ret */
	WC_EV_VMA_SKIP = 5,	/* walk_page_test returned > 0: start, end skipped */
	WC_EV_VISIT = 6,	/* a walk callback returned: kind, start, end, action, ret */
	WC_EV_LEVEL = 7,	/* a walker level function returned (walk_pmd_range, walk_pte_range_inner) */
	WC_EV_SPLIT = 8,	/* a THP split entered: mm, start (pmd-aligned), value, cls */
	WC_EV_ANOMALY = 9,	/* summary mode: an anomaly the in-kernel judge found (below) */
	WC_EV_QUIET = 10,	/* a range no callback visited, its page tables read by the
				 * tracer (ops without pte_hole): start, end, cls, value, depth */
};

/* Which callback a WC_EV_VISIT is (also the level of a WC_EV_LEVEL). */
enum wc_kind {
	WC_K_NONE = 0,
	WC_K_PUD_ENTRY = 1,
	WC_K_PMD_ENTRY = 2,
	WC_K_PTE_ENTRY = 3,
	WC_K_PTE_HOLE = 4,
	WC_K_HUGETLB_ENTRY = 5,
	WC_K_PMD_RANGE = 6,	/* walk_pmd_range (WC_EV_LEVEL) */
	WC_K_PTE_RANGE = 7,	/* walk_pte_range_inner (WC_EV_LEVEL) */
	WC_K_PGD_ENTRY = 8,
	WC_K_P4D_ENTRY = 9,
	WC_K_INSTALL_PTE = 10,	/* install_pte (6.13+): called for a none pte instead of pte_entry */
};

/* walk->action as the kernel defines it (enum page_walk_action). */
enum wc_action {
	WC_ACT_SUBTREE = 0,
	WC_ACT_CONTINUE = 1,
	WC_ACT_AGAIN = 2,
	WC_ACT_UNKNOWN = 0xff,
};

/* What the pmd/pud entry held when the callback (or split) was entered. */
enum wc_class {
	WC_CLS_UNKNOWN = 0,	/* entry not seen (fentry skipped) or not a pmd/pud */
	WC_CLS_NONE = 1,
	WC_CLS_TABLE = 2,	/* points to a lower-level table */
	WC_CLS_HUGE = 3,	/* leaf: a huge page mapped at this level */
	WC_CLS_SWAP = 4,	/* not present, not none: swap or migration entry */
};

/* wc_event.flags */
#define WC_F_HAS_LOWER	0x01	/* ops have a callback below this level, so SUBTREE descends */
#define WC_F_NO_VMA	0x02	/* walk->vma was NULL (kernel page tables, VMA gaps) */
#define WC_F_ENTRY_SEEN	0x04	/* the matching entry program ran (cls is valid) */
#define WC_F_KPROBE	0x08	/* produced by a kprobe (not fentry/fexit) */
#define WC_F_NESTED	0x10	/* WALK_BEGIN/END of an entry point nested in the walk (same walk_id) */
#define WC_F_NO_WALK	0x20	/* the tracer could not follow this task's walk (task table full): walk_id 0 */
#define WC_F_OPS_MASK	0x40	/* WALK_BEGIN, CHUNK_BEGIN: value holds the ops' callbacks (WC_OPS_*) */
#define WC_F_INFERRED	0x80	/* VMA_SKIP not seen but proven: walk_page_vma's own test skipped a
				 * VM_PFNMAP VMA (walk_page_test inlined there, docs/coverage.md 5a) */

/* WALK_BEGIN and CHUNK_BEGIN with WC_F_OPS_MASK: which callbacks the walk's
 * struct mm_walk_ops has (the walker calls only those), and for a chunk
 * whether its VMA is a hugetlb one. The coverage rule needs them to tell a
 * range the walker is silent on by design from one it skipped
 * (docs/coverage.md, section 5a). */
#define WC_OPS_PGD	0x001
#define WC_OPS_P4D	0x002
#define WC_OPS_PUD	0x004
#define WC_OPS_PMD	0x008
#define WC_OPS_PTE	0x010
#define WC_OPS_HOLE	0x020
#define WC_OPS_HUGETLB	0x040
#define WC_OPS_TEST	0x080
#define WC_OPS_INSTALL	0x100	/* install_pte (6.13+): none ptes are filled, not holes */
#define WC_OPS_VMA_HUGETLB 0x10000	/* CHUNK_BEGIN: walk->vma is VM_HUGETLB */
#define WC_OPS_VMA_PFNMAP 0x20000	/* WALK_BEGIN of walk_page_vma: the VMA is VM_PFNMAP */
#define WC_OPS_CALLBACKS 0xffff	/* the bits that are the ops' own callbacks */

/* WC_EV_QUIET: what the tracer found reading the page tables of a range no
 * callback visited, from the top level down to depth (1 p4d, 2 pud, 3 pmd,
 * 4 pte): cls WC_CLS_NONE, every address of [start, end) has a none entry
 * on the way; otherwise the first present entry, at address value, of that
 * class (WC_CLS_UNKNOWN: not read: too long, or no page tables to read).
 * ret: when that pmd was last filled (pmd_install, a THP fault: the
 * tracer's log, bpf_ktime_get_ns), 0 if not seen. */

/*
 * Walk identity comes from the kernel side: the tracer gives each walk of a
 * task a number (walk_id, unique in the session, from 1) at its outermost
 * entry point, and every event of that walk carries it with its index (seq:
 * 0 at WALK_BEGIN, then 1, 2, ... in the order the task produced them).
 * An index is used up even when its event is lost (ring buffer full), and
 * skipped on purpose when the tracer detects a lost exit, so a gap in seq
 * says exactly which walk lost events. A walk whose WALK_BEGIN was not seen
 * starts at seq 1. Events outside any walk (SPLIT by a task not walking, or
 * WC_F_NO_WALK) have walk_id 0.
 */
struct wc_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u64 walk_id;		/* the tracer's walk number, 0: outside any walk */
	__u64 walk;		/* struct mm_walk pointer, 0 when not known */
	__u64 mm;		/* struct mm_struct pointer */
	__u64 ops;		/* struct mm_walk_ops pointer (symbolized by the frontend) */
	__u64 vma;		/* walk->vma (VISIT), vma (SPLIT) */
	__u64 start;		/* range start (SPLIT: pmd-aligned address) */
	__u64 end;		/* range end, exclusive */
	__u64 value;		/* pmd/pud value at entry (VISIT of pud/pmd, SPLIT) */
	__s64 ret;		/* return value (END and VISIT events) */
	__u32 seq;		/* index of the event in its walk */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 cpu;
	__s32 depth;		/* pte_hole depth */
	__u16 type;		/* enum wc_event_type */
	__u16 slot;		/* attach slot that produced it: names the function */
	__u8 kind;		/* enum wc_kind */
	__u8 action;		/* enum wc_action, at exit */
	__u8 entry_action;	/* enum wc_action at callback entry (WC_ACT_UNKNOWN if not read) */
	__u8 cls;		/* enum wc_class, at entry */
	__u8 flags;		/* WC_F_* */
	__u8 pad[3];
	char comm[WC_COMM_LEN];
};

/* What an attach slot is for; the frontend writes one per slot into the
 * tracer's slot map before attaching. */
enum wc_role {
	WC_R_UNUSED = 0,
	WC_R_WALK = 1,		/* walk entry point: args start/end/ops/mm located by arg_* */
	WC_R_CHUNK = 2,		/* __walk_page_range / walk_pgd_range */
	WC_R_TEST = 3,		/* walk_page_test */
	WC_R_CALLBACK = 4,	/* an mm_walk_ops callback; kind says which */
	WC_R_LEVEL = 5,		/* walk_pmd_range, walk_pte_range_inner */
	WC_R_SPLIT = 6,		/* __split_huge_pmd and friends */
	WC_R_POPULATE = 7,	/* pmd_install, THP faults: a none pmd is filled (noted at exit) */
};

#define WC_ARG_NONE 0xff

struct wc_slot {
	__u8 role;		/* enum wc_role */
	__u8 kind;		/* enum wc_kind for CALLBACK and LEVEL */
	/* argument positions (WC_ARG_NONE when absent), found through BTF */
	__u8 arg_start;
	__u8 arg_end;
	__u8 arg_walk;		/* struct mm_walk * */
	__u8 arg_mm;		/* struct mm_struct * */
	__u8 arg_vma;		/* struct vm_area_struct * */
	__u8 arg_ops;		/* const struct mm_walk_ops * */
	__u8 arg_entry;		/* pmd_t * / pud_t * read at entry */
	__u8 arg_depth;		/* pte_hole depth */
	__u8 flags;		/* WC_SLOT_* */
	__u8 nargs;		/* the function's argument count: fexit's return
				 * follows them (the compat object reads it there) */
	__u8 pad[4];
};

/* wc_slot.flags */
#define WC_SLOT_UNORDERED 0x01	/* walk entry point that may visit addresses in any
				 * order (walk_page_mapping: wc_entry_ordered()) */
#define WC_SLOT_VMF	0x02	/* arg_entry is a struct vm_fault *: the pmd is its ->pmd */

/* The tracer's mode (rodata "mode", bits): what it does with each event. */
#define WC_MODE_F_EVENTS 0x01	/* every event through the ring buffer (full mode) */
#define WC_MODE_F_JUDGE	 0x02	/* judge each walk in the kernel (summary mode) */
#define WC_LIVELOCK_DEFAULT 1000	/* retries of one range that make a livelock */
#define WC_STACK_ENTRIES 4096	/* kernel stacks kept for anomalies (map "stacks") */

/*
 * Summary mode (docs/production.md): the tracer judges each walk in the
 * kernel, by the rules of docs/coverage.md that fit in bounded state, and
 * when the walk closes adds it to the counters of its (ops, command) in the
 * per-CPU hash "summary". Only anomalies cross the ring buffer, as
 * WC_EV_ANOMALY events: walk_id, pid, tid, comm, ops, mm, kind, start, end
 * as for a visit, and
 *   value  enum wc_anomaly_type (user/coverage.h)
 *   ret    count (overlapping pieces, repeats)
 *   cls    split attribution (enum wc_split_attr)
 *   vma    tid of the task that split the range (cls != 0)
 *   depth  id of the kernel stack in the "stacks" map, < 0: none
 * The counters of one walk are those of struct wc_walk (user/coverage.h),
 * so the full engine's report rows and these must agree on the same walks.
 */
#define WC_SUM_ENTRIES 4096	/* (ops, comm) pairs; beyond, a walk counts in stats.sum_full */
#define WC_STACK_DEPTH 32	/* frames kept per anomaly stack */

/* A kernel stack, sent once per stack id through the ring buffer before
 * the first anomaly event that refers to it (so user space never reads
 * the stack map while tracing: a map syscall preempted on a preemptible
 * kernel makes the kernel skip kprobe programs on that CPU). Told from an
 * event by its size. */
struct wc_stack_rec {
	__u32 magic;		/* WC_STACK_MAGIC */
	__s32 id;		/* stack id (wc_event.depth of anomalies) */
	__u32 n;		/* frames in ips */
	__u32 pad;
	__u64 ips[WC_STACK_DEPTH];	/* return addresses, innermost first */
};
#define WC_STACK_MAGIC 0x6b747377	/* "wstk" */

struct wc_sum_key {
	__u64 ops;		/* ops id, as wc_event.ops */
	char comm[WC_COMM_LEN];	/* the walking task's command */
};

struct wc_sum_val {
	__u64 walks;		/* walks closed */
	__u64 walks_complete;	/* judged in full */
	__u64 walks_incomplete;	/* not judged in full ("could not prove") */
	__u64 walks_proven;	/* complete, no double, out-of-order or livelock */
	__u64 bytes;		/* bytes handled, each once per walk */
	__u64 pmd_huge;		/* huge pmds handled at pmd level */
	__u64 pmd_down;		/* pmd entries sent to the pte level */
	__u64 pud_visits;
	__u64 pte_visits;
	__u64 holes;
	__u64 hugetlb;
	__u64 skipped_vmas;
	__u64 retries;		/* repeats: callback AGAIN and the walker's own retries */
	__u64 doubles;		/* double anomalies (per pmd-sized block, as the engine) */
	__u64 out_of_order;
	__u64 livelocks;
	__u64 splits_own;	/* huge-pmd splits by the walking task during the walk */
	__u64 splits_other;	/* ... by another task, of a block inside the walk's range */
	__u64 events;		/* events of the walk */
	__u64 gaps;		/* gap anomalies: ranges of complete walks no callback handled */
	__u64 walks_stopped;	/* walks a non-zero return ended early (the rest is not coverage) */
	__u64 walks_unsure;	/* walks with a range no callback handled that could not be told
				 * from one the walker is silent on by design (incomplete) */
	__u64 walks_raced;	/* ... of them: a fault filled that range while the walk ran */
};

/* Per-CPU counters the tracer keeps (array map "stats", one entry per CPU). */
struct wc_stats {
	__u64 ringbuf_drops;	/* bpf_ringbuf_reserve failed */
	__u64 stash_drops;	/* entry state could not be saved */
	__u64 events;		/* events submitted */
	__u64 untracked;	/* walk events of tasks the tracer could not follow (WC_F_NO_WALK) */
	__u64 lost_exits;	/* callback/entry exits detected as missing (seq gap made) */
	__u64 sum_full;		/* summary mode: walks not counted, the summary map full */
	__u64 walks_opened;	/* summary mode: walks begun (open = opened - closed) */
	__u64 walks_closed;
};

#endif /* WALKCOV_H */
