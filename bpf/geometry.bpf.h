/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The page-table geometry of the running kernel, for the tracer and its
 * judge: set by the frontend before load (user/geometry.c reads it from
 * the kernel), so one BPF object serves 4K and 16K page kernels. The
 * defaults are x86-64's (and arm64 4K's). Included by walkcov.bpf.c.
 */
#ifndef WALKCOV_GEOMETRY_BPF_H
#define WALKCOV_GEOMETRY_BPF_H

const volatile __u32 wc_page_shift = 12;	/* 4 KiB pages; 14 on arm64 16K */
const volatile __u32 wc_pmd_shift = 21;	/* a pmd maps 2 MiB; 32 MiB on 16K */

#define WC_PAGE_SIZE	(1ULL << wc_page_shift)
#define WC_PMD_SIZE	(1ULL << wc_pmd_shift)

#endif /* WALKCOV_GEOMETRY_BPF_H */
