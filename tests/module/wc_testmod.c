// SPDX-License-Identifier: GPL-2.0
/*
 * wc_testmod: ground truth for walkcov.
 *
 * Drives the kernel's real walk_page_range() over the calling process's
 * memory with this module's own struct mm_walk_ops, one scenario per write
 * to /sys/kernel/debug/wc_testmod/run, and counts what its own callbacks
 * handled.  walkcov traces these callbacks; tests compare its report with
 * the counters read from /sys/kernel/debug/wc_testmod/result.
 *
 * walk_page_range is not exported to modules, so its address comes in as
 * the module parameter walk_page_range_addr (read from /proc/kallsyms); the
 * overrun and rewalk scenarios also call the walker's chunk function
 * __walk_page_range themselves, at walk_chunk_addr.
 *
 * The callbacks are static noipa functions with distinct names and the
 * kernel's exact prototypes, so they are real symbols with their own BTF
 * (walkcov finds them by prototype) and are never merged or cloned.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagewalk.h>
#include <linux/huge_mm.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/kallsyms.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>

#define WCT_MAX_LEN	(1UL << 30)	/* largest walk: 1 GiB */
#define WCT_MAX_K	1000		/* retry scenario: AGAINs per pmd */
#define WCT_RACE_WAIT_MS 2000		/* race scenario: wait for a split */

/* A callback that is a real, distinct symbol: never inlined, cloned or folded. */
#define WCT_CB static __used __attribute__((__noipa__))

static unsigned long walk_page_range_addr;
module_param(walk_page_range_addr, ulong, 0400);
MODULE_PARM_DESC(walk_page_range_addr,
		 "address of walk_page_range from /proc/kallsyms (required)");

typedef int (*wct_walk_fn)(struct mm_struct *mm, unsigned long start,
			   unsigned long end, const struct mm_walk_ops *ops,
			   void *private);
static wct_walk_fn wct_walk_page_range;
/* The pointer type must be exactly walk_page_range's (no symbol reference). */
static_assert(__same_type(&walk_page_range, wct_walk_fn));

/*
 * static int __walk_page_range(unsigned long start, unsigned long end,
 *				struct mm_walk *walk) in mm/pagewalk.c, the same
 * prototype in 6.1, 6.12 and 7.2 (BTF); it walks one VMA chunk, walk->vma.
 */
static unsigned long walk_chunk_addr;
module_param(walk_chunk_addr, ulong, 0400);
MODULE_PARM_DESC(walk_chunk_addr,
		 "address of __walk_page_range from /proc/kallsyms (overrun and rewalk scenarios)");

typedef int (*wct_chunk_fn)(unsigned long start, unsigned long end,
			    struct mm_walk *walk);
static wct_chunk_fn wct_walk_chunk;

enum wct_scenario {
	WCT_CORRECT,
	WCT_DOUBLE,
	WCT_RETRY,
	WCT_RACE,
	WCT_MIXED,
	WCT_OVERRUN,
	WCT_REWALK,
	WCT_GAP_SKIP,
	WCT_GAP_CUT,
	WCT_NR_SCENARIOS
};

/* Per-pmd state, indexed by PMD-sized slot from the start of the walk. */
#define WCT_PMD_SEEN_HUGE	0x1	/* some visit found this pmd huge */
#define WCT_PMD_SPLIT_SEEN	0x2	/* ...and a later look found it split */
#define WCT_PMD_DOUBLED		0x4	/* some byte in this slot handled twice */

struct wct_run {
	enum wct_scenario scenario;
	unsigned long start, end, k;
	unsigned long *handled;		/* one bit per page of [start, end) */
	u8 *pmd_flags;			/* WCT_PMD_* per PMD slot */
	u32 *pmd_visits;		/* pmd_entry calls per PMD slot */
	unsigned long nr_pages, nr_pmds;
	unsigned long cursor;		/* end of the highest handled byte so far */
	bool race_waited;		/* the race scenario waits only once */
	bool in_nested;			/* inside this module's own chunk call */
	bool in_gap_call;		/* gap scenarios: the module is calling the
					 * real __walk_page_range (not redirected) */

