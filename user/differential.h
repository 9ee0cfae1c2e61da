/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One truth, two engines (check --differential): one session in
 * WC_MODE_BOTH feeds every event to the user-space engine and lets the
 * in-kernel judge count the same walks; at the end both are compared per
 * ops struct (every counter of struct wc_sum_val) and by their anomaly sets
 * (type, walk id, mm, range, count). Prints each difference; docs/production.md.
 */
#ifndef WALKCOV_DIFFERENTIAL_H
#define WALKCOV_DIFFERENTIAL_H

#include <stdint.h>
#include "session.h"

/* Exit status: 0 the judges agree, 1 any difference, 2 the session failed,
 * 3 not comparable (events lost: the engine misses what the kernel saw). */
int wc_differential_run(struct wc_session_opts *o, uint32_t livelock);

#endif
