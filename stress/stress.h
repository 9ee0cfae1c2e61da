/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* walkcov stress: a built-in workload that drives every page-table walker
 * user space can reach while other threads split and re-form THPs
 * (docs/stress.md). The public API: the run (for 'walkcov stress') and the
 * single calls behind the walkers and splitters (for the guest workload). */
#ifndef WALKCOV_STRESS_H
#define WALKCOV_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* madvise advice newer than Debian 12's headers */
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

/* Limits of the options. */
#define STRESS_MAX_THREADS 64
#define STRESS_MIN_MIB 8	/* one shared slot besides the owned ones (4 KiB pages) */
#define STRESS_MIN_PMDS 4	/* the same in pmds, for any page size */
#define STRESS_MAX_MIB 4096
#define STRESS_DEFAULT_OPS 300
#define STRESS_MAX_OPS 10000000

struct stress_opts {
	double duration;	/* seconds */
	int threads;		/* reader threads driving the walkers */
	size_t size;		/* main arena in bytes, a multiple of 2 MiB */
	const char *only, *skip;	/* comma-separated unit names, or NULL */
	bool list, quiet, json;
	/* --seed: one thread runs ops operations in the order the seed
	 * picks, so that the walks per ops struct repeat run to run on one
	 * kernel (walkcov diff); duration and threads are not used */
	bool seeded;
	uint64_t seed;
	unsigned long ops;
	/* --list: whether the running kernel has function NAME (kallsyms),
	 * so the list names each unit's census rows as this kernel calls
	 * them; NULL: every name is shown */
	bool (*has_function)(const char *name, void *ctx);
	void *has_ctx;
};

#define STRESS_OPTS_DEFAULT { .duration = 10, .threads = 3, .size = 16UL << 20, \
			      .ops = STRESS_DEFAULT_OPS }

/* The first name in the comma-separated list that is no walker or
 * splitter (its length in *len), or NULL when every name is known. */
const char *stress_unknown_unit(const char *list, size_t *len);

/* Runs the workload, or with o->list probes the units and lists them.
 * Returns the exit status: 0 it ran (missing walkers are no failure), 1 a
 * walker or splitter the kernel has failed unexpectedly, 2 it could not be
 * set up (said in one wc_err line). */
int stress_run(const struct stress_opts *o);

/* Single calls that reach a walker or split a THP, on a range the caller
 * picks. Each returns -1 with errno set on failure. Raw system calls:
 * sanitizers intercept some (ASan makes mlock a no-op). */
int stress_madvise(void *p, size_t len, int advice);
int stress_mlock(void *p, size_t len);
int stress_munlock(void *p, size_t len);

/* Reads the whole file, len bytes at a time into buf; the total read. */
ssize_t stress_read_file(const char *path, char *buf, size_t len);

/* Reads the pagemap entries (8 bytes each) of n pages from addr on into
 * out; the bytes read. */
ssize_t stress_pagemap_read(int fd, const void *addr, size_t n, void *out);

/* Split the THP holding the 4 KiB page p: by zapping that page (zap ->
 * __split_huge_pmd), or by giving it protection prot (change_pmd_range ->
 * __split_huge_pmd; the VMA splits too). */
int stress_split_zap(void *p);
int stress_split_mprotect(void *p, int prot);

/* Sum of one smaps field (kB) over the VMAs inside [lo, hi), or -1 when
 * smaps cannot be read. When flag is given, *has_flag is set if one of
 * those VMAs has it among its VmFlags. */
long stress_smaps_kb(const char *field, const void *lo, const void *hi, const char *flag,
		     bool *has_flag);

#endif
