/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Reading what no callback visited (docs/coverage.md, section 5a). With ops
 * that have no pte_hole the walker is silent on none entries, so a range
 * nobody visited is either silent by design or skipped. The tracer tells
 * them apart by reading the page tables of exactly that range, right after
 * the walker passed it: every address must meet a none entry at or above
 * the level where the walker decides (the pmd for pmd_entry and pte_entry
 * ops; the pte for VMA gaps, where no entry at all may be present). The
 * answer goes out as a WC_EV_QUIET event; the engines decide what it means.
 *
 * The walk is the kernel's own: the task's mm->pgd, each table through the
 * direct map. A read that fails, or a range that needs more than
 * QUIET_STEPS steps, is answered "unknown", never "none".
 * Included by walkcov.bpf.c.
 */
#ifndef WALKCOV_QUIET_BPF_H
#define WALKCOV_QUIET_BPF_H

#define QUIET_STEPS	1024	/* descents or 16-entry reads per range */
#define QUIET_RUN	16	/* entries read at once to skip a run of none ones */
#define QUIET_PTE	4	/* level: read down to the ptes (VMA gaps) */

const volatile __u64 page_offset_base_addr = 0;	/* &page_offset_base, from kallsyms */
const volatile __u64 pgdir_shift_addr = 0;	/* &pgdir_shift (5-level capable builds) */

/* When each pmd slot was last filled (pmd_install, THP faults): a reading
 * that finds a present pmd the walker did not visit can then say whether a
 * fault filled it while the walk ran. A direct-mapped table keyed by the
 * slot's address: an array lookup costs next to nothing on the fault path
 * (an LRU hash update cost more than the rest of the program); a slot
 * another pmd took since, like a torn entry, only leaves a walk's
 * "raced" attribution unsaid or wrong, never its verdict. */
#define FILLS_BITS	14
struct fill {
	__u64 pmd, when;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << FILLS_BITS);
	__type(key, __u32);
	__type(value, struct fill);
} populated SEC(".maps");

#define QUIET_FILLING	(~0ULL)	/* a filler has entered and not returned yet */

static __always_inline struct fill *fill_slot(__u64 pmd)
{
	__u32 i = (__u32)(((pmd >> 3) * 0x9E3779B97F4A7C15ULL) >> (64 - FILLS_BITS));

	return bpf_map_lookup_elem(&populated, &i);
}

/* When the pmd slot PMD was last filled; 0: not known. */
static __always_inline __u64 filled_at(__u64 pmd)
{
	struct fill *f = fill_slot(pmd);

	return f && f->pmd == pmd ? f->when : 0;
}

/* A none pmd is being filled (FILLING) or was filled: PTR is the pmd slot,
 * or with VMF a struct vm_fault whose ->pmd it is. A global function: no
 * room taken in the calling program's stack. */
__noinline int note_populate(__u64 ptr, __u32 vmf, __u32 filling)
{
	struct vm_fault *vf = (struct vm_fault *)ptr;
	struct fill *f;

	if (vmf && vf)
		ptr = (__u64)BPF_CORE_READ(vf, pmd);
	if (!ptr || !(f = fill_slot(ptr)))
		return 0;
	f->pmd = ptr;
	f->when = filling ? QUIET_FILLING : bpf_ktime_get_ns();
	return 0;
}

struct quiet {
	__u64 pgd, pob;		/* the mm's top table, page_offset_base */
	__u64 a, end;		/* still to read: [a, end) */
	__u64 ptes, ptes_end;	/* a pte table being read, up to ptes_end */
	__u64 found;		/* the first present entry's address */
	__u64 found_pmd;	/* ... and its pmd slot, when found at the pmd level */
	__u32 shift, l5, level;
	__u8 cls;		/* WC_CLS_UNKNOWN until decided */
	__u64 run[QUIET_RUN];	/* entries read at once (here, not on a stack) */
#ifdef WC_ARCH_ARM64
	__u64 memstart;		/* memstart_addr: __va(pa) is (pa - memstart) | pob */
	__u64 lm_end;		/* table addresses must lie in [pob, lm_end) */
	__u32 nlev, lpa2;	/* levels in use; descriptors carry PA[51:50] in bits 9:8 */
#endif
};

/* The reader's state while it loops: in a map value, whose contents the
 * verifier does not track, so checking the loop converges at once (on the
 * stack, every value it could hold was a state of its own). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct quiet);
} quiet_state SEC(".maps");

#ifdef WC_PT_READER	/* bpf/arch.h: x86-64 */
static __always_inline bool pt_none(__u64 v)
{
	return !(v & WC_PT_NONE_MASK);
}
#elif defined(WC_ARCH_ARM64)
static __always_inline bool pt_none(__u64 v)
{
	return !v;	/* pXd_none() */
}
#endif