	/* the ground-truth counters */
	unsigned long handled_bytes, doubles, retries, splits_seen;
	unsigned long pmd_huge, pte, holes, pmd_calls, order_errors;
	unsigned long uncovered_bytes;
	unsigned long nested;		/* chunks this module walked itself */
	unsigned long redirects;	/* gap scenarios: walker chunks redirected */
	unsigned long gaps;		/* maximal runs of pages no callback handled */
	unsigned long gap_start, gap_end; /* the first such run (0, 0 if none) */
	int ret_nested;			/* ...and the return of the one from post_vma */
	int ret;
};

static DEFINE_MUTEX(wct_lock);		/* one run at a time */
static char wct_result[512] = "none\n";
static atomic_t wct_waiting = ATOMIC_INIT(0);	/* race: pmd_entry is waiting */
static struct dentry *wct_dir;

static unsigned long wct_pmd_slot(struct wct_run *run, unsigned long addr)
{
	return (addr >> PMD_SHIFT) - (run->start >> PMD_SHIFT);
}

/*
 * Record that this module handled [addr, next).  Every byte is a bit in the
 * run's page bitmap; a bit that is already set makes its PMD slot a double.
 * Handled ranges must also arrive in increasing order without gaps.
 */
static void wct_handle(struct wct_run *run, unsigned long addr,
		       unsigned long next)
{
	unsigned long a;

	if (addr < run->start || next > run->end || addr >= next) {
		run->order_errors++;	/* the walker gave us a range outside the walk */
		return;
	}
	if (addr != run->cursor)
		run->order_errors++;
	if (next > run->cursor)
		run->cursor = next;
	run->handled_bytes += next - addr;

	for (a = addr & PAGE_MASK; a < next; a += PAGE_SIZE) {
		unsigned long page = (a - run->start) >> PAGE_SHIFT;

		if (__test_and_set_bit(page, run->handled)) {
			u8 *f = &run->pmd_flags[wct_pmd_slot(run, a)];

			if (!(*f & WCT_PMD_DOUBLED)) {
				*f |= WCT_PMD_DOUBLED;
				run->doubles++;
			}
		}
	}
}

/* Count a pmd_entry visit; returns its PMD slot. */
static unsigned long wct_visit_pmd(struct wct_run *run, unsigned long addr)
{
	unsigned long slot = wct_pmd_slot(run, addr);

	run->pmd_calls++;
	run->pmd_visits[slot]++;
	return slot;
}

/* Note whether a pmd once seen huge is now seen split. */
static void wct_note_huge(struct wct_run *run, unsigned long slot, bool huge)
{
	u8 *f = &run->pmd_flags[slot];

	if (huge) {
		run->pmd_huge++;
		*f |= WCT_PMD_SEEN_HUGE;
	} else if ((*f & WCT_PMD_SEEN_HUGE) && !(*f & WCT_PMD_SPLIT_SEEN)) {
		*f |= WCT_PMD_SPLIT_SEEN;
		run->splits_seen++;
	}
}

/*
 * pmd_trans_huge_lock() without its out-of-line half, which is not exported:
 * take the pmd lock and keep it only if the pmd is a huge (trans_huge) one.
 */
static spinlock_t *wct_huge_lock(pmd_t *pmd, struct mm_walk *walk)
{
	spinlock_t *ptl = pmd_lock(walk->mm, pmd);

	if (pmd_trans_huge(READ_ONCE(*pmd)))
		return ptl;
	spin_unlock(ptl);
	return NULL;
}

/*
 * Handle a huge pmd under its lock.  Returns true if it was huge and is now
 * handled; false if it is not (or no longer) huge.
 */
static bool wct_handle_huge_locked(pmd_t *pmd, unsigned long addr,
				   unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long slot = wct_visit_pmd(run, addr);
	spinlock_t *ptl = wct_huge_lock(pmd, walk);

	wct_note_huge(run, slot, ptl != NULL);
	if (!ptl)
		return false;
	wct_handle(run, addr, next);
	spin_unlock(ptl);
	return true;
}

/* ---- correct: huge pmds handled in pmd_entry with CONTINUE ---- */

WCT_CB int wct_correct_pmd_entry(pmd_t *pmd, unsigned long addr,
				 unsigned long next, struct mm_walk *walk)
{
	if (wct_handle_huge_locked(pmd, addr, next, walk))
		walk->action = ACTION_CONTINUE;
	/* else: leave ACTION_SUBTREE, the ptes come to wct_correct_pte_entry */
	return 0;
}

