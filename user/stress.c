// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov stress: for a while, drive every page-table walker that user space
 * can reach (reader threads) while other threads split and re-form THPs
 * under them (splitter threads). Each walker and splitter is a "unit" with a
 * probe that says whether this kernel has it; the summary lists every unit
 * with its counts. See docs/stress.md for what reaches which kernel code. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/fs.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "stress.h"

/* Constants newer than Debian 12's headers. */
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
/* <numaif.h> is libnuma's; the two values are stable uapi. */
#define WC_MPOL_BIND 2
#define WC_MPOL_MF_MOVE (1 << 1)

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

/* x86-64: 4 KiB pages, 2 MiB PMDs. */
#define PG 4096UL
#define PMD_SZ (2UL << 20)
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
};

struct unit {
	const struct unit_desc *d;
	bool enabled;
	bool probed, present;
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
	/* options */
	double duration;
	int threads;
	size_t size;
	bool quiet, json, list;
	const char *only, *skip;

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

static char *slot_addr(struct ctx *c, size_t i)
{
	return c->main.base + i * PMD_SZ;
}

static size_t slot_mlock(struct ctx *c)
{
	return c->nslots - 1;
}

static size_t nshared(struct ctx *c)
{
	return c->nslots - 3;
}

/* ---- small helpers ---- */

static uint64_t rnd(struct worker *w, uint64_t n)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return n ? (w->rng * 0x2545F4914F6CDD1DULL) % n : 0;
}

/* Arena stores are atomic: several threads write the same bytes on purpose. */
static void poke(char *p)
{
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
}

/* Raw syscalls: sanitizers intercept mlock (ASan makes it a no-op). */
static int sys_madvise(void *p, size_t len, int advice)
{
	return syscall(SYS_madvise, p, len, advice) ? -1 : 0;
}

static int fail(struct worker *w, const char *what)
{
	w->errop = what;
	return -errno;
}

/* An expected transient failure (counted as busy). */
static int busy(struct worker *w, const char *what)
{
	w->errop = what;
	w->busy_errno = errno;
	return OP_BUSY;
}

/* A random page-aligned window of 1 page to max_len inside [base, base+len). */
static void pick_window(struct worker *w, char *base, size_t len, size_t max_len,
			char **p, size_t *n)
{
	size_t pages = len / PG, maxp = max_len / PG;
	size_t first = rnd(w, pages);
	size_t cnt = 1 + rnd(w, maxp < pages - first ? maxp : pages - first);

	*p = base + first * PG;
	*n = cnt * PG;
}

/* Range of the madvise walkers: main arena minus the mlock slot, or the
 * retry VMA. */
static void pick_madvise_range(struct worker *w, char **p, size_t *n)
{
	struct ctx *c = w->c;

	if (rnd(w, 3) == 0)
		pick_window(w, c->retry.base, c->retry.len, 2 * PMD_SZ, p, n);
	else
		pick_window(w, c->main.base, slot_mlock(c) * PMD_SZ, 2 * PMD_SZ, p, n);
}

/* Range of the read-only walkers: main, retry, or both with the gap. */
static const struct region *pick_region(struct worker *w)
{
	struct ctx *c = w->c;

	switch (rnd(w, 3)) {
	case 0: return &c->main;
	case 1: return &c->retry;
	default: return &c->all;
	}
}

static int read_whole(struct worker *w, const char *path)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(w, "open");
	while ((n = read(fd, w->buf, w->buflen)) > 0)
		;
	if (n < 0) {
		n = -errno;
		close(fd);
		w->errop = "read";
		return n;
	}
	close(fd);
	return OP_OK;
}

/* Read a small file (sysfs, procfs) into buf; returns bytes or -1. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, tot = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)tot < len - 1 && (n = read(fd, buf + tot, len - 1 - tot)) > 0)
		tot += n;
	close(fd);
	buf[tot] = 0;
	return tot;
}

/* ---- walkers ---- */

static int w_smaps(struct worker *w)
{
	return read_whole(w, "/proc/self/smaps");
}

static int w_smaps_rollup(struct worker *w)
{
	return read_whole(w, "/proc/self/smaps_rollup");
}

static int w_numa_maps(struct worker *w)
{
	return read_whole(w, "/proc/self/numa_maps");
}

/* Entry counts chosen to start and end inside and across PMDs. */
static const size_t pagemap_chunks[] = { 1, 3, 64, 511, 512, 513, 1000, MAX_PAGEMAP_ENTRIES };

static int w_pagemap(struct worker *w)
{
	const struct region *r = pick_region(w);
	size_t pages = r->len / PG;
	size_t n = pagemap_chunks[rnd(w, sizeof(pagemap_chunks) / sizeof(pagemap_chunks[0]))];
	size_t first;
	off_t off;

	if (n > pages)
		n = pages;
	first = rnd(w, pages - n + 1);
	off = (off_t)(((uintptr_t)r->base / PG + first) * 8);
	if (pread(w->c->pagemap_fd, w->buf, n * 8, off) < 0)
		return fail(w, "pread");
	return OP_OK;
}

static int w_clear_refs(struct worker *w)
{
	/* 1 all, 2 anon, 3 file, 4 soft-dirty walk the page tables; 5 (reset
	 * the RSS high-water mark) does not and is written only now and then. */
	static const char *vals[] = { "1", "2", "3", "4", "1", "2", "4", "5" };
	const char *v = vals[rnd(w, 8)];
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(w, "open");
	if (write(fd, v, 1) != 1) {
		int e = fail(w, "write");

		close(fd);
		return e;
	}
	close(fd);
	return OP_OK;
}

static int w_mincore(struct worker *w)
{
	const struct region *r = pick_region(w);

	if (mincore(r->base, r->len, (unsigned char *)w->buf))
		return fail(w, "mincore");
	return OP_OK;
}

static int w_mlock(struct worker *w)
{
	struct ctx *c = w->c;
	char *slot = slot_addr(c, slot_mlock(c)), *p;
	size_t n;

	pick_window(w, slot, PMD_SZ, c->mlock_max, &p, &n);
	if (syscall(SYS_mlock, p, n)) {
		if (errno == EAGAIN)
			return busy(w, "mlock");
		return fail(w, "mlock");
	}
	if (syscall(SYS_munlock, p, n))
		return fail(w, "munlock");
	/* now and then, let a new THP form in the slot */
	if (rnd(w, 8) == 0) {
		if (sys_madvise(slot, PMD_SZ, MADV_DONTNEED))
			return fail(w, "madvise(DONTNEED)");
		poke(slot);
	}
	return OP_OK;
}

