/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The one clock reading helper (events carry CLOCK_MONOTONIC ns). */
#ifndef WALKCOV_CLOCK_H
#define WALKCOV_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t wc_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
