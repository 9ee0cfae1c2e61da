/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Exit statuses and one-line error messages, the same shape everywhere;
 * the lowest layer, so any file may use it. */
#ifndef WALKCOV_ERRORS_H
#define WALKCOV_ERRORS_H

#include <stdio.h>

#define WC_EXIT_OK 0
#define WC_EXIT_ANOMALY 1
#define WC_EXIT_FAIL 2
#define WC_EXIT_UNPROVEN 3	/* check: no double seen, but not every walk could be proven */
/* The reader of stdout went away (a closed pipe, 'walkcov script | head'):
 * main then dies of SIGPIPE, quietly, as git and coreutils do (the shell
 * sees status 141). */
#define WC_EXIT_PIPE 141

/* "walkcov: " + message + newline on stderr. */
void wc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Every command's output is judged once, at exit: flush OUT and return
 * STATUS if everything reached it, WC_EXIT_PIPE (no message) if its reader
 * closed the pipe, else WC_EXIT_FAIL after one line ("walkcov: writing the
 * output: No space left on device").
 */
int wc_output_status(FILE *out, int status);

#endif