static int mbind_region(const struct region *r)
{
	unsigned long node0 = 1;

	return syscall(SYS_mbind, r->base, r->len, WC_MPOL_BIND, &node0,
		       8 * sizeof(node0), WC_MPOL_MF_MOVE) ? -1 : 0;
}

static int w_mbind(struct worker *w)
{
	/* Whole arenas only: a partial range would split VMAs for good. */
	if (mbind_region(rnd(w, 2) ? &w->c->main : &w->c->retry))
		return fail(w, "mbind");
	return OP_OK;
}

static long migrate_1_to_0(void)
{
	/* From node 1 to node 0: do_migrate_pages() skips a node that maps to
	 * itself (0 to 0 walks nothing), but node 1 -> 0 runs
	 * migrate_to_node(), whose queue_pages_range() walks the whole mm
	 * even when node 1 does not exist. */
	unsigned long from = 1UL << 1, to = 1UL << 0;

	return syscall(SYS_migrate_pages, 0, 8 * sizeof(from), &from, &to);
}

static int w_migrate_pages(struct worker *w)
{
	if (migrate_1_to_0() < 0)
		return fail(w, "migrate_pages");
	return OP_OK;
}

static int madvise_walker(struct worker *w, int advice, const char *what)
{
	char *p;
	size_t n;

	pick_madvise_range(w, &p, &n);
	if (sys_madvise(p, n, advice))
		return fail(w, what);
	return OP_OK;
}

static int w_willneed(struct worker *w)
{
	return madvise_walker(w, MADV_WILLNEED, "madvise(WILLNEED)");
}

static int w_cold(struct worker *w)
{
	return madvise_walker(w, MADV_COLD, "madvise(COLD)");
}

static int w_pageout(struct worker *w)
{
	return madvise_walker(w, MADV_PAGEOUT, "madvise(PAGEOUT)");
}

static int w_free(struct worker *w)
{
	return madvise_walker(w, MADV_FREE, "madvise(FREE)");
}

static int pagemap_scan(int fd, char *p, size_t len, void *vec, size_t vec_len)
{
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = (uintptr_t)p,
		.end = (uintptr_t)p + len,
		.vec = (uintptr_t)vec,
		.vec_len = vec_len,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE |
			       PAGE_IS_PFNZERO | PAGE_IS_FILE,
	};

	return ioctl(fd, PAGEMAP_SCAN, &a) < 0 ? -1 : 0;
}

static int w_pagemap_scan(struct worker *w)
{
	const struct region *r = pick_region(w);
	char *p;
	size_t n;

	/* a small vector so that some scans stop early when it fills */
	pick_window(w, r->base, r->len, r->len, &p, &n);
	if (pagemap_scan(w->c->pagemap_fd, p, n, w->buf, 1 + rnd(w, MAX_SCAN_REGIONS)))
		return fail(w, "ioctl(PAGEMAP_SCAN)");
	return OP_OK;
}

static int w_guard(struct worker *w)
{
	char *slot = slot_addr(w->c, SLOT_GUARD), *p;
	size_t n;

	pick_window(w, slot, PMD_SZ, 64 * PG, &p, &n);
	if (sys_madvise(p, n, MADV_GUARD_INSTALL)) {
		if (errno == EAGAIN || errno == EINTR)
			return busy(w, "madvise(GUARD_INSTALL)");
		return fail(w, "madvise(GUARD_INSTALL)");
	}
	/* Remove over the whole slot, so that no marker is left behind when
	 * the pages are touched again (touching one is a SIGSEGV). */
	if (sys_madvise(slot, PMD_SZ, MADV_GUARD_REMOVE))
		return fail(w, "madvise(GUARD_REMOVE)");
	for (size_t off = 0; off < n; off += PG)
		poke(p + off);
	if (rnd(w, 16) == 0) {
		if (sys_madvise(slot, PMD_SZ, MADV_DONTNEED))
			return fail(w, "madvise(DONTNEED)");
		poke(slot);
	}
	return OP_OK;
}

/* ---- splitters ---- */

static char *shared_slot(struct worker *w)
{
	return slot_addr(w->c, SLOT_SHARED0 + rnd(w, nshared(w->c)));
}

/* Partial zap of one 4 KiB page of a THP, then a write to refault it; now
 * and then a whole-PMD zap and a write, so that a new THP forms. */
static int s_zap_partial(struct worker *w)
{
	char *slot = shared_slot(w), *p = slot + (1 + rnd(w, PAGES_PER_PMD - 1)) * PG;

	if (rnd(w, 8) == 0) {
		if (sys_madvise(slot, PMD_SZ, MADV_DONTNEED))
			return fail(w, "madvise(DONTNEED)");
		poke(slot);
		return OP_OK;
	}
	if (sys_madvise(p, PG, MADV_DONTNEED))
		return fail(w, "madvise(DONTNEED)");
	poke(p);
	return OP_OK;
}

/* The measured retry trigger: zap the last PMD of a 4-PMD VMA, refault it. */
static int s_zap_tail(struct worker *w)
{
	char *p = w->c->retry.base + RETRY_LEN - PMD_SZ;

	if (sys_madvise(p, PMD_SZ, MADV_DONTNEED))
		return fail(w, "madvise(DONTNEED)");
	poke(p);
	return OP_OK;
}

/* mprotect of one 4 KiB page inside a THP splits the pmd (and the VMA);
 * flipping it back merges the VMA again. Every 4th round re-forms the THP. */
static int s_mprotect(struct worker *w)
{
	char *slot = slot_addr(w->c, SLOT_MPROTECT), *p = slot + PG;

	if (mprotect(p, PG, PROT_READ))
		return fail(w, "mprotect(READ)");
	if (mprotect(p, PG, PROT_READ | PROT_WRITE))
		return fail(w, "mprotect(READ|WRITE)");
	if (rnd(w, 4) == 0) {
		if (sys_madvise(slot, PMD_SZ, MADV_DONTNEED))
			return fail(w, "madvise(DONTNEED)");
		poke(slot);
	}
	return OP_OK;
}

/* fork, then both sides write into a THP the other still maps: the
 * parent's write splits its huge pmd (copy-on-write of a THP falls back to
 * ptes), the child's splits the child's. */
