// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The unit table (every walker and splitter, with its probe, operation and
 * scheduling), and the selection of units by --only and --skip. */
#include <stdlib.h>
#include <string.h>
#include "errors.h"
#include "internal.h"

static const struct unit_desc unit_table[] = {
	{ "smaps", WALKER, "smaps_walk_ops via walk_page_vma (read /proc/self/smaps)",
	  p_smaps, w_smaps, false, 0, 3, false,
	  "smaps_pte_range" },
	{ "smaps_rollup", WALKER, "smaps_walk_ops, resumable walk (read /proc/self/smaps_rollup)",
	  p_smaps_rollup, w_smaps_rollup, false, 0, 1, false,
	  "smaps_pte_range" },
	{ "pagemap", WALKER, "pagemap_ops via walk_page_range (pread /proc/self/pagemap)",
	  p_pagemap, w_pagemap, false, 0, 3, false,
	  "pagemap_pmd_range,pagemap_pte_hole" },
	{ "numa_maps", WALKER, "show_numa_ops via walk_page_vma (read /proc/self/numa_maps)",
	  p_numa_maps, w_numa_maps, false, 0, 1, false,
	  "gather_pte_stats" },
	{ "clear_refs", WALKER, "clear_refs_walk_ops (write /proc/self/clear_refs)",
	  p_clear_refs, w_clear_refs, false, 0, 1, false,
	  "clear_refs_pte_range" },
	{ "mincore", WALKER, "mincore_walk_ops (mincore(2))",
	  p_mincore, w_mincore, false, 0, 3, false,
	  "mincore_pte_range,mincore_unmapped_range" },
	{ "mlock", WALKER, "mlock_walk_ops (mlock(2), munlock(2))",
	  p_mlock, w_mlock, true, 0, 1, false,
	  "mlock_pte_range" },
	{ "mbind", WALKER, "queue_pages_walk_ops (mbind MPOL_MF_MOVE)",
	  p_mbind, w_mbind, false, 0, 1, false,
	  "queue_folios_pte_range|queue_pages_pte_range" },
	{ "migrate_pages", WALKER, "queue_pages_walk_ops (migrate_pages(2), node 1 -> 0)",
	  p_migrate_pages, w_migrate_pages, false, 0, 1, false,
	  "queue_folios_pte_range|queue_pages_pte_range" },
	{ "willneed", WALKER, "swapin_walk_ops (madvise WILLNEED, anonymous)",
	  p_willneed, w_willneed, false, 0, 1, false,
	  "swapin_walk_pmd_entry" },
	{ "cold", WALKER, "cold_walk_ops (madvise COLD)",
	  p_cold, w_cold, false, 0, 1, false,
	  "madvise_cold_or_pageout_pte_range" },
	{ "pageout", WALKER, "cold_walk_ops (madvise PAGEOUT)",
	  p_pageout, w_pageout, false, 0, 1, false,
	  "madvise_cold_or_pageout_pte_range" },
	{ "free", WALKER, "madvise_free_walk_ops (madvise FREE)",
	  p_free, w_free, false, 0, 1, false,
	  "madvise_free_pte_range" },
	{ "pagemap_scan", WALKER, "pagemap_scan_ops (ioctl PAGEMAP_SCAN)",
	  p_pagemap_scan, w_pagemap_scan, false, 0, 1, false,
	  "pagemap_scan_pmd_entry,pagemap_scan_pte_hole" },
	{ "guard", WALKER, "guard install/remove walk ops (madvise GUARD_INSTALL/REMOVE)",
	  p_guard, w_guard, true, 0, 1, false,
	  "guard_install_pud_entry,guard_install_pmd_entry,guard_install_pte_entry,"
	  "guard_install_set_pte,guard_remove_pud_entry,guard_remove_pmd_entry,"
	  "guard_remove_pte_entry" },
	{ "zap_partial", SPLITTER, "__split_huge_pmd from zap (MADV_DONTNEED of 4 KiB), refault",
	  p_thp_splitter, s_zap_partial, false, 50, 1, false,
	  NULL },
	{ "zap_tail", SPLITTER, "zap of the last PMD of a 4-PMD VMA, refault (walkers retry)",
	  p_thp_splitter, s_zap_tail, false, 0, 1, false,
	  NULL },
	{ "mprotect", SPLITTER, "__split_huge_pmd from change_pmd_range (mprotect of 4 KiB)",
	  p_thp_splitter, s_mprotect, false, 20, 1, false,
	  NULL },
	{ "fork_cow", SPLITTER, "__split_huge_pmd from do_huge_pmd_wp_page (fork, write)",
	  p_thp_splitter, s_fork_cow, false, 20, 1, true,
	  NULL },
	{ "collapse", SPLITTER, "madvise COLLAPSE re-forms THPs (khugepaged's collapse)",
	  p_collapse, s_collapse, false, 20, 1, true,
	  NULL },
	{ "debugfs_split", SPLITTER, "split_huge_pages_pid: rmap split (debugfs knob)",
	  p_debugfs_split, s_debugfs_split, false, 10, 1, true,
	  NULL },
};

#define NUNITS (sizeof(unit_table) / sizeof(unit_table[0]))

/* The index of the unit named by the len bytes at name, or -1. */
static int find_unit(const char *name, size_t len)
{
	for (size_t i = 0; i < NUNITS; i++)
		if (strlen(unit_table[i].name) == len && !strncmp(unit_table[i].name, name, len))
			return (int)i;
	return -1;
}

const char *stress_unknown_unit(const char *list, size_t *len)
{
	for (const char *p = list; *p; p += *len + (p[*len] == ',')) {
		*len = strcspn(p, ",");
		if (*len && find_unit(p, *len) < 0)
			return p;
	}
	return NULL;
}

/* Applies one list: --only (only) keeps the named units of each kind it
 * names, --skip disables the named ones. */
static int apply_list(struct ctx *c, const char *list, bool only)
{
	bool named[2] = { false, false }, mark[NUNITS] = { false };
	size_t len;
	const char *bad = stress_unknown_unit(list, &len);

	if (bad) {
		wc_err("stress: unknown walker or splitter '%.*s' (see 'walkcov stress --list')",
		       (int)len, bad);
		return -1;
	}
	for (const char *p = list; *p; p += len + (p[len] == ',')) {
		int i;

		len = strcspn(p, ",");
		i = len ? find_unit(p, len) : -1;
		if (i >= 0) {
			mark[i] = true;
			named[unit_table[i].kind] = true;
		}
	}
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		if (only && named[u->d->kind])
			u->enabled = u->enabled && mark[i];
		else if (!only && mark[i])
			u->enabled = false;
	}
	return 0;
}

int units_init(struct ctx *c)
{
	c->nunits = NUNITS;
	c->units = calloc(NUNITS, sizeof(*c->units));
	if (!c->units) {
		wc_err("stress: out of memory");
		return -1;
	}
	for (size_t i = 0; i < NUNITS; i++) {
		c->units[i].d = &unit_table[i];
		c->units[i].enabled = true;
		atomic_flag_clear(&c->units[i].busy);
	}
	if ((c->o->only && apply_list(c, c->o->only, true)) ||
	    (c->o->skip && apply_list(c, c->o->skip, false)))
		return -1;
	return 0;
}

bool runnable(const struct unit *u)
{
	return u->enabled && u->present;
}
