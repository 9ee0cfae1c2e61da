/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one parser of the numbers given on the command line (and in
 * --listen's port): plain decimal digits, nothing else. No sign, no
 * space, no "0x", no exponent, no "inf"; a value past the range (or past
 * 2^64 - 1) is refused, never wrapped or clamped, so "-1",
 * "-18446744073709551615", " 1" and "1e3" are all errors.
 */
#ifndef WALKCOV_NUMPARSE_H
#define WALKCOV_NUMPARSE_H

#include <stdint.h>

/* S as a whole number in [MIN, MAX] into *OUT. 0, or -1 (and *OUT untouched). */
int wc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* S as digits with an optional fraction ("10", "0.5", ".5", "2."), at
 * least one digit; the caller checks the range. 0, or -1. */
int wc_parse_decimal(const char *s, double *out);

#endif
