// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel feature probes: one per unit, run once on the arenas before the
 * threads start. Each says whether this kernel has the walker or splitter
 * (and why not), and may leave a note for the summary. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include "internal.h"

#define WHY(...) (snprintf(why, TEXT, __VA_ARGS__), 1)

static int probe_file(const char *path, int mode, char *why, const char *needs)
{
	if (access(path, mode) == 0)
		return 0;
	if (errno == ENOENT)
		return WHY("no %s (%s)", path, needs);
	return WHY("%s: %s", path, strerror(errno));
}

int p_smaps(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/smaps", R_OK, why, "needs CONFIG_PROC_PAGE_MONITOR");
}

int p_smaps_rollup(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/smaps_rollup", R_OK, why, "needs 4.14 and CONFIG_PROC_PAGE_MONITOR");
}

int p_numa_maps(struct ctx *c, char *why, char *note)
{
	(void)c, (void)note;
	return probe_file("/proc/self/numa_maps", R_OK, why, "needs CONFIG_NUMA");
}

int p_pagemap(struct ctx *c, char *why, char *note)
{
	uint64_t e;

	(void)note;
	if (c->pagemap_fd < 0)
		return WHY("cannot open /proc/self/pagemap (needs CONFIG_PROC_PAGE_MONITOR)");
	if (stress_pagemap_read(c->pagemap_fd, c->main.base, 1, &e) != 8)
		return WHY("pread(/proc/self/pagemap): %s", strerror(errno));
	return 0;
}

int p_clear_refs(struct ctx *c, char *why, char *note)
{
	if (!c->soft_dirty)
		snprintf(note, TEXT, "no CONFIG_MEM_SOFT_DIRTY: '4' walks but clears no soft-dirty bit");
	return probe_file("/proc/self/clear_refs", W_OK, why, "needs CONFIG_PROC_PAGE_MONITOR");
}

int p_mincore(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (mincore(c->main.base, PG, (unsigned char[1]){ 0 }))
		return WHY("mincore: %s", strerror(errno));
	return 0;
}

int p_mlock(struct ctx *c, char *why, char *note)
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
	if (c->mlock_max < PG || stress_mlock(slot, c->mlock_max)) {
		int e = c->mlock_max < PG ? ENOMEM : errno;

		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && (e == ENOMEM || e == EPERM))
			return WHY("mlock: %s (RLIMIT_MEMLOCK %llu KiB, not root)", strerror(e),
				   (unsigned long long)rl.rlim_cur / 1024);
		return WHY("mlock: %s", strerror(e));
	}
	if (stress_munlock(slot, c->mlock_max))
		return WHY("munlock: %s", strerror(errno));
	return 0;
}

int p_mbind(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (mbind_region(&c->main) == 0)
		return 0;
	if (errno == ENOSYS)
		return WHY("mbind: ENOSYS (kernel without CONFIG_NUMA)");
	return WHY("mbind(MPOL_BIND node 0, MPOL_MF_MOVE): %s", strerror(errno));
}

int p_migrate_pages(struct ctx *c, char *why, char *note)
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

	if (stress_madvise(p, PG, advice) == 0)
		return 0;
	if (errno == EINVAL)
		return WHY("madvise(%s): EINVAL (%s)", name, needs);
	return WHY("madvise(%s): %s", name, strerror(errno));
}

int p_willneed(struct ctx *c, char *why, char *note)
{
	(void)note;
	/* Only CONFIG_SWAP kernels walk anonymous memory for WILLNEED, and
	 * only they have /proc/swaps. */
	if (access("/proc/swaps", F_OK))
		return WHY("no CONFIG_SWAP: anonymous MADV_WILLNEED walks nothing");
	return probe_madvise(c, MADV_WILLNEED, "WILLNEED", "?", why);
}

int p_cold(struct ctx *c, char *why, char *note)
{
	(void)note;
	return probe_madvise(c, MADV_COLD, "COLD", "needs 5.4", why);
}

int p_pageout(struct ctx *c, char *why, char *note)
{
	char buf[4096], *nl;

	/* /proc/swaps: a header line, then one line per swap area */
	if (slurp("/proc/swaps", buf, sizeof(buf)) >= 0 && (nl = strchr(buf, '\n')) && !nl[1])
		snprintf(note, TEXT, "no swap: the walk runs, anonymous pages stay");
	return probe_madvise(c, MADV_PAGEOUT, "PAGEOUT", "needs 5.4", why);
}

int p_free(struct ctx *c, char *why, char *note)
{
	(void)note;
	return probe_madvise(c, MADV_FREE, "FREE", "needs 4.5", why);
}

int p_pagemap_scan(struct ctx *c, char *why, char *note)
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

int p_guard(struct ctx *c, char *why, char *note)
{
	char *p = slot_addr(c, SLOT_GUARD);

	(void)note;
	if (stress_madvise(p, PG, MADV_GUARD_INSTALL)) {
		if (errno == EINVAL)
			return WHY("madvise(GUARD_INSTALL): EINVAL (needs 6.13)");
		return WHY("madvise(GUARD_INSTALL): %s", strerror(errno));
	}
	if (stress_madvise(p, PMD_SZ, MADV_GUARD_REMOVE))
		return WHY("madvise(GUARD_REMOVE): %s", strerror(errno));
	poke(p);
	return 0;
}

int p_thp_splitter(struct ctx *c, char *why, char *note)
{
	(void)why;
	if (strcmp(c->thp_enabled, "always") && strcmp(c->thp_enabled, "madvise"))
		snprintf(note, TEXT, "THP off: splits VMAs and ptes only");
	return 0;
}

int p_collapse(struct ctx *c, char *why, char *note)
{
	(void)note;
	if (stress_madvise(slot_addr(c, SLOT_SHARED0), PMD_SZ, MADV_COLLAPSE) == 0 ||
	    errno == EAGAIN || errno == ENOMEM || errno == EBUSY)
		return 0;
	if (errno == EINVAL)
		return WHY("madvise(COLLAPSE): EINVAL (needs 6.1 and THP allowed here)");
	return WHY("madvise(COLLAPSE): %s", strerror(errno));
}

int p_debugfs_split(struct ctx *c, char *why, char *note)
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

