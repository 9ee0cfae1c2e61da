/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The in-kernel filters of a tracing session (docs/production.md): what the
 * user asked for (-p, --comm, --cgroup, --ops), checked when parsed, the
 * --ops name resolved through kallsyms to the ids the tracer compares, and
 * their record in the file header ("filters") and in reports. */
#ifndef WALKCOV_FILTER_H
#define WALKCOV_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <linux/types.h>
#include "walkcov.h"

struct ksyms;
struct wc_plan;

struct wc_filter {
	pid_t pid;			/* -p, 0: any (the tracer also follows its children) */
	char comm[WC_COMM_LEN];		/* --comm, "": any */
	char cgroup[512];		/* --cgroup as given, "": any */
	uint64_t cgroup_id;		/* its cgroup v2 id (the directory's inode number) */
	char ops[128];			/* --ops as given, "": any */
	/* --ops resolved (wc_filter_resolve_ops); not part of the header */
	uint64_t ops_ids[WC_MAX_FILTER_OPS];
	int n_ops;
	bool ops_by_callback;		/* ops_ids are callbacks: match the ops' first callback */
};

/* Setters for the options; -1 with one line in ERR for bad input. */
int wc_filter_set_comm(struct wc_filter *f, const char *name, char *err, size_t len);
/* PATH must be a directory of a cgroup v2 file system. */
int wc_filter_set_cgroup(struct wc_filter *f, const char *path, char *err, size_t len);
int wc_filter_set_ops(struct wc_filter *f, const char *name, char *err, size_t len);

/*
 * Resolve f->ops (if set) through KS: the address of a data symbol of that
 * name (an mm_walk_ops struct; a ".N" compiler suffix is ignored), or, for
 * a function, the address of a callback of PLAN, matched against each
 * walk's first callback (so ops built on the stack, identified by their
 * first callback, can be named). -1 with one line in ERR.
 */
int wc_filter_resolve_ops(struct wc_filter *f, const struct ksyms *ks,
			  const struct wc_plan *plan, char *err, size_t len);

bool wc_filter_any(const struct wc_filter *f);
/* The header's "filters" object: only the filters set ({} for none). */
struct json_object *wc_filter_json(const struct wc_filter *f);
/* Back from a header's "filters" (NULL or absent keys: no filter). */
void wc_filter_from_json(struct wc_filter *f, struct json_object *o);
/* One line for reports: "comm 'cat', ops pagemap_ops", or "none". */
void wc_filter_describe(const struct wc_filter *f, char *buf, size_t len);

#endif
