/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The mm_walk_ops structs the symbol table names, with their callbacks:
 * each data symbol with "ops" in its name is read from /proc/kcore (root,
 * a kernel without lockdown confidentiality) and kept when it is laid out
 * as struct mm_walk_ops (BTF): every function pointer in it is 0 or the
 * start of a function the caller knows as a callback of that member
 * (IS_CALLBACK: the census), and at least one is set. Other structs of
 * function pointers (file_operations, ...) fail that test. Ops built on the stack
 * (7.x madvise, guard regions) or inside an unnamed object have no symbol:
 * their callbacks stay ungrouped (census.h).
 */
#ifndef WALKCOV_WALKOPS_H
#define WALKCOV_WALKOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "ksyms.h"

#define WC_WALKOPS_MEMBERS 12	/* callback members of struct mm_walk_ops, at most */
#define WC_WALKOPS_MAX 1024

struct wc_walkops {
	char name[128];			/* the symbol, its compiler suffix (".75") cut */
	uint64_t addr;
	const char *member[WC_WALKOPS_MEMBERS];	/* "pmd_entry", ...; NULL past the last */
	char cb[WC_WALKOPS_MEMBERS][128];	/* its callback per member, "" if none */
};

/* The named ops structs of the running kernel (KCORE: NULL for
 * /proc/kcore): how many into *OUT (caller frees), or -1 with the reason in
 * ERR (no BTF, kcore unreadable). */
int wc_walkops_read(const struct ksyms *ks, const char *kcore,
		    bool (*is_callback)(const char *member, const char *func, void *ctx), void *ctx,
		    struct wc_walkops **out, char *err, size_t errlen);

/* The value of "KEY=" in the kernel's vmcoreinfo note (KCORE: NULL for
 * /proc/kcore), e.g. "NUMBER(PHYS_OFFSET)": 0, or -1 when the file, the
 * note or the key is missing or the value is not a number. */
int wc_kcore_vmcoreinfo(const char *kcore, const char *key, uint64_t *val);

/* The first callback of the mm_walk_ops struct at OPS in the tracer's
 * order (pmd_entry, pte_entry, pud_entry, hugetlb_entry, pte_hole), read
 * through /proc/kcore: names ops kallsyms does not name (no
 * CONFIG_KALLSYMS_ALL, ops inside a bigger object). 0: cannot be read. */
uint64_t wc_walkops_first_callback(uint64_t ops);

/* LEN bytes of kernel memory at ADDR through KCORE (NULL: /proc/kcore): 0 or -1. */
int wc_kcore_read(const char *kcore, uint64_t addr, void *buf, size_t len);

#endif
