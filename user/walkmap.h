/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The data behind walkcov map: one walk of a record file as the coverage
 * engine judged it, collected through the engine's observer (coverage.h),
 * never judged here. svgmap.c draws it; docs/map.md shows the result.
 *
 * A map keeps, per layer, the address ranges the engine said were handled,
 * doubled, retried, skipped... of the walk's first address space, as
 * sorted, merged intervals; memory grows with how fragmented the walk is,
 * not with its events (a pmd's pte visits in a row are one interval), up to
 * WC_MAP_MAX_IVS intervals per map and WC_MAPSET_MAX_IVS for all the maps
 * of one replay (then a map says it is truncated).
 */
#ifndef WALKCOV_WALKMAP_H
#define WALKCOV_WALKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis.h"
#include "coverage.h"

#define WC_MAP_MAX_IVS	(1u << 16)	/* intervals of all layers of one map: 1 MiB */
#define WC_MAPSET_MAX_IVS (1u << 18)	/* ... of all maps together (report --svg): 4 MiB */
#define WC_MAP_MAX_SPLITS 4096		/* split markers of one map */
#define WC_MAP_MAX_MAPS	1000		/* report --svg-maps N: at most */
#define WC_MAP_DEFAULT_MAPS 20		/* report --svg: maps written by default */

enum wc_map_layer {
	WC_ML_ENTRY,	/* handled by an entry callback (pgd..pte, hugetlb) */
	WC_ML_HOLE,	/* handled by pte_hole */
	WC_ML_PTE,	/* handled by pte_entry: the walk was at pte level there */
	WC_ML_DOWN,	/* a pmd_entry that passed its range down to pte level */
	WC_ML_DOUBLE,	/* judged handled again */
	WC_ML_RETRY,	/* repeated (ACTION_AGAIN or the walker's own retry) */
	WC_ML_SKIP,	/* a VMA skipped by walk_page_test */
	WC_ML_OOO,	/* handled below the walk's cursor (out of order) */
	WC_ML_UNJUDGED,	/* visited with an unknown action: not counted */
	WC_ML_GAP,	/* handled by no callback in a complete walk: a gap */
	WC_ML_SILENT,	/* not visited where the walker is silent by design */
	WC_ML_UNSURE,	/* not visited, and whether by design is unknown */
	WC_ML_STOPPED,	/* not walked: a non-zero return stopped the walk */
	WC_ML_VMA,	/* each chunk's and skip's range (not merged: VMA boundaries) */
	WC_ML_COUNT
};

struct wc_ivl {
	uint64_t s, e;
};

struct wc_ivlist {
	struct wc_ivl *v;
	size_t n, cap;
	bool sorted;	/* sorted and merged (wc_map_finish) */
};

struct wc_map_split {
	uint64_t block;		/* the pmd-sized block split */
	uint32_t attr;		/* WC_SPLIT_OWN or WC_SPLIT_OTHER */
	uint32_t tid;
};

struct wc_map {
	uint64_t walk_id;
	bool closed;			/* the engine closed the walk: w is valid */
	struct wc_walk w;
	uint64_t mm;			/* the address space drawn (the walk's first) */
	uint64_t other_mm;		/* observations of other address spaces, not drawn */
	struct wc_ivlist layer[WC_ML_COUNT];
	size_t nivs;			/* intervals of all layers */
	bool truncated;			/* WC_MAP_MAX_IVS reached: later ranges not drawn */
	struct wc_map_split *splits;
	size_t nsplits, capsplits;
	uint64_t splits_dropped;
	/* filled by wc_map_describe */
	struct wc_anomaly *an;		/* the walk's anomalies, as the report lists them */
	size_t nan;
	size_t *an_number;		/* their numbers in the report (from 1) */
	char title[512];		/* walk, process, ops */
	char verdict[256];		/* what the engine said of the walk */
	char source[512];		/* file, kernel */
	struct wc_map *next;		/* in a wc_mapset */
};

struct wc_mapset;

/* Maps of the walks IDS[0..N), all empty. NULL: out of memory. */
struct wc_mapset *wc_mapset_new(const uint64_t *ids, size_t n);
void wc_mapset_free(struct wc_mapset *s);
/* The map of walk ID, or NULL if the set does not hold it. */
struct wc_map *wc_mapset_get(struct wc_mapset *s, uint64_t id);

/* Replay PATH through AN (a fresh analysis) with the set observing its
 * walks; then sort every map and fill its anomalies and titles from the
 * report. 0, 1 (truncated file, warned) or -1 (error printed). */
int wc_mapset_replay(struct wc_mapset *s, struct wc_analysis *an, const char *path);
/* Its parts: the engine's observer callbacks (struct wc_observer, ctx the
 * set), and the end: sort every map, fill its anomalies and titles from
 * AN's report (PATH names the source). */
void wc_mapset_observe(const struct wc_observation *o, void *set);
void wc_mapset_closed(const struct wc_walk *w, void *set);
void wc_mapset_finish(struct wc_mapset *s, struct wc_analysis *an, const char *path);

/* walkcov report --svg DIR: one map per anomaly of the report AN (already
 * filled from PATH with LIVELOCK_RETRIES), DIR/anomaly-N.svg, N as the
 * report numbers them, for the first MAX_MAPS (one line says how many were
 * left out, one how many maps were cut at WC_SVG_MAX_CELLS); each written
 * whole (outfile.h). wc_walkmap_svg_dir checked DIR first.
 * 0, or -1 with one line printed. */
/* Before reading PATH: DIR exists (made if absent), is no symbolic link and
 * can be written, the paths of MAX_MAPS maps in it are not too long for the
 * system (never cut), and PATH is not stdin (read twice). 0, or -1 with one
 * line printed. */
int wc_walkmap_svg_dir(const char *path, const char *dir, size_t max_maps);
int wc_walkmap_report_svg(struct wc_analysis *an, const char *path, const char *dir,
			  uint32_t livelock_retries, size_t max_maps);

#endif
