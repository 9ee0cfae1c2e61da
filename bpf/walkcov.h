/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Events shared by the BPF tracer (bpf/walkcov.bpf.c) and the frontend
 * (user/). Fixed-width fields only: the same bytes are written into record
 * files and read back on any host. docs/events.md describes every field.
 */
#ifndef WALKCOV_H
#define WALKCOV_H

#define WC_EVENT_VERSION 1
#define WC_COMM_LEN 16
#define WC_MAX_SLOTS 96		/* fentry/fexit program pairs in the tracer */

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
#define WC_F_KPROBE	0x08	/* produced by the kprobe fallback */

struct wc_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u64 walk;		/* struct mm_walk pointer, 0 when not known */
	__u64 mm;		/* struct mm_struct pointer */
	__u64 ops;		/* struct mm_walk_ops pointer (symbolized by the frontend) */
	__u64 vma;		/* walk->vma (VISIT), vma (SPLIT) */
	__u64 start;		/* range start (SPLIT: pmd-aligned address) */
	__u64 end;		/* range end, exclusive */
	__u64 value;		/* pmd/pud value at entry (VISIT of pud/pmd, SPLIT) */
	__s64 ret;		/* return value (END and VISIT events) */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 cpu;
	__s32 depth;		/* pte_hole depth */
	__u16 type;		/* enum wc_event_type */
	__u16 slot;		/* attach slot that produced it: names the function */
	__u8 kind;		/* enum wc_kind */
	__u8 action;		/* enum wc_action, at exit */
	__u8 cls;		/* enum wc_class, at entry */
	__u8 flags;		/* WC_F_* */
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
	__u8 pad[6];
};

/* Per-CPU counters the tracer keeps (array map "stats", one entry per CPU). */
struct wc_stats {
	__u64 ringbuf_drops;	/* bpf_ringbuf_reserve failed */
	__u64 stash_drops;	/* entry state could not be saved */
	__u64 events;		/* events submitted */
};

#endif /* WALKCOV_H */
