/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Architecture facts walkcov relies on, in one place for the BPF tracer and
 * the frontend. Only x86-64 is supported; another target stops the build
 * here (the Makefile says so too).
 */
#ifndef WALKCOV_ARCH_H
#define WALKCOV_ARCH_H

#if !defined(__TARGET_ARCH_x86) && !defined(__x86_64__)
#error "walkcov supports x86-64 only (page-table bits, argument registers, address layout)"
#endif

#define WC_PAGE_SIZE		4096ULL
#define WC_PMD_SIZE		(2ULL << 20)	/* one pmd maps 2 MiB */
#define WC_PUD_SIZE		(1ULL << 30)

/* The kernel image and modules live at and above this; kernel stacks and
 * the direct map below it. */
#define WC_KERNEL_IMAGE_BASE	0xffffffff80000000ULL

/* pmd/pud entry bits: present, PSE (huge leaf), PROTNONE (NUMA hinting) */
#define WC_PTE_PRESENT		(1ULL << 0)
#define WC_PTE_PSE		(1ULL << 7)
#define WC_PTE_PROTNONE		(1ULL << 8)

/* Reading page tables (bpf/quiet.bpf.h): x86's pXd_none() ignores the
 * accessed and dirty bits (Knights Landing erratum); a table entry's
 * physical address, seen through the direct map at page_offset_base
 * (randomized: the frontend finds the variable in kallsyms, else these
 * defaults), and the top level's shift (pgdir_shift: 48 with 5 levels). */
#define WC_PT_NONE_MASK		(~0x60ULL)
#define WC_PT_PFN_MASK		0x000ffffffffff000ULL
#define WC_PT_ENTRIES		512
#define WC_PAGE_OFFSET_4L	0xffff888000000000ULL
#define WC_PAGE_OFFSET_5L	0xff11000000000000ULL
#define WC_PGDIR_SHIFT_4L	39
#define WC_PGDIR_SHIFT_5L	48
#define WC_USER_TOP_4L		(1ULL << 47)	/* TASK_SIZE_MAX, rounded up to the guard page */
#define WC_USER_TOP_5L		(1ULL << 56)

#endif /* WALKCOV_ARCH_H */