WCT_CB int wct_correct_pte_entry(pte_t *pte, unsigned long addr,
				 unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->pte++;
	wct_handle(run, addr, next);
	return 0;
}

/* ---- double: the 2019 bug, a huge pmd handled but SUBTREE left set ---- */

WCT_CB int wct_double_pmd_entry(pmd_t *pmd, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	/* Handles a huge pmd, then forgets ACTION_CONTINUE on purpose. */
	wct_handle_huge_locked(pmd, addr, next, walk);
	return 0;
}

WCT_CB int wct_double_pte_entry(pte_t *pte, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->pte++;
	wct_handle(run, addr, next);
	return 0;
}

/* ---- retry K: ACTION_AGAIN K times per pmd, then handle it ---- */

WCT_CB int wct_retry_pmd_entry(pmd_t *pmd, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long slot = wct_visit_pmd(run, addr);

	wct_note_huge(run, slot, pmd_trans_huge(READ_ONCE(*pmd)));
	if (run->pmd_visits[slot] <= run->k) {
		run->retries++;
		walk->action = ACTION_AGAIN;
		return 0;
	}
	/* No pte_entry: this call handles the whole range, huge or table. */
	wct_handle(run, addr, next);
	walk->action = ACTION_CONTINUE;
	return 0;
}

/* ---- race: wait for another thread to split the THP, then AGAIN ---- */

WCT_CB int wct_race_pmd_entry(pmd_t *pmd, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long slot = wct_visit_pmd(run, addr);
	bool huge = pmd_trans_huge(READ_ONCE(*pmd));
	unsigned long deadline;

	wct_note_huge(run, slot, huge);
	if (huge && !run->race_waited) {
		/*
		 * First huge pmd of the run: sleep (mmap_lock is held for read,
		 * no spinlock) until the caller's other thread splits it with
		 * MADV_DONTNEED of one page, then ask the walker to retry.
		 */
		run->race_waited = true;
		atomic_set(&wct_waiting, 1);
		deadline = jiffies + msecs_to_jiffies(WCT_RACE_WAIT_MS);
		while (pmd_trans_huge(READ_ONCE(*pmd)) &&
		       time_before(jiffies, deadline))
			msleep(1);
		atomic_set(&wct_waiting, 0);
		if (!pmd_trans_huge(READ_ONCE(*pmd)))
			wct_note_huge(run, slot, false);	/* split seen */
		run->retries++;
		walk->action = ACTION_AGAIN;
		return 0;
	}
	/* No pte_entry: this call handles the whole range, huge or table. */
	wct_handle(run, addr, next);
	walk->action = ACTION_CONTINUE;
	return 0;
}

/* ---- mixed: huge, table and none pmds, a VMA gap; every byte once ---- */

WCT_CB int wct_mixed_pmd_entry(pmd_t *pmd, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	if (wct_handle_huge_locked(pmd, addr, next, walk))
		walk->action = ACTION_CONTINUE;
	else
		walk->action = ACTION_SUBTREE;
	return 0;
}

WCT_CB int wct_mixed_pte_entry(pte_t *pte, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->pte++;
	wct_handle(run, addr, next);
	return 0;
}

WCT_CB int wct_mixed_pte_hole(unsigned long addr, unsigned long next,
			      int depth, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->holes++;
	wct_handle(run, addr, next);
	return 0;
}

/* ---- overrun, rewalk: a second chunk walked inside the walk ---- */

/*
 * Walk [start, end) as one more chunk of the current walk, from inside a
 * callback, the way the walker walks a VMA: walk->vma is that range's VMA
 * during the call and is restored after it.  Only one such call per run.
 */
static int wct_nested_chunk(struct mm_walk *walk, unsigned long start,
			    unsigned long end)
{
	struct wct_run *run = walk->private;
	struct vm_area_struct *vma = walk->vma;
	struct vm_area_struct *other = find_vma(walk->mm, start);
	int err;

	if (!other || other->vm_start > start || other->vm_end < end)
		return -EINVAL;	/* the range is not inside one VMA */
	run->nested++;
	run->in_nested = true;
	walk->vma = other;
	err = wct_walk_chunk(start, end, walk);
	walk->vma = vma;
	run->in_nested = false;
	return err;
}

