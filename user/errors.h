/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Exit statuses and one-line error messages, the same shape everywhere;
 * the lowest layer, so any file may use it. */
#ifndef WALKCOV_ERRORS_H
#define WALKCOV_ERRORS_H

#define WC_EXIT_OK 0
#define WC_EXIT_ANOMALY 1
#define WC_EXIT_FAIL 2
#define WC_EXIT_UNPROVEN 3	/* check: no double seen, but not every walk could be proven */

/* "walkcov: " + message + newline on stderr. */
void wc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
