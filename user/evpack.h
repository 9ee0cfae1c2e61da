/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Packed events: how a record file (version 3) stores struct wc_event.
 * Each event is encoded against what came before it in its block: the
 * previous event overall (ts, tid) and the previous event of the same task
 * (everything else), so a typical event takes a few bytes before zlib
 * instead of 128. The encoding is lossless for any bytes, crafted ones too.
 * docs/file-format.md ("Packed events") gives the byte layout.
 *
 * Encoder and decoder keep the same state (struct wc_evpack) and must start
 * each block from wc_evpack_reset.
 */
#ifndef WALKCOV_EVPACK_H
#define WALKCOV_EVPACK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "walkcov.h"

#define WC_EVPACK_MAX		200	/* bytes one event can take, at most */
#define WC_EVPACK_TASKS		256	/* per-task references, by hash of tid */
#define WC_EVPACK_SHAPES	1024	/* "what follows (type, slot)" predictions */

/* type, slot and kind; then action, entry_action, cls and flags */
struct wc_evpack_shape {
	uint16_t type, slot;
	uint8_t kind, action, entry_action, cls, flags;
};

struct wc_evpack_task {
	struct wc_event last;	/* the task's previous event */
	uint64_t nonzero[4];	/* its last non-zero walk, mm, ops, vma */
};

struct wc_evpack {
	uint64_t ts;		/* previous event overall */
	uint32_t tid;
	struct wc_evpack_task task[WC_EVPACK_TASKS];
	struct wc_evpack_shape next[WC_EVPACK_SHAPES];
};

void wc_evpack_reset(struct wc_evpack *c);
/* Append E's encoding at OUT (room for WC_EVPACK_MAX bytes); returns its length. */
size_t wc_evpack_encode(struct wc_evpack *c, const struct wc_event *e, unsigned char *out);
/* Decode one event from the LEN bytes at P into E: the bytes used, or 0 when
 * they do not hold a well-formed event (cut short, a value out of range). */
size_t wc_evpack_decode(struct wc_evpack *c, const unsigned char *p, size_t len,
			struct wc_event *e);

#endif