static int s_fork_cow(struct worker *w)
{
	char *slot = shared_slot(w);
	char *mine = slot + rnd(w, PAGES_PER_PMD) * PG;
	char *childs = slot + rnd(w, PAGES_PER_PMD) * PG;
	int fds[2], st;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return fail(w, "pipe2");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		errno = e;
		if (e == EAGAIN || e == ENOMEM)
			return busy(w, "fork");
		return fail(w, "fork");
	}
	if (pid == 0) {
		char ch;

		/* async-signal-safe only: a store, a read, _exit */
		close(fds[1]);
		poke(childs);
		while (read(fds[0], &ch, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	poke(mine);
	close(fds[1]);		/* lets the child exit */
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return fail(w, "waitpid");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		errno = ECHILD;
		return fail(w, "child");
	}
	return OP_OK;
}

/* Re-forms THPs in the shared slots and in the retry VMA. Kernels without
 * page-table reclaim on zap (before 6.14) keep the empty pte table after a
 * whole-PMD MADV_DONTNEED, so there the refault maps 4 KiB pages and only
 * a collapse gives zap_tail a huge pmd to zap again. */
static int s_collapse(struct worker *w)
{
	struct ctx *c = w->c;
	size_t i = rnd(w, nshared(c) + RETRY_PMDS);
	char *p = i < nshared(c) ? slot_addr(c, SLOT_SHARED0 + i)
				 : c->retry.base + (i - nshared(c)) * PMD_SZ;

	if (sys_madvise(p, PMD_SZ, MADV_COLLAPSE)) {
		/* Documented results for "not now": cannot allocate (ENOMEM), page
		 * busy (EAGAIN, EBUSY) and, once the probe has shown the kernel
		 * has MADV_COLLAPSE, EINVAL for a range that changed under the
		 * collapse (a racing zap leaves a none pmd or pte). */
		if (errno == EAGAIN || errno == ENOMEM || errno == EBUSY || errno == EINVAL)
			return busy(w, "madvise(COLLAPSE)");
		return fail(w, "madvise(COLLAPSE)");
	}
	return OP_OK;
}

static const char split_knob[] = "/sys/kernel/debug/split_huge_pages";

static int split_via_debugfs(struct ctx *c, char *start, char *end)
{
	char cmd[96];
	int n, fd = open(split_knob, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	n = snprintf(cmd, sizeof(cmd), "%d,0x%lx,0x%lx", (int)c->pid,
		     (unsigned long)start, (unsigned long)end);
	r = write(fd, cmd, n);
	if (r < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

static int s_debugfs_split(struct worker *w)
{
	struct ctx *c = w->c;

	if (split_via_debugfs(c, c->all.base, c->all.base + c->all.len))
		return fail(w, "write(split_huge_pages)");
	return OP_OK;
}

/* ---- probes ---- */

#define WHY(...) (snprintf(why, TEXT, __VA_ARGS__), 1)

static int probe_file(const char *path, int mode, char *why, const char *needs)
{
	if (access(path, mode) == 0)
		return 0;
	if (errno == ENOENT)
		return WHY("no %s (%s)", path, needs);
	return WHY("%s: %s", path, strerror(errno));
}

static int p_smaps(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/smaps", R_OK, why, "needs CONFIG_PROC_PAGE_MONITOR");
}

static int p_smaps_rollup(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/smaps_rollup", R_OK, why, "needs 4.14 and CONFIG_PROC_PAGE_MONITOR");
}

static int p_numa_maps(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/numa_maps", R_OK, why, "needs CONFIG_NUMA");
}

static int p_pagemap(struct ctx *c, char *why, char *note)
{
	uint64_t e;

	(void)note;
	if (c->pagemap_fd < 0)
		return WHY("cannot open /proc/self/pagemap (needs CONFIG_PROC_PAGE_MONITOR)");
	if (pread(c->pagemap_fd, &e, 8, (off_t)((uintptr_t)c->main.base / PG * 8)) != 8)
		return WHY("pread(/proc/self/pagemap): %s", strerror(errno));
	return 0;
}

static int p_clear_refs(struct ctx *c, char *why, char *note)
{
	if (!c->soft_dirty)
		snprintf(note, TEXT, "no CONFIG_MEM_SOFT_DIRTY: '4' walks but clears no soft-dirty bit");
	return probe_file("/proc/self/clear_refs", W_OK, why, "needs CONFIG_PROC_PAGE_MONITOR");
}

static int p_mincore(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (mincore(c->main.base, PG, (unsigned char[1]){ 0 }))
		return WHY("mincore: %s", strerror(errno));
	return 0;
}

static int p_mlock(struct ctx *c, char *why, char *note)
{
	char *slot = slot_addr(c, slot_mlock(c));
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 2 * PMD_SZ && geteuid() == 0) {
		rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			snprintf(note, TEXT, "raised RLIMIT_MEMLOCK to unlimited");
	}
	/* without CAP_IPC_LOCK, lock smaller windows under a small limit */
	c->mlock_max = PMD_SZ;
	if (geteuid() != 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < PMD_SZ) {
		c->mlock_max = rl.rlim_cur / PG * PG;
		snprintf(note, TEXT, "RLIMIT_MEMLOCK %llu KiB: windows of at most %zu pages",
			 (unsigned long long)rl.rlim_cur / 1024, c->mlock_max / PG);
	}
	if (c->mlock_max < PG || syscall(SYS_mlock, slot, c->mlock_max)) {
		int e = c->mlock_max < PG ? ENOMEM : errno;

		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && (e == ENOMEM || e == EPERM))
			return WHY("mlock: %s (RLIMIT_MEMLOCK %llu KiB, not root)", strerror(e),
				   (unsigned long long)rl.rlim_cur / 1024);
		return WHY("mlock: %s", strerror(e));
	}
	if (syscall(SYS_munlock, slot, c->mlock_max))
		return WHY("munlock: %s", strerror(errno));
	return 0;
}

static int p_mbind(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (mbind_region(&c->main) == 0)
		return 0;
	if (errno == ENOSYS)
		return WHY("mbind: ENOSYS (kernel without CONFIG_NUMA)");
	return WHY("mbind(MPOL_BIND node 0, MPOL_MF_MOVE): %s", strerror(errno));
}

static int p_migrate_pages(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	if (migrate_1_to_0() >= 0)
		return 0;
	if (errno == ENOSYS)
		return WHY("migrate_pages: ENOSYS (kernel without CONFIG_NUMA or CONFIG_MIGRATION)");
	return WHY("migrate_pages(node 1 -> 0): %s", strerror(errno));
}

static int probe_madvise(struct ctx *c, int advice, const char *name, const char *needs, char *why)
{
	char *p = slot_addr(c, SLOT_SHARED0);

	if (sys_madvise(p, PG, advice) == 0)
		return 0;
	if (errno == EINVAL)
		return WHY("madvise(%s): EINVAL (%s)", name, needs);
	return WHY("madvise(%s): %s", name, strerror(errno));
}

static int p_willneed(struct ctx *c, char *why, char *note)
{
	(void)note;
	/* Only CONFIG_SWAP kernels walk anonymous memory for WILLNEED, and
	 * only they have /proc/swaps. */
	if (access("/proc/swaps", F_OK))
		return WHY("no CONFIG_SWAP: anonymous MADV_WILLNEED walks nothing");
	return probe_madvise(c, MADV_WILLNEED, "WILLNEED", "?", why);
}

static int p_cold(struct ctx *c, char *why, char *note)
{
	(void)note;
	return probe_madvise(c, MADV_COLD, "COLD", "needs 5.4", why);
}

static int p_pageout(struct ctx *c, char *why, char *note)
{
	char buf[4096];

	char *nl;

	/* /proc/swaps: a header line, then one line per swap area */
	if (slurp("/proc/swaps", buf, sizeof(buf)) >= 0 && (nl = strchr(buf, '\n')) && !nl[1])
		snprintf(note, TEXT, "no swap: the walk runs, anonymous pages stay");
	return probe_madvise(c, MADV_PAGEOUT, "PAGEOUT", "needs 5.4", why);
}

static int p_free(struct ctx *c, char *why, char *note)
{
	(void)note;
	return probe_madvise(c, MADV_FREE, "FREE", "needs 4.5", why);
}

static int p_pagemap_scan(struct ctx *c, char *why, char *note)
{
	struct page_region v[1];

	(void)note;
	if (c->pagemap_fd < 0)
		return WHY("cannot open /proc/self/pagemap");
	if (pagemap_scan(c->pagemap_fd, c->main.base, PMD_SZ, v, 1) == 0)
		return 0;
	if (errno == ENOTTY || errno == EINVAL)
		return WHY("ioctl(PAGEMAP_SCAN): %s (needs 6.7)", errno == ENOTTY ? "ENOTTY" : "EINVAL");
	return WHY("ioctl(PAGEMAP_SCAN): %s", strerror(errno));
}

static int p_guard(struct ctx *c, char *why, char *note)
{
	char *p = slot_addr(c, SLOT_GUARD);

	(void)note;
	if (sys_madvise(p, PG, MADV_GUARD_INSTALL)) {
		if (errno == EINVAL)
			return WHY("madvise(GUARD_INSTALL): EINVAL (needs 6.13)");
		return WHY("madvise(GUARD_INSTALL): %s", strerror(errno));
	}
	if (sys_madvise(p, PMD_SZ, MADV_GUARD_REMOVE))
		return WHY("madvise(GUARD_REMOVE): %s", strerror(errno));
	poke(p);
	return 0;
}

static int p_thp_splitter(struct ctx *c, char *why, char *note)
{
	(void)why;
	if (strcmp(c->thp_enabled, "always") && strcmp(c->thp_enabled, "madvise"))
		snprintf(note, TEXT, "THP off: splits VMAs and ptes only");
	return 0;
}

static int p_collapse(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (sys_madvise(slot_addr(c, SLOT_SHARED0), PMD_SZ, MADV_COLLAPSE) == 0 ||
	    errno == EAGAIN || errno == ENOMEM || errno == EBUSY)
		return 0;
	if (errno == EINVAL)
		return WHY("madvise(COLLAPSE): EINVAL (needs 6.1 and THP allowed here)");
	return WHY("madvise(COLLAPSE): %s", strerror(errno));
}

static int p_debugfs_split(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (geteuid() != 0)
		return WHY("needs root");
	if (access(split_knob, F_OK))
		return WHY("no %s (debugfs not mounted, or no CONFIG_DEBUG_FS/THP)", split_knob);
	/* one page of the mprotect slot: split only the THP that one splits anyway */
	if (split_via_debugfs(c, slot_addr(c, SLOT_MPROTECT), slot_addr(c, SLOT_MPROTECT) + PG))
		return WHY("write(%s): %s%s", split_knob, strerror(errno),
			   errno == EPERM ? " (kernel lockdown?)" : "");
	return 0;
}

static const struct unit_desc unit_table[] = {
	{ "smaps", WALKER, "smaps_walk_ops via walk_page_vma (read /proc/self/smaps)",
	  p_smaps, w_smaps, false, 0, 3 },
	{ "smaps_rollup", WALKER, "smaps_walk_ops, resumable walk (read /proc/self/smaps_rollup)",
	  p_smaps_rollup, w_smaps_rollup, false, 0, 1 },
	{ "pagemap", WALKER, "pagemap_ops via walk_page_range (pread /proc/self/pagemap)",
	  p_pagemap, w_pagemap, false, 0, 3 },
	{ "numa_maps", WALKER, "show_numa_ops via walk_page_vma (read /proc/self/numa_maps)",
	  p_numa_maps, w_numa_maps, false, 0, 1 },
	{ "clear_refs", WALKER, "clear_refs_walk_ops (write /proc/self/clear_refs)",
	  p_clear_refs, w_clear_refs, false, 0, 1 },
	{ "mincore", WALKER, "mincore_walk_ops (mincore(2))",
	  p_mincore, w_mincore, false, 0, 3 },
	{ "mlock", WALKER, "mlock_walk_ops (mlock(2), munlock(2))",
	  p_mlock, w_mlock, true, 0, 1 },
	{ "mbind", WALKER, "queue_pages_walk_ops (mbind MPOL_MF_MOVE)",
	  p_mbind, w_mbind, false, 0, 1 },
	{ "migrate_pages", WALKER, "queue_pages_walk_ops (migrate_pages(2), node 1 -> 0)",
	  p_migrate_pages, w_migrate_pages, false, 0, 1 },
	{ "willneed", WALKER, "swapin_walk_ops (madvise WILLNEED, anonymous)",
	  p_willneed, w_willneed, false, 0, 1 },
	{ "cold", WALKER, "cold_walk_ops (madvise COLD)",
	  p_cold, w_cold, false, 0, 1 },
	{ "pageout", WALKER, "cold_walk_ops (madvise PAGEOUT)",
	  p_pageout, w_pageout, false, 0, 1 },
	{ "free", WALKER, "madvise_free_walk_ops (madvise FREE)",
	  p_free, w_free, false, 0, 1 },
	{ "pagemap_scan", WALKER, "pagemap_scan_ops (ioctl PAGEMAP_SCAN)",
	  p_pagemap_scan, w_pagemap_scan, false, 0, 1 },
	{ "guard", WALKER, "guard install/remove walk ops (madvise GUARD_INSTALL/REMOVE)",
	  p_guard, w_guard, true, 0, 1 },
	{ "zap_partial", SPLITTER, "__split_huge_pmd from zap (MADV_DONTNEED of 4 KiB), refault",
	  p_thp_splitter, s_zap_partial, false, 50, 1 },
	{ "zap_tail", SPLITTER, "zap of the last PMD of a 4-PMD VMA, refault (walkers retry)",
	  p_thp_splitter, s_zap_tail, false, 0, 1 },
	{ "mprotect", SPLITTER, "__split_huge_pmd from change_pmd_range (mprotect of 4 KiB)",
	  p_thp_splitter, s_mprotect, false, 20, 1 },
	{ "fork_cow", SPLITTER, "__split_huge_pmd from do_huge_pmd_wp_page (fork, write)",
	  p_thp_splitter, s_fork_cow, false, 20, 1 },
	{ "collapse", SPLITTER, "madvise COLLAPSE re-forms THPs (khugepaged's collapse)",
	  p_collapse, s_collapse, false, 20, 1 },
	{ "debugfs_split", SPLITTER, "split_huge_pages_pid: rmap split (debugfs knob)",
	  p_debugfs_split, s_debugfs_split, false, 10, 1 },
};

#define NUNITS (sizeof(unit_table) / sizeof(unit_table[0]))

/* ---- running ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Runs one operation of u and counts it. */
static void run_op(struct unit *u, struct worker *w)
{
	uint64_t t0 = now_ns();
	int r;

	w->errop = NULL;
	r = u->d->op(w);
	atomic_fetch_add(&u->ns, now_ns() - t0);
	atomic_fetch_add(&u->calls, 1);
	if (r == OP_BUSY) {
		atomic_fetch_add(&u->soft, 1);
		if (!atomic_exchange(&u->have_busy, true))
			snprintf(u->first_busy, TEXT, "busy: %s: %s", w->errop ? w->errop : "?",
				 strerrorname_np(w->busy_errno) ? strerrorname_np(w->busy_errno) : "?");
	} else if (r < 0) {
		atomic_fetch_add(&u->errors, 1);
		if (!atomic_exchange(&u->have_err, true))
			snprintf(u->first_err, TEXT, "%s: %s", w->errop ? w->errop : "?", strerror(-r));
	}
}

static bool runnable(const struct unit *u)
{
	return u->enabled && u->present;
}

static void *reader_main(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;
	size_t i = rnd(w, c->nunits);

	while (!atomic_load(&c->stop)) {
		bool any = false, ran = false;

		for (size_t k = 0; k < c->nunits && !atomic_load(&c->stop); k++, i++) {
			struct unit *u = &c->units[i % c->nunits];

			if (u->d->kind != WALKER || !runnable(u))
				continue;
			any = true;
			if (u->d->exclusive && atomic_flag_test_and_set(&u->busy))
				continue;
			/* the walkers measured to retry on 6.5+ run more often */
			for (unsigned int n = 0; n < (u->d->weight ? u->d->weight : 1); n++)
				run_op(u, w);
			ran = true;
			if (u->d->exclusive)
				atomic_flag_clear(&u->busy);
		}
		if (!any)
			break;	/* no walker to run: the splitters still do */
		if (!ran)
			usleep(100);	/* only exclusive walkers, all busy */
	}
	return NULL;
}

struct splitter_arg {
	struct worker w;
	struct unit *u;
};

static void *splitter_main(void *arg)
{
	struct splitter_arg *a = arg;
	struct ctx *c = a->w.c;

	unsigned int duty = a->u->d->duty ? a->u->d->duty : 100;

	while (!atomic_load(&c->stop)) {
		uint64_t t0 = now_ns(), rest;

		run_op(a->u, &a->w);
		rest = (now_ns() - t0) * (100 - duty) / duty / 1000;
		if (rest)
			usleep(rest > 100000 ? 100000 : (useconds_t)rest);
	}
	return NULL;
}

/* ---- setup and measurement ---- */

static void read_thp_state(struct ctx *c)
{
	char buf[256], *a, *b;
	int dis;

	if (slurp("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) < 0) {
		snprintf(c->thp_note, TEXT, "unavailable (no CONFIG_TRANSPARENT_HUGEPAGE)");
		return;
	}
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b && (size_t)(b - a - 1) < sizeof(c->thp_enabled)) {
		memcpy(c->thp_enabled, a + 1, b - a - 1);
		c->thp_enabled[b - a - 1] = 0;
	}
	dis = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (dis > 0)
		snprintf(c->thp_note, TEXT, "disabled for this process (prctl PR_SET_THP_DISABLE)");
	else if (!strcmp(c->thp_enabled, "never"))
		snprintf(c->thp_note, TEXT, "disabled (enabled=never): no huge pmds to split");
}

/* Sum of one smaps field over the VMAs inside [lo, hi), in kB; -1 if
 * smaps cannot be read. */
static long smaps_field_kb(const char *field, char *lo, char *hi, char *flag, bool *has_flag)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	long sum = 0, v;
	size_t fl = strlen(field);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		char *sp = strchr(line, ' ');

		/* a VMA header "start-end perms ..."; field lines have a ':' first */
		if (sp && sscanf(line, "%lx-%lx ", &s, &e) == 2 && !memchr(line, ':', sp - line)) {
			in = s >= (uintptr_t)lo && e <= (uintptr_t)hi;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, field, fl) && line[fl] == ':' && sscanf(line + fl + 1, "%ld", &v) == 1)
			sum += v;
		if (flag && has_flag && !strncmp(line, "VmFlags:", 8) && strstr(line, flag))
			*has_flag = true;
	}
	fclose(f);
	return sum;
}