/* Both scenarios: every pmd_entry call handles its pmd whole (no pte_entry). */
static void wct_handle_whole(pmd_t *pmd, unsigned long addr,
			     unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long slot = wct_visit_pmd(run, addr);

	wct_note_huge(run, slot, pmd_trans_huge(READ_ONCE(*pmd)));
	wct_handle(run, addr, next);
}

/*
 * overrun: the first chunk, once its VMA is walked (post_vma, still inside
 * __walk_page_range), also walks the first pmd of the next VMA (a chunk
 * that runs past its end), which the walker's own next chunk then handles
 * again: exactly one double.  post_vma, not the last pmd_entry, makes the
 * call so that no callback visit encloses the nested one: every handled
 * range then ends in address order except the double itself.
 */
WCT_CB int wct_overrun_pmd_entry(pmd_t *pmd, unsigned long addr,
				 unsigned long next, struct mm_walk *walk)
{
	wct_handle_whole(pmd, addr, next, walk);
	walk->action = ACTION_CONTINUE;
	return 0;
}

WCT_CB void wct_overrun_post_vma(struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long end = walk->vma->vm_end;

	if (!run->in_nested && !run->nested && end < run->end)
		run->ret_nested = wct_nested_chunk(walk, end, end + PMD_SIZE);
}

/*
 * rewalk: the first pmd of the second VMA first walks the last pmd of the
 * previous VMA again (a later chunk re-handling an earlier pmd): exactly one
 * double.
 */
WCT_CB int wct_rewalk_pmd_entry(pmd_t *pmd, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	int err = 0;

	if (!run->in_nested && !run->nested && addr == walk->vma->vm_start &&
	    addr > run->start)
		err = wct_nested_chunk(walk, addr - PMD_SIZE, addr);
	wct_handle_whole(pmd, addr, next, walk);
	walk->action = ACTION_CONTINUE;
	return err;
}

/* ---- gap_skip, gap_cut: the walker itself leaves a range unhandled ---- */

/*
 * Plain, complete ops: pmd_entry handles every pmd it is given whole (no
 * pte_entry) and pte_hole every none range, so nothing is silent by design.
 * The range no callback handles is made below the callbacks: the walker's
 * first __walk_page_range call of the run is redirected (ftrace) to
 * wct_gap_chunk(), which walks only part of that chunk.
 */
WCT_CB int wct_gap_skip_pmd_entry(pmd_t *pmd, unsigned long addr,
				  unsigned long next, struct mm_walk *walk)
{
	wct_handle_whole(pmd, addr, next, walk);
	walk->action = ACTION_CONTINUE;
	return 0;
}

WCT_CB int wct_gap_skip_pte_hole(unsigned long addr, unsigned long next,
				 int depth, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->holes++;
	wct_handle(run, addr, next);
	return 0;
}

WCT_CB int wct_gap_cut_pmd_entry(pmd_t *pmd, unsigned long addr,
				 unsigned long next, struct mm_walk *walk)
{
	wct_handle_whole(pmd, addr, next, walk);
	walk->action = ACTION_CONTINUE;
	return 0;
}

WCT_CB int wct_gap_cut_pte_hole(unsigned long addr, unsigned long next,
				int depth, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;

	run->holes++;
	wct_handle(run, addr, next);
	return 0;
}

/* ---- scenario table ---- */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define WCT_RDLOCK .walk_lock = PGWALK_RDLOCK,	/* we hold mmap_read_lock */
#else
#define WCT_RDLOCK
#endif

