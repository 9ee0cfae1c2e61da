/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The layout of walkcov map: a walk (walkmap.h) drawn as hand-written SVG.
 * One row of cells per pmd (2 MiB, 32 MiB with 16K pages), wrapped; runs of identical pmds drawn as
 * one box ("x412"); the pte level opened, one strip of the pmd's pages, under
 * the pmds where the walk went down. Colours and markers: docs/map.md.
 */
#ifndef WALKCOV_SVGMAP_H
#define WALKCOV_SVGMAP_H

#include <stdio.h>
#include "walkmap.h"

/* Cells (pmds, or runs of identical ones) one map draws at most: a walk
 * too fragmented for runs to summarise (every other pmd handled) would
 * otherwise make 270 bytes of SVG per pmd, 54 MB for 200000 of them. The
 * cells after the cap are not drawn, and the map says so. */
#define WC_SVG_MAX_CELLS 8192

/* Write the SVG document of M on F, HIGHLIGHT (or NULL) outlined. Write
 * errors are left in F's error flag. Returns the pmds not drawn (past
 * WC_SVG_MAX_CELLS), 0 when the whole walk is drawn. */
uint64_t wc_svgmap_render(FILE *f, const struct wc_map *m, const struct wc_anomaly *highlight);

#endif