static long anon_huge_kb(struct ctx *c)
{
	return smaps_field_kb("AnonHugePages", c->all.base, c->all.base + c->all.len, NULL, NULL);
}

static const char *vmstat_keys[] = {
	"thp_fault_alloc", "thp_collapse_alloc", "thp_split_pmd", "thp_split_page",
};
#define NVMSTAT (sizeof(vmstat_keys) / sizeof(vmstat_keys[0]))

static void read_vmstat(long long *out)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char name[64];
	long long v;

	for (size_t i = 0; i < NVMSTAT; i++)
		out[i] = -1;
	if (!f)
		return;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		for (size_t i = 0; i < NVMSTAT; i++)
			if (!strcmp(name, vmstat_keys[i]))
				out[i] = v;
	fclose(f);
}

static int map_arenas(struct ctx *c)
{
	char *base;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

	/* slack to align, a gap before, main, a gap, retry, a gap after */
	c->resv_len = PMD_SZ + PMD_SZ + c->size + PMD_SZ + RETRY_LEN + PMD_SZ;
	c->resv = mmap(NULL, c->resv_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->resv == MAP_FAILED) {
		c->resv = NULL;
		return -1;
	}
	base = (char *)(((uintptr_t)c->resv + PMD_SZ - 1) & ~(PMD_SZ - 1)) + PMD_SZ;
	c->main = (struct region){ base, c->size };
	c->retry = (struct region){ base + c->size + PMD_SZ, RETRY_LEN };
	c->all = (struct region){ base, c->size + PMD_SZ + RETRY_LEN };
	c->nslots = c->size / PMD_SZ;
	if (mmap(c->main.base, c->main.len, PROT_READ | PROT_WRITE, flags, -1, 0) == MAP_FAILED ||
	    mmap(c->retry.base, c->retry.len, PROT_READ | PROT_WRITE, flags, -1, 0) == MAP_FAILED)
		return -1;
	/* Fresh VMAs carry VM_SOFTDIRTY ("sd") only with CONFIG_MEM_SOFT_DIRTY. */
	smaps_field_kb("Rss", c->main.base, c->main.base + c->main.len, " sd", &c->soft_dirty);
	if ((sys_madvise(c->main.base, c->main.len, MADV_HUGEPAGE) ||
	     sys_madvise(c->retry.base, c->retry.len, MADV_HUGEPAGE)) && !c->thp_note[0])
		snprintf(c->thp_note, TEXT, "madvise(HUGEPAGE): %s", strerror(errno));
	for (size_t off = 0; off < c->main.len; off += PG)
		poke(c->main.base + off);
	for (size_t off = 0; off < c->retry.len; off += PG)
		poke(c->retry.base + off);
	c->ahp_formed = smaps_field_kb("AnonHugePages", c->all.base, c->all.base + c->all.len, NULL, NULL);
	return 0;
}