static const struct mm_walk_ops wct_ops[WCT_NR_SCENARIOS] = {
	[WCT_CORRECT] = {
		.pmd_entry = wct_correct_pmd_entry,
		.pte_entry = wct_correct_pte_entry,
		WCT_RDLOCK
	},
	[WCT_DOUBLE] = {
		.pmd_entry = wct_double_pmd_entry,
		.pte_entry = wct_double_pte_entry,
		WCT_RDLOCK
	},
	[WCT_RETRY] = {
		.pmd_entry = wct_retry_pmd_entry,
		WCT_RDLOCK
	},
	[WCT_RACE] = {
		.pmd_entry = wct_race_pmd_entry,
		WCT_RDLOCK
	},
	[WCT_MIXED] = {
		.pmd_entry = wct_mixed_pmd_entry,
		.pte_entry = wct_mixed_pte_entry,
		.pte_hole = wct_mixed_pte_hole,
		WCT_RDLOCK
	},
	[WCT_OVERRUN] = {
		.pmd_entry = wct_overrun_pmd_entry,
		.post_vma = wct_overrun_post_vma,
		WCT_RDLOCK
	},
	[WCT_REWALK] = {
		.pmd_entry = wct_rewalk_pmd_entry,
		WCT_RDLOCK
	},
	[WCT_GAP_SKIP] = {
		.pmd_entry = wct_gap_skip_pmd_entry,
		.pte_hole = wct_gap_skip_pte_hole,
		WCT_RDLOCK
	},
	[WCT_GAP_CUT] = {
		.pmd_entry = wct_gap_cut_pmd_entry,
		.pte_hole = wct_gap_cut_pte_hole,
		WCT_RDLOCK
	},
};

static const char *const wct_names[WCT_NR_SCENARIOS] = {
	[WCT_CORRECT] = "correct",
	[WCT_DOUBLE] = "double",
	[WCT_RETRY] = "retry",
	[WCT_RACE] = "race",
	[WCT_MIXED] = "mixed",
	[WCT_OVERRUN] = "overrun",
	[WCT_REWALK] = "rewalk",
	[WCT_GAP_SKIP] = "gap_skip",
	[WCT_GAP_CUT] = "gap_cut",
};

/* ---- the gap scenarios' redirect of __walk_page_range (ftrace) ---- */

/*
 * An ftrace_ops with IPMODIFY on __walk_page_range (as livepatch and kpatch
 * replace functions) sends the walker's first chunk call of a gap run to
 * wct_gap_chunk(), which has __walk_page_range's prototype, gets its
 * arguments unchanged and returns to the walker in its place.  Only walks
 * with the gap scenarios' ops are redirected, only once per run, and never
 * the module's own calls of the real function (run->in_gap_call).  The ops
 * is registered only while a gap scenario runs, or from load to unload with
 * gap_arm_at_load=1 (then a tracer attaches to __walk_page_range after the
 * IPMODIFY ops, the order of a live patch applied before tracing starts).
 */
#ifdef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#define WCT_HAVE_GAP 1
#else
#define WCT_HAVE_GAP 0
#endif

static bool wct_gap_ready;	/* filter set on __walk_page_range: gap runs possible */
static bool wct_gap_armed;	/* the ftrace_ops is registered */

static bool gap_arm_at_load;
module_param(gap_arm_at_load, bool, 0400);
MODULE_PARM_DESC(gap_arm_at_load,
		 "register the gap scenarios' IPMODIFY ftrace_ops on __walk_page_range at load, not per run");

static bool wct_is_gap_ops(const struct mm_walk_ops *ops)
{
	return ops == &wct_ops[WCT_GAP_SKIP] || ops == &wct_ops[WCT_GAP_CUT];
}

/* The real __walk_page_range on [start, end), let through by the handler. */
static int wct_gap_real(struct wct_run *run, unsigned long start,
			unsigned long end, struct mm_walk *walk)
{
	int err;

	run->nested++;
	run->in_gap_call = true;
	err = wct_walk_chunk(start, end, walk);
	run->in_gap_call = false;
	return err;
}

/*
 * In place of the walker's __walk_page_range(start, end, walk), with
 * m1 = the end of the first pmd of the chunk and m2 = the end of the second:
 *   gap_skip: the real function on [start, m1) and on [m2, end): the pmd
 *             [m1, m2) gets no callback, the walk goes on;
 *   gap_cut:  the real function on [start, m1) only: [m1, end) gets no
 *             callback, the walker's later chunks still run.
 * Returns what the real calls returned (0 unless a callback failed).
 */