/* Both readers (x86-64, arm64): the first present entry found, and none
 * entries skipped a run at a time. */
#if defined(WC_PT_READER) || defined(WC_ARCH_ARM64)
static __always_inline long quiet_found(struct quiet *q, __u8 cls)
{
	q->found = q->a;
	q->cls = cls;
	return 1;
}

/* The entry for q->a at SHIFT in the table at BASE is none: skip it and
 * the none entries after it in the same aligned run of QUIET_RUN (IDX_MASK:
 * entries a table, less one). */
static __always_inline long quiet_skip(struct quiet *q, __u64 base, __u64 shift, __u64 idx_mask)
{
	__u64 idx = (q->a >> shift) & idx_mask, first = idx & ~(QUIET_RUN - 1ULL);
	__u64 span = 1ULL << shift;

	q->a = ((q->a >> shift) + 1) << shift;
	if (bpf_probe_read_kernel(q->run, sizeof(q->run), (void *)(base + first * 8)))
		return 0;	/* the next step reads it again */
	for (__u64 k = 0; k < QUIET_RUN; k++) {
		if (k <= idx - first)
			continue;
		if (!pt_none(q->run[k]))
			break;
		q->a += span;
	}
	return 0;
}
#endif

#ifdef WC_PT_READER

/* The table an entry value points to, through the direct map. */
static __always_inline __u64 pt_table(struct quiet *q, __u64 entry)
{
	return (entry & WC_PT_PFN_MASK) + q->pob;
}

/* The entry of the table at BASE for q->a at SHIFT; false when it cannot
 * be read. */
static __always_inline bool pt_entry(struct quiet *q, __u64 base, __u64 shift, __u64 *v)
{
	__u64 idx = (q->a >> shift) & (WC_PT_ENTRIES - 1);

	return !bpf_probe_read_kernel(v, sizeof(*v), (void *)(base + idx * 8));
}



/* One step: eight ptes of the table being read, or one descent from the
 * top to the first none entry (skip its span) or to the deciding level. */
static long quiet_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct quiet *q = bpf_map_lookup_elem(&quiet_state, &zero);
	__u64 v, base;

	if (!q)
		return 1;

	if (q->a >= q->end) {
		q->cls = WC_CLS_NONE;
		return 1;
	}
	if (q->ptes) {
		__u64 idx = (q->a >> 12) & (WC_PT_ENTRIES - 1), first = idx & ~(QUIET_RUN - 1ULL);
		__u64 pmd_base = q->a & ~(WC_PMD_SIZE - 1);

		if (bpf_probe_read_kernel(q->run, sizeof(q->run), (void *)(q->ptes + first * 8)))
			return 1;	/* unknown */
		for (int k = 0; k < QUIET_RUN; k++) {
			__u64 addr = pmd_base + ((first + k) << 12);

			if (addr < q->a || addr >= q->ptes_end || pt_none(q->run[k]))
				continue;
			q->a = addr;
			return quiet_found(q, (q->run[k] & WC_PTE_PRESENT) ? WC_CLS_TABLE : WC_CLS_SWAP);
		}
		q->a = pmd_base + ((first + QUIET_RUN) << 12);
		if (q->a >= q->ptes_end) {
			q->a = q->ptes_end;
			q->ptes = 0;
		}
		return 0;
	}
	base = q->pgd;
	if (!pt_entry(q, base, q->shift, &v))
		return 1;
	if (pt_none(v))
		return quiet_skip(q, base, q->shift, WC_PT_ENTRIES - 1);
	if (q->l5) {		/* else the p4d level is folded into the pgd */
		base = pt_table(q, v);
		if (!pt_entry(q, base, 39, &v))
			return 1;
		if (pt_none(v))
			return quiet_skip(q, base, 39, WC_PT_ENTRIES - 1);
	}
	if (q->level <= 1)
		return quiet_found(q, WC_CLS_TABLE);
	base = pt_table(q, v);
	if (!pt_entry(q, base, 30, &v))
		return 1;
	if (pt_none(v))
		return quiet_skip(q, base, 30, WC_PT_ENTRIES - 1);
	if (q->level == 2 || (v & WC_PTE_PSE))
		return quiet_found(q, (v & WC_PTE_PSE) ? WC_CLS_HUGE : WC_CLS_TABLE);
	base = pt_table(q, v);
	if (!pt_entry(q, base, 21, &v))
		return 1;
	if (pt_none(v))
		return quiet_skip(q, base, 21, WC_PT_ENTRIES - 1);
	if (q->level == 3 || entry_class(v) != WC_CLS_TABLE) {
		q->found_pmd = base + ((q->a >> 21) & (WC_PT_ENTRIES - 1)) * 8;
		return quiet_found(q, entry_class(v));
	}
	q->ptes = pt_table(q, v);
	q->ptes_end = (q->a & ~(WC_PMD_SIZE - 1)) + WC_PMD_SIZE;
	if (q->ptes_end > q->end)
		q->ptes_end = q->end;
	return 0;
}