/* ---- options ---- */

enum { OPT_LIST = 256, OPT_JSON, OPT_ONLY, OPT_SKIP, OPT_HELP, OPT_USAGE };

static const struct argp_option options[] = {
	{ "duration", 'd', "S", 0, "run for S seconds (default 10, fractions allowed)", 0 },
	{ "threads", 't', "N", 0, "reader threads driving the walkers (default 3)", 0 },
	{ "size", 's', "MB", 0, "THP arena size in MiB (default 16, >= 8, rounded up to 2 MiB)", 0 },
	{ "only", OPT_ONLY, "LIST", 0, "run only these walkers/splitters (comma-separated)", 0 },
	{ "skip", OPT_SKIP, "LIST", 0, "do not run these walkers/splitters", 0 },
	{ "list", OPT_LIST, NULL, 0, "list walkers and splitters and whether this kernel has them", 0 },
	{ "quiet", 'q', NULL, 0, "no summary table (the exit status tells)", 0 },
	{ "json", OPT_JSON, NULL, 0, "print the summary as one JSON object on stdout", 0 },
	{ "help", OPT_HELP, NULL, 0, "give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "give a short usage message", -1 },
	{},
};

struct parse_state {
	struct ctx *c;
	bool bad, helped;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct ctx *c = ps->c;
	char *end;
	long v;

	switch (key) {
	case 'd':
		errno = 0;
		c->duration = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(c->duration) ||
		    !(c->duration > 0) || c->duration > 86400) {
			wc_err("stress: invalid duration '%s' (seconds, > 0, at most 86400)", arg);
			ps->bad = true;
			return EINVAL;
		}
		return 0;
	case 't':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 64) {
			wc_err("stress: invalid thread count '%s' (1 to 64)", arg);
			ps->bad = true;
			return EINVAL;
		}
		c->threads = (int)v;
		return 0;
	case 's':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 8 || v > 4096) {
			wc_err("stress: invalid size '%s' (MiB, 8 to 4096)", arg);
			ps->bad = true;
			return EINVAL;
		}
		c->size = ((size_t)v << 20);
		c->size = (c->size + PMD_SZ - 1) & ~(PMD_SZ - 1);
		return 0;
	case OPT_ONLY:
		c->only = arg;
		return 0;
	case OPT_SKIP:
		c->skip = arg;
		return 0;
	case OPT_LIST:
		c->list = true;
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	case OPT_JSON:
		c->json = true;
		return 0;
	case OPT_HELP:
		/* argp_state_help() prints nothing under ARGP_NO_ERRS */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK, "walkcov stress");
		ps->helped = true;
		return 0;
	case OPT_USAGE:
		argp_help(state->root_argp, stdout, ARGP_HELP_USAGE, "walkcov stress");
		ps->helped = true;
		return 0;
	case ARGP_KEY_ARG:
		wc_err("stress: unexpected argument '%s'", arg);
		ps->bad = true;
		return EINVAL;
	case ARGP_KEY_ERROR:
		if (!ps->bad) {
			/* getopt stopped on an unknown option or a missing value */
			const char *opt = state->next > 0 && state->next <= state->argc
				? state->argv[state->next - 1] : "?";

			wc_err("stress: unknown option or missing value '%s' (see 'walkcov stress --help')", opt);
			ps->bad = true;
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Drive every page-table walker reachable from user space while other "
	       "threads split and re-form THPs.\v"
	       "Walkers: smaps smaps_rollup pagemap numa_maps clear_refs mincore mlock "
	       "mbind migrate_pages willneed cold pageout free pagemap_scan guard.\n"
	       "Splitters: zap_partial zap_tail mprotect fork_cow collapse debugfs_split.\n"
	       "--only naming walkers only keeps every splitter (and the reverse).\n"
	       "Exit status: 0 the workload ran (missing walkers are no failure), "
	       "1 a walker or splitter the kernel has failed unexpectedly, 2 bad usage.",
};

