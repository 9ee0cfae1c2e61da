/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* TAP-style checks shared by the unit tests: check() prints "ok - ..." or
 * "not ok - ..." and counts failures, from which main sets the exit status. */
#ifndef WALKCOV_CHECK_H
#define WALKCOV_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures;

static void check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf(cond ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

#endif
