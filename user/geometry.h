/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The page-table geometry walkcov judges by: the page size and the span of
 * a pmd. Never a constant: the kernel decides it (x86-64 and arm64 4K:
 * 4 KiB pages, 2 MiB pmds; arm64 16K: 16 KiB pages, 32 MiB pmds). Tracing
 * takes it from the running kernel (wc_geometry_from_kernel), reading a
 * record file from the file's header (wc_geometry_from_header); the
 * default until then is 4 KiB pages. A pte table fills one page with
 * 8-byte entries, so a pmd spans page_size / 8 pages.
 */
#ifndef WALKCOV_GEOMETRY_H
#define WALKCOV_GEOMETRY_H

#include <stdint.h>

struct wc_geometry {
	uint32_t page_shift;	/* 12: 4 KiB, 14: 16 KiB, 16: 64 KiB */
	uint32_t pmd_shift;	/* page_shift + page_shift - 3 */
};

extern struct wc_geometry wc_geo;

#define WC_PAGE_SIZE	(1ULL << wc_geo.page_shift)
#define WC_PMD_SIZE	(1ULL << wc_geo.pmd_shift)
#define WC_PTES_PER_PMD	(1ULL << (wc_geo.pmd_shift - wc_geo.page_shift))

/* Set wc_geo for a page size in bytes; -1 (wc_geo unchanged) if it is not
 * a power of two from 4 KiB to 64 KiB. */
int wc_geometry_set(uint64_t page_size);
/* The running kernel's page size (getpagesize). */
void wc_geometry_from_kernel(void);

#endif /* WALKCOV_GEOMETRY_H */
