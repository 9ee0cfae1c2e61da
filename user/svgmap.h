/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The layout of walkcov map: a walk (walkmap.h) drawn as hand-written SVG.
 * One row of cells per 2 MiB pmd, wrapped; runs of identical pmds drawn as
 * one box ("x412"); the pte level opened, one strip of 512 pages, under
 * the pmds where the walk went down. Colours and markers: docs/map.md.
 */
#ifndef WALKCOV_SVGMAP_H
#define WALKCOV_SVGMAP_H

#include <stdio.h>
#include "walkmap.h"

/* Write the SVG document of M on F, HIGHLIGHT (or NULL) outlined. Write
 * errors are left in F's error flag. */
void wc_svgmap_render(FILE *f, const struct wc_map *m, const struct wc_anomaly *highlight);

#endif
