/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The attach plan: which kernel functions walkcov traces on this kernel and
 * why others are skipped. Built from BTF (vmlinux and modules) and kallsyms,
 * because every kernel build inlines and renames differently. The builder
 * takes its inputs (tests give it synthetic ones); wc_plan_for_kernel reads
 * the running kernel's.
 */
#ifndef WALKCOV_PLAN_H
#define WALKCOV_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "walkcov.h"
#include "ksyms.h"

struct btf;

/* How a target is traced. */
enum wc_mech {
	WC_MECH_NONE = 0,		/* not decided (opts: choose per kernel) */
	WC_MECH_FENTRY = 1,		/* fentry/fexit pair per slot */
	WC_MECH_KPROBE = 2,		/* kprobe/kretprobe pair per target */
	WC_MECH_KPROBE_MULTI = 3,	/* one kprobe.multi/kretprobe.multi link pair */
};

/* Callback kinds the census lists but the tracer never traces (beyond enum
 * wc_kind): test_walk and pre_vma share one prototype, int (unsigned long,
 * unsigned long, struct mm_walk *); post_vma is void (struct mm_walk *).
 * Their targets have role WC_R_UNUSED and are never used. */
#define WC_K_CENSUS_TEST 32
#define WC_K_CENSUS_POST 33

struct wc_target {
	char name[128];
	char module[64];	/* "" for vmlinux */
	struct wc_slot slot;	/* role, kind and argument positions */
	bool use;		/* attach it */
	int mech;		/* set by the tracer: how it is traced */
	char why[160];		/* why it is skipped (use == false), or a note */
	int nsyms;		/* text symbols of this name in kallsyms (0: inlined or absent) */
	uint64_t addr;		/* its address in kallsyms when unique, else 0 */
	bool no_btf;		/* a module callback found through its ops struct
				 * (no module BTF, before 5.11): no fentry */
};

struct wc_plan {
	struct wc_target *t;
	int n;
	size_t cap;
	int callbacks;		/* mm_walk_ops callbacks found */
	/* kallsyms addresses of the variables the tracer needs to read page
	 * tables (bpf/quiet.bpf.h), 0 where the kernel has none */
	uint64_t page_offset_base, pgdir_shift;
	uint64_t memstart_addr;	/* arm64: &memstart_addr (bpf/quiet.bpf.h) */
	/* arm64: memstart_addr's value as vmcoreinfo's NUMBER(PHYS_OFFSET)
	 * in /proc/kcore says (wc_plan_for_kernel): the source on kernels
	 * without CONFIG_KALLSYMS_ALL, where kallsyms has no data symbols */
	uint64_t phys_offset;
	bool phys_offset_known;
	/* callbacks of modules without BTF, found through their ops structs
	 * (wc_plan_for_kernel); < 0: those could not be read (module_ops_err) */
	int module_ops_callbacks;
	char module_ops_err[160];
};

/* A module's BTF (split on vmlinux's) whose callbacks are traced too. */
struct wc_plan_module {
	const char *name;
	const struct btf *btf;
};

/* Build the plan from VMLINUX BTF, module BTFs and kallsyms KS: 0, or
 * -ENOMEM. */
int wc_plan_build(struct wc_plan *plan, const struct btf *vmlinux,
		  const struct wc_plan_module *mods, int nmods, const struct ksyms *ks);
struct wc_walkops;
/* Add the callbacks of the N module ops structs OPS (walkops.h,
 * wc_walkops_read_modules: modules without BTF), each in the role of the
 * member that points at it: how many were added, or -ENOMEM. */
int wc_plan_add_module_ops(struct wc_plan *plan, const struct wc_walkops *ops, int n,
			   const struct ksyms *ks);
/* The plan for the running kernel (/sys/kernel/btf, /proc/kallsyms): the
 * kallsyms it was checked against (caller frees), or NULL with a one-line
 * reason in ERR. */
struct ksyms *wc_plan_for_kernel(struct wc_plan *plan, char *err, size_t errlen);
void wc_plan_free(struct wc_plan *plan);
/* Keep only roles in MASK (bit 1 << WC_R_*) in use. */
void wc_plan_restrict(struct wc_plan *plan, unsigned int role_mask);
int wc_plan_used(const struct wc_plan *plan);
/* Target named NAME, or NULL. */
struct wc_target *wc_plan_find(const struct wc_plan *plan, const char *name);
/* Mark T unused with a reason (printf-style). */
void wc_target_skip(struct wc_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *wc_role_name(unsigned int role);
const char *wc_mech_name(int mech);
/* "test_walk", "pre_vma" (a name with "pre_vma" in it) or "post_vma" for
 * a census-only kind, else NULL. */
const char *wc_census_kind_name(const char *func, unsigned int kind);
/* Empty slot with every argument position WC_ARG_NONE. */
struct wc_slot wc_slot_empty(unsigned int role, unsigned int kind);

#endif
