// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* One-line error messages, the same shape everywhere. */
#include <stdarg.h>
#include <stdio.h>
#include "errors.h"

void wc_err(const char *fmt, ...)
{
	va_list ap;

	fputs("walkcov: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