#endif /* WC_PT_READER */

#ifdef WC_ARCH_ARM64
/* arm64 (docs/arm64.md): the geometry is the running kernel's, found from
 * the mm's own pgd pointer. It lies in the linear map, which starts at
 * -(1 << vabits_actual) (with a 52-bit kernel on 48- or 47-bit hardware the
 * kernel lowers memstart_addr instead, which the OR of __phys_to_virt makes
 * the same), so the pointer's leading ones give vabits_actual, and with the
 * page size the number of levels and their shifts (the hardware's walk from
 * TTBR0, which the kernel's runtime folding follows). Tables are reached as
 * the kernel does: __va(__pte_to_phys(entry)), memstart_addr read from the
 * kernel (kallsyms). A 52-bit VA with 4K or 16K pages means LPA2 (TCR.DS):
 * bits 9:8 are PA[51:50]; otherwise a table entry with them set cannot be
 * decoded with certainty: unknown, as is any read that fails or a table
 * address outside the linear map. pXd_none() is !value on arm64. */
const volatile __u64 memstart_addr_addr = 0;	/* &memstart_addr, from kallsyms */
/* else (no CONFIG_KALLSYMS_ALL) its value, vmcoreinfo's PHYS_OFFSET */
const volatile __u64 memstart_value = 0;
const volatile __u8 memstart_known = 0;

#define A64_ADDR_LOW	(((1ULL << 50) - 1) & ~(WC_PAGE_SIZE - 1))	/* PA[49:page_shift] */

static __always_inline __u64 a64_mask(void)
{
	return (1ULL << (wc_page_shift - 3)) - 1;	/* entries a table, less one */
}

static __always_inline __u64 a64_shift(__u32 depth)	/* 0: pte .. */
{
	return wc_page_shift + depth * (wc_page_shift - 3);
}

/* The table a table entry points to, through the linear map; 0: cannot
 * be decoded with certainty. */
static __always_inline __u64 a64_table(struct quiet *q, __u64 v)
{
	__u64 hi = (v >> 8) & 3, va;

	if ((v & 3) != 3 || (hi && !q->lpa2))
		return 0;
	va = ((v & A64_ADDR_LOW) | (hi << 50)) - q->memstart;
	va |= q->pob;
	return va >= q->pob && va < q->lm_end ? va : 0;
}



/* One step: QUIET_RUN ptes of the table being read, or one descent from
 * the top to the first none entry (skip its span) or to the deciding level
 * (depth 4 - level; the top entry also stands for the folded levels). */
static long quiet_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct quiet *q = bpf_map_lookup_elem(&quiet_state, &zero);
	__u64 v, base, slot, ps = wc_page_shift;
	int d;

	if (!q)
		return 1;
	if (q->a >= q->end) {
		q->cls = WC_CLS_NONE;
		return 1;
	}
	if (q->ptes) {
		__u64 idx = (q->a >> ps) & a64_mask(), first = idx & ~(QUIET_RUN - 1ULL);
		__u64 pmd_base = q->a & ~(WC_PMD_SIZE - 1);

		if (bpf_probe_read_kernel(q->run, sizeof(q->run), (void *)(q->ptes + first * 8)))
			return 1;	/* unknown */
		for (int k = 0; k < QUIET_RUN; k++) {
			__u64 addr = pmd_base + ((first + k) << ps);

			if (addr < q->a || addr >= q->ptes_end || !q->run[k])
				continue;
			q->a = addr;
			return quiet_found(q, (q->run[k] & WC_PTE_VALID) ? WC_CLS_TABLE : WC_CLS_SWAP);
		}
		q->a = pmd_base + ((first + QUIET_RUN) << ps);
		if (q->a >= q->ptes_end) {
			q->a = q->ptes_end;
			q->ptes = 0;
		}
		return 0;
	}
	base = q->pgd;
	d = (int)q->nlev - 1;
	for (int k = 0; k < 5; k++, d--) {
		__u64 shift = a64_shift(d);

		if (d < 1)
			return 1;	/* not reached: depth 1 decides or reads ptes */
		slot = base + ((q->a >> shift) & a64_mask()) * 8;
		if (bpf_probe_read_kernel(&v, sizeof(v), (void *)slot))
			return 1;
		if (!v)
			return quiet_skip(q, base, shift, a64_mask());
		if (d <= 4 - (int)q->level || (d <= 2 && entry_class(v) != WC_CLS_TABLE)) {
			if (d == 1)
				q->found_pmd = slot;
			return quiet_found(q, entry_class(v));
		}
		base = a64_table(q, v);
		if (!base)
			return 1;	/* a block above the pud, or undecodable: unknown */
		if (d == 1) {	/* VMA gaps: read the ptes */
			q->ptes = base;
			q->ptes_end = (q->a & ~(WC_PMD_SIZE - 1)) + WC_PMD_SIZE;
			if (q->ptes_end > q->end)
				q->ptes_end = q->end;
			return 0;
		}
	}
	return 1;
}

