// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Summary snapshots: see summary.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "summary.h"

void wc_snapshot_init(struct wc_snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void wc_snapshot_free(struct wc_snapshot *s)
{
	free(s->rows);
	wc_snapshot_init(s);
}

void wc_sum_val_add(struct wc_sum_val *dst, const struct wc_sum_val *src)
{
	__u64 *d = (__u64 *)dst;
	const __u64 *s = (const __u64 *)src;

	/* struct wc_sum_val is __u64 counters only (bpf/walkcov.h) */
	for (size_t i = 0; i < sizeof(*dst) / sizeof(__u64); i++)
		d[i] += s[i];
}

struct wc_sum_row *wc_snapshot_row(struct wc_snapshot *s, uint64_t ops, const char *comm)
{
	struct wc_sum_row *r;

	/* a few hundred rows at most in practice: a linear search is enough */
	for (size_t i = 0; i < s->n; i++) {
		r = &s->rows[i];
		if (r->ops == ops && !strncmp(r->comm, comm, WC_COMM_LEN))
			return r;
	}
	if (wc_grow(&s->rows, &s->cap, s->n + 1, sizeof(*s->rows), 64))
		return NULL;
	r = &s->rows[s->n++];
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	strncpy(r->comm, comm, WC_COMM_LEN - 1);
	snprintf(r->name, sizeof(r->name), "0x%" PRIx64, ops);
	return r;
}