static struct unit *find_unit(struct ctx *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nunits; i++)
		if (strlen(c->units[i].d->name) == len && !strncmp(c->units[i].d->name, name, len))
			return &c->units[i];
	return NULL;
}

/* Applies one list; mark: true for --only (mark named), false for --skip. */
static int apply_list(struct ctx *c, const char *list, bool only)
{
	bool named[2] = { false, false };
	bool *mark = calloc(c->nunits, sizeof(*mark));
	const char *p = list;

	if (!mark) {
		wc_err("stress: out of memory");
		return -1;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		struct unit *u;

		if (len) {
			u = find_unit(c, p, len);
			if (!u) {
				wc_err("stress: unknown walker or splitter '%.*s' (see 'walkcov stress --list')",
				       (int)len, p);
				free(mark);
				return -1;
			}
			mark[u - c->units] = true;
			named[u->d->kind] = true;
		}
		p += len + (p[len] == ',');
	}
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		if (only && named[u->d->kind])
			u->enabled = u->enabled && mark[i];
		else if (!only && mark[i])
			u->enabled = false;
	}
	free(mark);
	return 0;
}

/* ---- output ---- */

static double avg_us(const struct unit *u)
{
	unsigned long n = atomic_load(&u->calls);

	return n ? (double)atomic_load(&u->ns) / n / 1000.0 : 0;
}

