// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The walker units: each call reaches one page-table walker (its mm_walk_ops)
 * over a window of the arenas picked at random, so that walks start and end
 * inside and across THPs. docs/stress.md lists what reaches which ops. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

/* <numaif.h> is libnuma's; the two values are stable uapi. */
#define WC_MPOL_BIND 2
#define WC_MPOL_MF_MOVE (1 << 1)

ssize_t stress_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, len)) > 0)
		total += n;
	return close_with(fd, n < 0 ? -1 : total);
}

ssize_t stress_pagemap_read(int fd, const void *addr, size_t n, void *out)
{
	return pread(fd, out, n * 8, (off_t)((uintptr_t)addr / PG * 8));
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
	return stress_read_file(path, w->buf, w->buflen) < 0 ? fail(w, "read") : OP_OK;
}

int w_smaps(struct worker *w)
{
	return read_whole(w, "/proc/self/smaps");
}

int w_smaps_rollup(struct worker *w)
{
	return read_whole(w, "/proc/self/smaps_rollup");
}

int w_numa_maps(struct worker *w)
{
	return read_whole(w, "/proc/self/numa_maps");
}

/* Entry counts chosen to start and end inside and across PMDs. */
static const size_t pagemap_chunks[] = { 1, 3, 64, 511, 512, 513, 1000, MAX_PAGEMAP_ENTRIES };

int w_pagemap(struct worker *w)
{
	const struct region *r = pick_region(w);
	size_t pages = r->len / PG;
	size_t n = pagemap_chunks[rnd(w, sizeof(pagemap_chunks) / sizeof(pagemap_chunks[0]))];
	size_t first;

	if (n > pages)
		n = pages;
	first = rnd(w, pages - n + 1);
	if (stress_pagemap_read(w->c->pagemap_fd, r->base + first * PG, n, w->buf) < 0)
		return fail(w, "pread");
	return OP_OK;
}

int w_clear_refs(struct worker *w)
{
	/* 1 all, 2 anon, 3 file, 4 soft-dirty walk the page tables; 5 (reset
	 * the RSS high-water mark) does not and is written only now and then. */
	static const char *vals[] = { "1", "2", "3", "4", "1", "2", "4", "5" };
	const char *v = vals[rnd(w, 8)];
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(w, "open");
	return close_with(fd, write(fd, v, 1) != 1 ? fail(w, "write") : OP_OK);
}

int w_mincore(struct worker *w)
{
	const struct region *r = pick_region(w);

	if (mincore(r->base, r->len, (unsigned char *)w->buf))
		return fail(w, "mincore");
	return OP_OK;
}

int w_mlock(struct worker *w)
{
	struct ctx *c = w->c;
	char *slot = slot_addr(c, slot_mlock(c)), *p;
	size_t n;

	pick_window(w, slot, PMD_SZ, c->mlock_max, &p, &n);
	if (stress_mlock(p, n)) {
		if (errno == EAGAIN)
			return busy(w, "mlock");
		return fail(w, "mlock");
	}
	if (stress_munlock(p, n))
		return fail(w, "munlock");
	/* now and then, let a new THP form in the slot */
	return rnd(w, 8) == 0 ? reform_thp(w, slot) : OP_OK;
}

int mbind_region(const struct region *r)
{
	unsigned long node0 = 1;

	return syscall(SYS_mbind, r->base, r->len, WC_MPOL_BIND, &node0,
		       8 * sizeof(node0), WC_MPOL_MF_MOVE) ? -1 : 0;
}

int w_mbind(struct worker *w)
{
	/* Whole arenas only: a partial range would split VMAs for good. */
	if (mbind_region(rnd(w, 2) ? &w->c->main : &w->c->retry))
		return fail(w, "mbind");
	return OP_OK;
}

long migrate_1_to_0(void)
{
	/* From node 1 to node 0: do_migrate_pages() skips a node that maps to
	 * itself (0 to 0 walks nothing), but node 1 -> 0 runs
	 * migrate_to_node(), whose queue_pages_range() walks the whole mm
	 * even when node 1 does not exist. */
	unsigned long from = 1UL << 1, to = 1UL << 0;

	return syscall(SYS_migrate_pages, 0, 8 * sizeof(from), &from, &to);
}

int w_migrate_pages(struct worker *w)
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
	if (stress_madvise(p, n, advice))
		return fail(w, what);
	return OP_OK;
}

int w_willneed(struct worker *w)
{
	return madvise_walker(w, MADV_WILLNEED, "madvise(WILLNEED)");
}

int w_cold(struct worker *w)
{
	return madvise_walker(w, MADV_COLD, "madvise(COLD)");
}

int w_pageout(struct worker *w)
{
	return madvise_walker(w, MADV_PAGEOUT, "madvise(PAGEOUT)");
}

int w_free(struct worker *w)
{
	return madvise_walker(w, MADV_FREE, "madvise(FREE)");
}

int pagemap_scan(int fd, char *p, size_t len, void *vec, size_t vec_len)
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

int w_pagemap_scan(struct worker *w)
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

int w_guard(struct worker *w)
{
	char *slot = slot_addr(w->c, SLOT_GUARD), *p;
	size_t n;

	pick_window(w, slot, PMD_SZ, 64 * PG, &p, &n);
	if (stress_madvise(p, n, MADV_GUARD_INSTALL)) {
		if (errno == EAGAIN || errno == EINTR)
			return busy(w, "madvise(GUARD_INSTALL)");
		return fail(w, "madvise(GUARD_INSTALL)");
	}
	/* Remove over the whole slot, so that no marker is left behind when
	 * the pages are touched again (touching one is a SIGSEGV). */
	if (stress_madvise(slot, PMD_SZ, MADV_GUARD_REMOVE))
		return fail(w, "madvise(GUARD_REMOVE)");
	for (size_t off = 0; off < n; off += PG)
		poke(p + off);
	return rnd(w, 16) == 0 ? reform_thp(w, slot) : OP_OK;
}