static __used __attribute__((__noipa__)) int
wct_gap_chunk(unsigned long start, unsigned long end, struct mm_walk *walk)
{
	struct wct_run *run = walk->private;
	unsigned long m1 = pmd_addr_end(start, end);
	unsigned long m2 = pmd_addr_end(m1, end);
	int err;

	err = wct_gap_real(run, start, m1, walk);
	if (err || m1 == end)
		return err;
	if (run->scenario == WCT_GAP_SKIP && m2 < end)
		err = wct_gap_real(run, m2, end, walk);
	return err;
}

#if WCT_HAVE_GAP
/* ftrace callbacks take struct ftrace_regs since 5.11; 5.10 passes pt_regs */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
static void notrace wct_ftrace_handler(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *op,
				       struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
#else
static void notrace wct_ftrace_handler(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *op, struct pt_regs *regs)
{
#endif
	struct mm_walk *walk;
	struct wct_run *run;

	if (!regs)
		return;
	/* __walk_page_range(start, end, walk): the third argument */
	walk = (struct mm_walk *)regs_get_kernel_argument(regs, 2);
	if (!walk || !wct_is_gap_ops(READ_ONCE(walk->ops)))
		return;
	run = walk->private;	/* the gap ops are only ever used with a run */
	if (run->in_gap_call || run->redirects)
		return;
	run->redirects++;
	instruction_pointer_set(regs, (unsigned long)wct_gap_chunk);
}

static struct ftrace_ops wct_fops = {
	.func = wct_ftrace_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

/* Filter the ops on __walk_page_range only (before any register). */
static void wct_gap_init(void)
{
	int err;

	if (!wct_walk_chunk)
		return;
	err = ftrace_set_filter_ip(&wct_fops, (unsigned long)wct_walk_chunk, 0, 0);
	if (err) {
		pr_warn("wc_testmod: ftrace_set_filter_ip(__walk_page_range) failed (%d): no gap scenarios\n",
			err);
		return;
	}
	wct_gap_ready = true;
}

static int wct_gap_arm(void)
{
	int err = register_ftrace_function(&wct_fops);

	if (err)
		pr_err("wc_testmod: register_ftrace_function (IPMODIFY on __walk_page_range) failed: %d\n",
		       err);
	else
		wct_gap_armed = true;
	return err;
}

static void wct_gap_disarm(void)
{
	int err = unregister_ftrace_function(&wct_fops);

	if (err)
		pr_err("wc_testmod: unregister_ftrace_function failed: %d\n", err);
	wct_gap_armed = false;
}

static void wct_gap_exit(void)
{
	if (wct_gap_armed)
		wct_gap_disarm();
	if (wct_gap_ready) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
		ftrace_free_filter(&wct_fops);
#else
		/* 5.10 does not export ftrace_free_filter: take the one ip out */
		ftrace_set_filter_ip(&wct_fops, (unsigned long)wct_walk_chunk, 1, 0);
#endif
	}
	wct_gap_ready = false;
}
#else
static void wct_gap_init(void) { }
static void wct_gap_exit(void) { }
static int wct_gap_arm(void) { return -EOPNOTSUPP; }
static void wct_gap_disarm(void) { }
#endif

static bool wct_is_gap(enum wct_scenario s)
{
	return s == WCT_GAP_SKIP || s == WCT_GAP_CUT;
}

static void wct_free_run(struct wct_run *run)
{
	kvfree(run->handled);
	kvfree(run->pmd_flags);
	kvfree(run->pmd_visits);
}

static int wct_alloc_run(struct wct_run *run)
{
	run->nr_pages = (run->end - run->start) >> PAGE_SHIFT;
	run->nr_pmds = wct_pmd_slot(run, run->end - 1) + 1;
	run->handled = kvcalloc(BITS_TO_LONGS(run->nr_pages),
				sizeof(unsigned long), GFP_KERNEL);
	run->pmd_flags = kvcalloc(run->nr_pmds, sizeof(u8), GFP_KERNEL);
	run->pmd_visits = kvcalloc(run->nr_pmds, sizeof(u32), GFP_KERNEL);
	if (!run->handled || !run->pmd_flags || !run->pmd_visits) {
		wct_free_run(run);
		return -ENOMEM;
	}
	run->cursor = run->start;
	return 0;
}

/* The maximal runs of pages no callback handled: count, and the first. */
static void wct_find_gaps(struct wct_run *run)
{
	unsigned long p = 0, q;

	while ((p = find_next_zero_bit(run->handled, run->nr_pages, p)) < run->nr_pages) {
		q = find_next_bit(run->handled, run->nr_pages, p);
		if (!run->gaps++) {
			run->gap_start = run->start + (p << PAGE_SHIFT);
			run->gap_end = run->start + (q << PAGE_SHIFT);
		}
		p = q;
	}
}

/* Run one walk of current->mm and format the result line. */
static void wct_run_walk(struct wct_run *run)
{
	struct mm_struct *mm = current->mm;
	unsigned long covered;

	mmap_read_lock(mm);
	run->ret = wct_walk_page_range(mm, run->start, run->end,
				       &wct_ops[run->scenario], run);
	mmap_read_unlock(mm);
	if (!run->ret)
		run->ret = run->ret_nested;	/* post_vma cannot return it */

	covered = bitmap_weight(run->handled, run->nr_pages);
	run->uncovered_bytes = (run->nr_pages - covered) << PAGE_SHIFT;
	wct_find_gaps(run);

	snprintf(wct_result, sizeof(wct_result),
		 "scenario=%s walks=1 ret=%d handled_bytes=%lu doubles=%lu retries=%lu splits_seen=%lu pmd_huge=%lu pte=%lu holes=%lu pmd_calls=%lu uncovered_bytes=%lu order_errors=%lu nested=%lu start=0x%lx end=0x%lx k=%lu redirects=%lu gaps=%lu gap_start=0x%lx gap_end=0x%lx\n",
		 wct_names[run->scenario], run->ret, run->handled_bytes,
		 run->doubles, run->retries, run->splits_seen, run->pmd_huge,
		 run->pte, run->holes, run->pmd_calls, run->uncovered_bytes,
		 run->order_errors, run->nested, run->start, run->end, run->k,
		 run->redirects, run->gaps, run->gap_start, run->gap_end);
}

/* Parse "SCENARIO START LEN [K]" (numbers decimal or 0x-hex). */
static int wct_parse(char *line, struct wct_run *run)
{
	char *words[5];
	unsigned long start, len;
	int n = 0, i;
	char *w;

	while ((w = strsep(&line, " \t\n")) != NULL) {
		if (!*w)
			continue;
		if (n == ARRAY_SIZE(words))
			return -EINVAL;
		words[n++] = w;
	}
	if (n < 3 || n > 4)
		return -EINVAL;

	for (i = 0; i < WCT_NR_SCENARIOS; i++)
		if (!strcmp(words[0], wct_names[i]))
			break;
	if (i == WCT_NR_SCENARIOS)
		return -EINVAL;
	run->scenario = i;

	if (kstrtoul(words[1], 0, &start) || kstrtoul(words[2], 0, &len))
		return -EINVAL;
	run->k = run->scenario == WCT_RETRY ? 1 : 0;
	if (n == 4 && kstrtoul(words[3], 0, &run->k))
		return -EINVAL;
	if (run->k > WCT_MAX_K)
		return -EINVAL;

	if (!len || len > WCT_MAX_LEN || !PAGE_ALIGNED(start) ||
	    !PAGE_ALIGNED(len) || start + len < start ||
	    start + len > TASK_SIZE)
		return -EINVAL;
	run->start = start;
	run->end = start + len;
	return 0;
}

static ssize_t wct_run_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct wct_run run = {};
	char buf[128];
	bool arm;
	int err;

	if (!current->mm)
		return -EINVAL;
	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	err = wct_parse(buf, &run);
	if (err)
		return err;
	if ((run.scenario == WCT_OVERRUN || run.scenario == WCT_REWALK) &&
	    !wct_walk_chunk)
		return -ENOENT;	/* loaded without walk_chunk_addr */
	if (wct_is_gap(run.scenario) && !wct_gap_ready)
		return -ENOENT;	/* no walk_chunk_addr, or no ftrace filter on it */

	mutex_lock(&wct_lock);
	err = wct_alloc_run(&run);
	/* per run unless armed at load (gap_arm_at_load) */
	arm = !err && wct_is_gap(run.scenario) && !wct_gap_armed;
	if (arm) {
		err = wct_gap_arm();
		if (err)
			wct_free_run(&run);
	}
	if (!err) {
		wct_run_walk(&run);
		if (arm)
			wct_gap_disarm();
		wct_free_run(&run);
	}
	mutex_unlock(&wct_lock);
	return err ? err : count;
}