/* Sets up Q's geometry for the reader; false: unknown. */
static __always_inline bool a64_setup(struct quiet *q)
{
	__u64 ps = wc_page_shift, va = 64, bits;

	if (ps != 12 && ps != 14)
		return false;
	if (memstart_known)
		q->memstart = memstart_value;
	else if (!memstart_addr_addr ||
		 bpf_probe_read_kernel(&q->memstart, sizeof(q->memstart), (void *)memstart_addr_addr))
		return false;
	for (int k = 0; k < 32; k++) {	/* the pgd pointer's leading ones */
		if (!((q->pgd >> (63 - k)) & 1))
			break;
		va--;
	}
	if (va != 52 && va != 48 && va != 47 && va != 42 && va != 39)
		return false;
	bits = ps - 3;
	q->nlev = (__u32)((va - ps + bits - 1) / bits);
	if (q->nlev < 2 || q->nlev > 5)
		return false;
	q->lpa2 = va == 52;
	q->pob = -(1ULL << va);
	q->lm_end = -(1ULL << (va - 1));
	/* above user space (TASK_SIZE: 1 << vabits_actual) no VMA can be */
	if (q->end > (1ULL << va))
		q->end = 1ULL << va;
	return true;
}
#endif /* WC_ARCH_ARM64 */

#if defined(WC_PT_READER) || defined(WC_ARCH_ARM64)
WC_LOOP_BODY(quiet_step)	/* bpf/compat.bpf.h: the loop without bpf_loop */
#endif

/* Read [a, end) of MM down to LEVEL (1 p4d .. 3 pmd, 4 pte), up to the
 * top of user space: returns the class found (WC_CLS_NONE: all none), the
 * first present entry's address left in quiet_state's found. A global
 * function with scalar arguments: the verifier checks it once, not at
 * every call site of every program, and no caller's stack holds its state
 * (6.1 allows 512 bytes for a whole call chain). */
__noinline int quiet_read(__u64 mm_addr, __u64 a, __u64 end, __u32 level)
{
	struct mm_struct *mm = (struct mm_struct *)mm_addr;
	struct quiet *q;
	__u32 zero = 0;
	__u64 shift = 0;

	q = bpf_map_lookup_elem(&quiet_state, &zero);
	if (!q)
		return WC_CLS_UNKNOWN;
	__builtin_memset(q, 0, sizeof(*q));
	q->a = a;
	q->end = end;
	q->level = level;
	q->cls = WC_CLS_UNKNOWN;
#ifdef WC_PT_READER
	q->pgd = (__u64)BPF_CORE_READ(mm, pgd);
	if (q->pgd) {
		if (pgdir_shift_addr)
			bpf_probe_read_kernel(&shift, sizeof(__u32), (void *)pgdir_shift_addr);
		q->l5 = shift == WC_PGDIR_SHIFT_5L;
		q->shift = q->l5 ? WC_PGDIR_SHIFT_5L : WC_PGDIR_SHIFT_4L;
		q->pob = q->l5 ? WC_PAGE_OFFSET_5L : WC_PAGE_OFFSET_4L;
		/* above user space no VMA can be: nothing there to read */
		if (q->end > (q->l5 ? WC_USER_TOP_5L : WC_USER_TOP_4L))
			q->end = q->l5 ? WC_USER_TOP_5L : WC_USER_TOP_4L;
		if (page_offset_base_addr)
			bpf_probe_read_kernel(&q->pob, sizeof(q->pob), (void *)page_offset_base_addr);
		wc_loop(QUIET_STEPS, quiet_step);
	}
#elif defined(WC_ARCH_ARM64)
	(void)shift;
	q->pgd = (__u64)BPF_CORE_READ(mm, pgd);
	if (q->pgd && q->level >= 1 && q->level <= 4 && a64_setup(q))
		wc_loop(QUIET_STEPS, quiet_step);
#else	/* no reader for this architecture's tables: unknown */
	(void)mm;
	(void)shift;
#endif
	return q->cls;
}

#endif /* WALKCOV_QUIET_BPF_H */