static const char *state_of(const struct unit *u)
{
	if (!u->enabled)
		return "skipped";
	if (!u->present)
		return "missing";
	if (atomic_load(&u->errors))
		return "failed";
	if (atomic_load(&u->calls) > atomic_load(&u->soft))
		return "reached";
	return "idle";
}

static const char *detail_of(const struct unit *u)
{
	if (u->enabled && !u->present)
		return u->why;
	if (atomic_load(&u->have_err))
		return u->first_err;
	if (!u->note[0] && atomic_load(&u->have_busy))
		return u->first_busy;
	return u->note;
}

static void print_list(struct ctx *c)
{
	if (c->json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (size_t i = 0; i < c->nunits; i++) {
			struct unit *u = &c->units[i];
			json_object *j = json_object_new_object();

			json_object_object_add(j, "name", json_object_new_string(u->d->name));
			json_object_object_add(j, "kind", json_object_new_string(u->d->kind == WALKER ? "walker" : "splitter"));
			json_object_object_add(j, "present", json_object_new_boolean(u->present));
			json_object_object_add(j, "reaches", json_object_new_string(u->d->reaches));
			if (!u->present)
				json_object_object_add(j, "reason", json_object_new_string(u->why));
			if (u->note[0])
				json_object_object_add(j, "note", json_object_new_string(u->note));
			json_object_array_add(a, j);
		}
		json_object_object_add(o, "units", a);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	printf("%-14s %-8s %-8s %s\n", "NAME", "KIND", "KERNEL", "REACHES / WHY MISSING");
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		printf("%-14s %-8s %-8s %s\n", u->d->name, u->d->kind == WALKER ? "walker" : "splitter",
		       u->present ? "has" : "missing", u->present ? u->d->reaches : u->why);
	}
}

static void print_summary(struct ctx *c, const long long *vm0, const long long *vm1,
			  long ahp0, long ahp1, bool ok)
{
	struct utsname un;

	uname(&un);
	if (c->json) {
		json_object *o = json_object_new_object(), *t = json_object_new_object();
		json_object *v = json_object_new_object(), *ws = json_object_new_array();
		json_object *ss = json_object_new_array();

		json_object_object_add(o, "kernel", json_object_new_string(un.release));
		json_object_object_add(o, "duration_s", json_object_new_double(c->duration));
		json_object_object_add(o, "threads", json_object_new_int(c->threads));
		json_object_object_add(o, "arena_mib", json_object_new_int64(c->size >> 20));
		json_object_object_add(o, "retry_vma_mib", json_object_new_int64(RETRY_LEN >> 20));
		json_object_object_add(t, "enabled", json_object_new_string(c->thp_enabled));
		if (c->thp_note[0])
			json_object_object_add(t, "note", json_object_new_string(c->thp_note));
		json_object_object_add(t, "anon_huge_kb_formed", json_object_new_int64(c->ahp_formed));
		json_object_object_add(t, "anon_huge_kb_start", json_object_new_int64(ahp0));
		json_object_object_add(t, "anon_huge_kb_end", json_object_new_int64(ahp1));
		json_object_object_add(o, "thp", t);
		for (size_t i = 0; i < NVMSTAT; i++)
			json_object_object_add(v, vmstat_keys[i], vm0[i] < 0 || vm1[i] < 0 ? NULL :
					       json_object_new_int64(vm1[i] - vm0[i]));
		json_object_object_add(o, "vmstat_delta", v);
		for (size_t i = 0; i < c->nunits; i++) {
			struct unit *u = &c->units[i];
			json_object *j = json_object_new_object();

			json_object_object_add(j, "name", json_object_new_string(u->d->name));
			json_object_object_add(j, "state", json_object_new_string(state_of(u)));
			json_object_object_add(j, "calls", json_object_new_int64(atomic_load(&u->calls)));
			json_object_object_add(j, "errors", json_object_new_int64(atomic_load(&u->errors)));
			json_object_object_add(j, "busy", json_object_new_int64(atomic_load(&u->soft)));
			json_object_object_add(j, "avg_us", json_object_new_double(avg_us(u)));
			if (u->enabled && !u->present)
				json_object_object_add(j, "reason", json_object_new_string(u->why));
			if (atomic_load(&u->have_err))
				json_object_object_add(j, "first_error", json_object_new_string(u->first_err));
			if (atomic_load(&u->have_busy))
				json_object_object_add(j, "first_busy", json_object_new_string(u->first_busy));
			if (u->note[0])
				json_object_object_add(j, "note", json_object_new_string(u->note));
			json_object_array_add(u->d->kind == WALKER ? ws : ss, j);
		}
		json_object_object_add(o, "walkers", ws);
		json_object_object_add(o, "splitters", ss);
		json_object_object_add(o, "result", json_object_new_string(ok ? "ok" : "failed"));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	printf("walkcov stress: %.3g s, %d reader threads, arena %zu MiB + retry VMA %lu MiB, kernel %s\n",
	       c->duration, c->threads, c->size >> 20, RETRY_LEN >> 20, un.release);
	printf("thp: enabled=%s%s%s; AnonHugePages in the arenas: %ld kB formed, %ld kB at start, %ld kB at end\n",
	       c->thp_enabled[0] ? c->thp_enabled : "?", c->thp_note[0] ? ", " : "", c->thp_note,
	       c->ahp_formed, ahp0, ahp1);
	printf("vmstat:");
	for (size_t i = 0; i < NVMSTAT; i++) {
		if (vm0[i] < 0 || vm1[i] < 0)
			printf(" %s n/a", vmstat_keys[i]);
		else
			printf(" %s +%lld", vmstat_keys[i], vm1[i] - vm0[i]);
	}
	printf(" (system-wide)\n");
	printf("%-14s %-8s %-8s %10s %7s %7s %9s  %s\n", "NAME", "KIND", "STATE", "CALLS", "ERRORS",
	       "BUSY", "AVG_US", "DETAIL");
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		printf("%-14s %-8s %-8s %10lu %7lu %7lu %9.1f  %s\n", u->d->name,
		       u->d->kind == WALKER ? "walker" : "splitter", state_of(u),
		       atomic_load(&u->calls), atomic_load(&u->errors), atomic_load(&u->soft),
		       avg_us(u), detail_of(u));
	}
	printf("result: %s\n", ok ? "ok" : "failed (a walker or splitter failed unexpectedly)");
}

