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
	char module[64];		/* the module it is in (wc_walkops_read_modules) */
};

/* The named ops structs of the running kernel (KCORE: NULL for
 * /proc/kcore): how many into *OUT (caller frees), or -1 with the reason in
 * ERR (no BTF, kcore unreadable). */
int wc_walkops_read(const struct ksyms *ks, const char *kcore,
		    bool (*is_callback)(const char *member, const char *func, void *ctx), void *ctx,
		    struct wc_walkops **out, char *err, size_t errlen);

/* The mm_walk_ops structs of modules that have no BTF (before 5.11 no
 * module has any), through KCORE (NULL: /proc/kcore): each data symbol of
 * such a module (WANT_MODULE says which) with "ops" in its name is read as
 * an array of struct mm_walk_ops (its layout from vmlinux BTF) up to the
 * next symbol, element by element until one is not an ops struct: every
 * function-pointer member 0 or the start of a text symbol of the same
 * module, at least one set. Without the module's BTF the prototypes cannot
 * be checked: a struct of function pointers of that module named "*ops*"
 * and laid out like one would pass (file_operations does not: its first
 * member points at the module's struct module). Elements after the first
 * are named NAME[i]. VMLINUX: the BTF with struct mm_walk_ops (NULL: the
 * running kernel's). How many into *OUT (caller frees), or -1 with the
 * reason in ERR. */
struct btf;
int wc_walkops_read_modules(const struct ksyms *ks, const char *kcore, const struct btf *vmlinux,
			    bool (*want_module)(const char *module, void *ctx), void *ctx,
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
