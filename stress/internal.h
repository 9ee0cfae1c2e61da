/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What the files of stress/ share: the memory layout, the run's context,
 * the units (walkers and splitters) and each file's entry points. */
#ifndef WALKCOV_STRESS_INTERNAL_H
#define WALKCOV_STRESS_INTERNAL_H

#include <errno.h>
#include <linux/fs.h>
#include <linux/types.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include "stress.h"

#ifndef PAGEMAP_SCAN
/* uapi of linux/fs.h since 6.7 */
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#define PAGE_IS_HUGE (1 << 6)
#endif

/* The running kernel's geometry: its page size, and a pmd maps a pte
 * table's worth of pages, a page of 8-byte entries (4 KiB pages: 2 MiB
 * pmds; arm64 16K: 32 MiB). */
static inline unsigned long stress_page_size(void)
{
	static unsigned long pg;

	if (!pg)
		pg = (unsigned long)sysconf(_SC_PAGESIZE);
	return pg;
}
#define PG stress_page_size()
#define PMD_SZ (PG * (PG / 8))
#define PAGES_PER_PMD (PMD_SZ / PG)
#define RETRY_PMDS 4			/* the measured trigger: a VMA of exactly 4 PMDs */
#define RETRY_LEN (RETRY_PMDS * PMD_SZ)
#define MAX_SCAN_REGIONS 64
#define MAX_PAGEMAP_ENTRIES 4096
#define TEXT 160

/* Result of one operation: done, failed in a documented transient way
 * (counted as "busy"), or failed unexpectedly (-errno). */
enum { OP_OK = 0, OP_BUSY = 1 };

enum kind { WALKER, SPLITTER };

struct ctx;

/* One thread's private state. */
struct worker {
	struct ctx *c;
	uint64_t rng;
	char *buf;
	size_t buflen;
	const char *errop;	/* what failed, for the first-error text */
	int busy_errno;		/* errno of a "busy" result */
};

struct unit_desc {
	const char *name;
	enum kind kind;
	const char *reaches;	/* the kernel path, for --list */
	/* 0: present; 1: missing, why says so. May write a note. */
	int (*probe)(struct ctx *c, char *why, char *note);
	int (*op)(struct worker *w);
	bool exclusive;		/* one thread at a time: it writes memory it owns */
	/* splitters: busy at most duty percent of the time (0 means 100), so
	 * that on slow guests (TCG) the walkers still get the CPU and the
	 * mmap lock */
	unsigned int duty;
	unsigned int weight;	/* walkers: calls per round (0 means 1) */
	bool timing;		/* what it does depends on timing (another process,
				 * khugepaged, the rmap): not in a seeded run */
	/* the census rows (mm_walk_ops callbacks) it reaches beyond the
	 * process's start-up, as tests/vm/census.sh measured them, comma-
	 * separated; "a|b": a on newer kernels, b on older; NULL: none */
	const char *callbacks;
};

struct unit {
	const struct unit_desc *d;
	bool enabled;
	bool present;
	char why[TEXT];
	char note[TEXT];
	atomic_flag busy;
	atomic_ulong calls, errors, soft;
	atomic_ullong ns;	/* time spent in the operation */
	atomic_bool have_err, have_busy;
	char first_err[TEXT];
	char first_busy[TEXT];	/* what the first "busy" result was */
};

struct region {
	char *base;
	size_t len;
};

struct ctx {
	const struct stress_opts *o;
	size_t size;		/* main arena: --size in whole pmds, at least STRESS_MIN_PMDS */

	/* memory: one PROT_NONE reservation holding the arenas, with gaps so
	 * that the arenas never merge into one VMA */
	char *resv;
	size_t resv_len;
	struct region main;	/* --size bytes, slots of one PMD each */
	struct region retry;	/* exactly RETRY_PMDS PMDs */
	struct region all;	/* main .. retry end, gap included */
	size_t nslots;
	int pagemap_fd;
	pid_t pid;

	atomic_bool stop;
	struct unit *units;
	size_t nunits;

	char thp_enabled[32];	/* "always", "madvise", "never" or "" */
	char thp_note[TEXT];
	bool soft_dirty;
	long ahp_formed;	/* AnonHugePages kB right after the first touch */
	size_t mlock_max;	/* largest mlock window RLIMIT_MEMLOCK allows */
};

/* Slots of the main arena: 0 belongs to the mprotect splitter, 1 to the
 * guard walker, the last one to the mlock walker; the rest are shared by
 * the splitters that write. Walkers that reject VM_LOCKED memory (COLD,
 * PAGEOUT, FREE, guard install) stay out of the mlock slot. */