/* ---- the command ---- */

static int run(struct ctx *c)
{
	struct worker *readers = NULL;
	struct splitter_arg *splitters = NULL;
	pthread_t *tids = NULL;
	size_t nthreads = 0, bufl;
	long long vm0[NVMSTAT], vm1[NVMSTAT];
	long ahp0, ahp1;
	struct timespec deadline;
	uint64_t seed = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)c->pid;
	bool ok = true;
	int rc = WC_EXIT_OK;

	read_thp_state(c);
	if (map_arenas(c)) {
		wc_err("stress: cannot map the %zu MiB arena: %s", c->size >> 20, strerror(errno));
		return WC_EXIT_FAIL;
	}
	c->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		if (!u->enabled && !c->list)
			continue;
		u->probed = true;
		u->present = u->d->probe(c, u->why, u->note) == 0;
	}
	if (c->list) {
		print_list(c);
		return WC_EXIT_OK;
	}

	/* buffers: pagemap entries, mincore vector of the largest region,
	 * PAGEMAP_SCAN regions, file reads */
	bufl = c->all.len / PG;
	if (bufl < MAX_PAGEMAP_ENTRIES * 8)
		bufl = MAX_PAGEMAP_ENTRIES * 8;
	if (bufl < 65536)
		bufl = 65536;
	readers = calloc(c->threads, sizeof(*readers));
	splitters = calloc(c->nunits, sizeof(*splitters));
	tids = calloc(c->threads + c->nunits, sizeof(*tids));
	if (!readers || !splitters || !tids) {
		wc_err("stress: out of memory");
		rc = WC_EXIT_FAIL;
		goto out;
	}

	ahp0 = anon_huge_kb(c);
	read_vmstat(vm0);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)c->duration;
	deadline.tv_nsec += (long)((c->duration - (double)(time_t)c->duration) * 1e9);
	if (deadline.tv_nsec >= 1000000000L)
		deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;

	for (size_t i = 0; i < c->nunits; i++) {
		struct splitter_arg *a = &splitters[i];

		if (c->units[i].d->kind != SPLITTER || !runnable(&c->units[i]))
			continue;
		a->u = &c->units[i];
		a->w = (struct worker){ .c = c, .rng = seed + 7919 * (i + 1) };
		if (pthread_create(&tids[nthreads], NULL, splitter_main, a)) {
			wc_err("stress: cannot start a thread");
			rc = WC_EXIT_FAIL;
			break;
		}
		nthreads++;
	}
	for (int i = 0; i < c->threads && rc == WC_EXIT_OK; i++) {
		struct worker *w = &readers[i];

		*w = (struct worker){ .c = c, .rng = seed + 104729 * (i + 1), .buflen = bufl };
		w->buf = malloc(bufl);
		if (!w->buf || pthread_create(&tids[nthreads], NULL, reader_main, w)) {
			wc_err("stress: cannot start a thread");
			rc = WC_EXIT_FAIL;
			break;
		}
		nthreads++;
	}
	while (rc == WC_EXIT_OK &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR)
		;
	atomic_store(&c->stop, true);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	if (rc != WC_EXIT_OK)
		goto out;

	read_vmstat(vm1);
	ahp1 = anon_huge_kb(c);
	for (size_t i = 0; i < c->nunits; i++)
		if (runnable(&c->units[i]) && atomic_load(&c->units[i].errors))
			ok = false;
	if (!c->quiet || c->json)
		print_summary(c, vm0, vm1, ahp0, ahp1, ok);
	else if (!ok)
		for (size_t i = 0; i < c->nunits; i++)
			if (runnable(&c->units[i]) && atomic_load(&c->units[i].errors))
				wc_err("stress: %s failed %lu times, first: %s", c->units[i].d->name,
				       atomic_load(&c->units[i].errors), c->units[i].first_err);
	rc = ok ? WC_EXIT_OK : WC_EXIT_ANOMALY;
out:
	for (int i = 0; readers && i < c->threads; i++)
		free(readers[i].buf);
	free(readers);
	free(splitters);
	free(tids);
	return rc;
}

int cmd_stress(int argc, char **argv)
{
	struct ctx c = {
		.duration = 10, .threads = 3, .size = 16UL << 20, .pagemap_fd = -1,
	};
	struct parse_state ps = { .c = &c };
	int rc;

	/* own --help and error lines: "walkcov: stress: ..." and exit 2 */
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP | ARGP_NO_ERRS | ARGP_NO_EXIT, NULL, &ps) || ps.bad) {
		if (!ps.bad)
			wc_err("stress: bad arguments (see 'walkcov stress --help')");
		return WC_EXIT_FAIL;
	}
	if (ps.helped)
		return WC_EXIT_OK;

	c.pid = getpid();
	c.nunits = NUNITS;
	c.units = calloc(NUNITS, sizeof(*c.units));
	if (!c.units) {
		wc_err("stress: out of memory");
		return WC_EXIT_FAIL;
	}
	for (size_t i = 0; i < NUNITS; i++) {
		c.units[i].d = &unit_table[i];
		c.units[i].enabled = true;
		atomic_flag_clear(&c.units[i].busy);
	}
	if ((c.only && apply_list(&c, c.only, true)) || (c.skip && apply_list(&c, c.skip, false))) {
		free(c.units);
		return WC_EXIT_FAIL;
	}

	rc = run(&c);

	if (c.pagemap_fd >= 0)
		close(c.pagemap_fd);
	if (c.resv)
		munmap(c.resv, c.resv_len);
	free(c.units);
	return rc;
}
