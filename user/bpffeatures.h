/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What the running kernel's BPF offers the tracer, probed by loading tiny
 * programs (never read from the version string), and which BPF object
 * follows from it: the main one, or the compat one (bpf/compat.bpf.h). */
#ifndef WALKCOV_BPFFEATURES_H
#define WALKCOV_BPFFEATURES_H

#include <stdbool.h>
#include <stddef.h>

struct wc_features {
	bool probed;
	bool func_arg;		/* bpf_get_func_arg/_ret in fentry/fexit (5.17) */
	bool loop;		/* bpf_loop (5.17) */
	bool atomic_fetch;	/* atomic fetch-add and cmpxchg (5.12) */
	bool attach_cookie;	/* bpf_get_attach_cookie in kprobes (5.15) */
	/* not probed: set by the caller where the object it loads without
	 * the cookie finds a kprobe's slot by the probed address (the
	 * compat object, x86: bpf/compat.bpf.h) */
	bool kprobe_by_addr;
};

/* Probe the running kernel (the fentry probe attaches to BTF function
 * FUNC_ID; 0 if unknown: not probed, counted as present). */
void wc_features_probe(struct wc_features *f, int func_id);

/* The main object loads: every feature it uses is there. */
bool wc_features_main(const struct wc_features *f);
/* Summary mode (the in-kernel judge) loads: the main object's. */
bool wc_features_summary(const struct wc_features *f);
/* kprobe programs load: their slot comes as the attach cookie, or, in the
 * compat object (kprobe_by_addr), from the probed address. */
bool wc_features_kprobes(const struct wc_features *f);

/* One line: what the kernel lacks and what that costs; "" when nothing. */
void wc_features_missing(const struct wc_features *f, char *buf, size_t len);

#endif
