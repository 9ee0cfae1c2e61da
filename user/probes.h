/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The attach plan: which kernel functions walkcov traces on this kernel and
 * why others are skipped. Built at run time from BTF (vmlinux and modules)
 * and /proc/kallsyms, because every kernel build inlines and renames
 * differently.
 */
#ifndef WALKCOV_PROBES_H
#define WALKCOV_PROBES_H

#include <stdbool.h>
#include <linux/types.h>
#include "walkcov.h"
#include "ksyms.h"

enum wc_mech {
	WC_MECH_NONE = 0,
	WC_MECH_FENTRY = 1,
	WC_MECH_KPROBE = 2,
};

struct wc_target {
	char name[128];
	char module[64];	/* "" for vmlinux */
	struct wc_slot slot;	/* role, kind and argument positions */
	bool use;		/* attach it */
	int mech;		/* WC_MECH_KPROBE where fentry failed for it alone */
	char why[160];		/* why it is skipped (use == false) */
};

struct wc_plan {
	struct wc_target *t;
	int n, cap;
	int callbacks;		/* mm_walk_ops callbacks found */
};

/* kallsyms and the plan for the running kernel: the kallsyms the plan was
 * checked against (caller frees), or NULL with a one-line reason in ERR. */
struct ksyms *wc_plan_for_kernel(struct wc_plan *plan, char *err, size_t errlen);
void wc_plan_free(struct wc_plan *plan);
/* Keep only roles in MASK (bit 1 << WC_R_*) in use. */
void wc_plan_restrict(struct wc_plan *plan, unsigned int role_mask);
int wc_plan_used(const struct wc_plan *plan);

const char *wc_role_name(unsigned int role);
const char *wc_mech_name(int mech);
/* Empty slot with every argument position WC_ARG_NONE. */
struct wc_slot wc_slot_empty(unsigned int role, unsigned int kind);

#endif