static ssize_t wct_result_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[sizeof(wct_result)];
	size_t len;

	mutex_lock(&wct_lock);
	len = strscpy(buf, wct_result, sizeof(buf));
	mutex_unlock(&wct_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* "waiting" while the race scenario's pmd_entry waits for a split. */
static ssize_t wct_state_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	const char *s = atomic_read(&wct_waiting) ? "waiting\n" : "idle\n";

	return simple_read_from_buffer(ubuf, count, ppos, s, strlen(s));
}

static const struct file_operations wct_run_fops = {
	.owner = THIS_MODULE,
	.write = wct_run_write,
	.llseek = noop_llseek,
};

static const struct file_operations wct_result_fops = {
	.owner = THIS_MODULE,
	.read = wct_result_read,
	.llseek = default_llseek,
};

static const struct file_operations wct_state_fops = {
	.owner = THIS_MODULE,
	.read = wct_state_read,
	.llseek = default_llseek,
};

/*
 * The address must name the function `want` (else -EINVAL).  With IBT
 * enforced, a function that is only called directly has its ENDBR sealed
 * and an indirect call into it faults, so refuse (-EPERM) rather than oops.
 */
static int wct_check_target(unsigned long addr, const char *want)
{
	char name[KSYM_NAME_LEN + 32];

	snprintf(name, sizeof(name), "%ps", (void *)addr);
	if (strcmp(name, want)) {
		pr_err("wc_testmod: address 0x%lx is %s, not %s\n",
		       addr, name, want);
		return -EINVAL;
	}
#if defined(CONFIG_X86_KERNEL_IBT)
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		u32 insn;

		memcpy(&insn, (void *)addr, sizeof(insn));
		if (insn != 0xfa1e0ff3) {	/* endbr64 */
			pr_err("wc_testmod: IBT is on and %s has no ENDBR: cannot call it indirectly\n",
			       want);
			return -EPERM;
		}
	}