#define SLOT_MPROTECT 0
#define SLOT_GUARD 1
#define SLOT_SHARED0 2

static inline char *slot_addr(struct ctx *c, size_t i)
{
	return c->main.base + i * PMD_SZ;
}

static inline size_t slot_mlock(struct ctx *c)
{
	return c->nslots - 1;
}

static inline size_t nshared(struct ctx *c)
{
	return c->nslots - 3;
}

static inline uint64_t rnd(struct worker *w, uint64_t n)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return n ? (w->rng * 0x2545F4914F6CDD1DULL) % n : 0;
}

/* Arena stores are atomic: several threads write the same bytes on purpose. */
static inline void poke(char *p)
{
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
}

static inline int fail(struct worker *w, const char *what)
{
	w->errop = what;
	return -errno;
}

/* Closes fd and returns ret with errno as it was (the caller's error). */
static inline long close_with(int fd, long ret)
{
	int e = errno;

	close(fd);
	errno = e;
	return ret;
}

/* An expected transient failure (counted as busy). */
static inline int busy(struct worker *w, const char *what)
{
	w->errop = what;
	w->busy_errno = errno;
	return OP_BUSY;
}

/* walkers.c: the walker units, and the calls the probes share */
int w_smaps(struct worker *w);
int w_smaps_rollup(struct worker *w);
int w_numa_maps(struct worker *w);
int w_pagemap(struct worker *w);
int w_clear_refs(struct worker *w);
int w_mincore(struct worker *w);
int w_mlock(struct worker *w);
int w_mbind(struct worker *w);
int w_migrate_pages(struct worker *w);
int w_willneed(struct worker *w);
int w_cold(struct worker *w);
int w_pageout(struct worker *w);
int w_free(struct worker *w);
int w_pagemap_scan(struct worker *w);
int w_guard(struct worker *w);
int mbind_region(const struct region *r);
long migrate_1_to_0(void);
int pagemap_scan(int fd, char *p, size_t len, void *vec, size_t vec_len);

/* splitters.c: the splitter units, and the calls the others share */
int s_zap_partial(struct worker *w);
int s_zap_tail(struct worker *w);
int s_mprotect(struct worker *w);
int s_fork_cow(struct worker *w);
int s_collapse(struct worker *w);
int s_debugfs_split(struct worker *w);
int reform_thp(struct worker *w, char *slot);
extern const char split_knob[];
int split_via_debugfs(struct ctx *c, char *start, char *end);

/* probes.c: does this kernel have the unit? (see struct unit_desc) */
int p_smaps(struct ctx *c, char *why, char *note);
int p_smaps_rollup(struct ctx *c, char *why, char *note);
int p_numa_maps(struct ctx *c, char *why, char *note);
int p_pagemap(struct ctx *c, char *why, char *note);
int p_clear_refs(struct ctx *c, char *why, char *note);
int p_mincore(struct ctx *c, char *why, char *note);
int p_mlock(struct ctx *c, char *why, char *note);
int p_mbind(struct ctx *c, char *why, char *note);
int p_migrate_pages(struct ctx *c, char *why, char *note);
int p_willneed(struct ctx *c, char *why, char *note);
int p_cold(struct ctx *c, char *why, char *note);
int p_pageout(struct ctx *c, char *why, char *note);
int p_free(struct ctx *c, char *why, char *note);
int p_pagemap_scan(struct ctx *c, char *why, char *note);
int p_guard(struct ctx *c, char *why, char *note);
int p_thp_splitter(struct ctx *c, char *why, char *note);
int p_collapse(struct ctx *c, char *why, char *note);
int p_debugfs_split(struct ctx *c, char *why, char *note);

/* units.c: the table, and the selection by --only/--skip */
int units_init(struct ctx *c);
bool runnable(const struct unit *u);

/* memory.c: the arenas and what the kernel says about THPs */
extern const char *const vmstat_keys[];
#define NVMSTAT 4
void read_thp_state(struct ctx *c);
int map_arenas(struct ctx *c);
long anon_huge_kb(struct ctx *c);
void read_vmstat(long long *out);
ssize_t slurp(const char *path, char *buf, size_t len);

/* output.c: --list and the summary, as text or JSON */
struct summary {
	long long vm0[NVMSTAT], vm1[NVMSTAT];	/* vmstat at start and end */
	long ahp0, ahp1;			/* AnonHugePages kB at start and end */
	bool ok;
};
void print_list(struct ctx *c);
void print_summary(struct ctx *c, const struct summary *s);
void print_failures(struct ctx *c);

#endif
