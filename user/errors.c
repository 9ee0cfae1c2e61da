// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* One-line error messages, the same shape everywhere. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

int wc_output_status(FILE *out, int status)
{
	int err;

	errno = 0;
	if (fflush(out) == 0 && !ferror(out))
		return status;
	/* a failed write keeps failing the same way: retry for its errno
	 * (SIGPIPE is ignored, so a closed pipe gives EPIPE) */
	err = errno;
	if (!err) {
		clearerr(out);
		if (fputc('\n', out) == EOF || fflush(out))
			err = errno;
	}
	if (err == EPIPE)
		return WC_EXIT_PIPE;
	wc_err("writing the output: %s", err ? strerror(err) : "write error");
	return WC_EXIT_FAIL;
}