#endif
	return 0;
}

static int __init wct_init(void)
{
	int err;

	if (!walk_page_range_addr) {
		pr_err("wc_testmod: walk_page_range_addr=ADDR is required (from /proc/kallsyms)\n");
		return -EINVAL;
	}
	err = wct_check_target(walk_page_range_addr, "walk_page_range");
	if (err)
		return err;
	wct_walk_page_range = (wct_walk_fn)walk_page_range_addr;
	if (walk_chunk_addr) {
		err = wct_check_target(walk_chunk_addr, "__walk_page_range");
		/* static, so sealed under IBT: only overrun and rewalk are lost */
		if (err && err != -EPERM)
			return err;
		if (!err)
			wct_walk_chunk = (wct_chunk_fn)walk_chunk_addr;
	}
	wct_gap_init();
	if (gap_arm_at_load && wct_gap_ready) {
		err = wct_gap_arm();
		if (err) {
			wct_gap_exit();
			return err;
		}
	}

	wct_dir = debugfs_create_dir("wc_testmod", NULL);
	if (IS_ERR_OR_NULL(wct_dir)) {
		pr_err("wc_testmod: cannot create debugfs directory (is debugfs available?)\n");
		wct_gap_exit();
		return -ENODEV;
	}
	debugfs_create_file("run", 0200, wct_dir, NULL, &wct_run_fops);
	debugfs_create_file("result", 0400, wct_dir, NULL, &wct_result_fops);
	debugfs_create_file("state", 0400, wct_dir, NULL, &wct_state_fops);
	pr_info("wc_testmod: loaded, walk_page_range at %pS%s\n",
		(void *)walk_page_range_addr,
		!wct_gap_ready ? "" :
		wct_gap_armed ? ", gap scenarios ready (ftrace_ops registered)" :
		", gap scenarios ready");
	return 0;
}

static void __exit wct_exit(void)
{
	/* no run is active (debugfs files gone, the mutex free): unregistered */
	debugfs_remove_recursive(wct_dir);
	mutex_lock(&wct_lock);
	wct_gap_exit();
	mutex_unlock(&wct_lock);
}

module_init(wct_init);
module_exit(wct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("walkcov ground-truth page-walk test module");
