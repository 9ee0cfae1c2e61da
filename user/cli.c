// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * argp reports a bad option as two lines (getopt's or the parser's message,
 * then "Try `walkcov record --help'...") and exits. walkcov's rule is one
 * line: while parsing, stderr is a memory stream, and only its first line is
 * printed (at exit, since argp exits after an error).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "errors.h"
#include "numparse.h"

static char *err_buf;
static size_t err_len;
static FILE *real_stderr;

static void print_first_line(void)
{
	if (!real_stderr)
		return;
	fclose(stderr);
	stderr = real_stderr;
	real_stderr = NULL;
	/* argp's lines already start "walkcov record: ..." (argv[0]) */
	if (err_buf && err_len)
		fprintf(stderr, "%s%.*s\n", strncmp(err_buf, "walkcov", 7) ? "walkcov: " : "",
			(int)strcspn(err_buf, "\n"), err_buf);
	free(err_buf);
	err_buf = NULL;
}

int wc_cli_parse(const struct argp *argp, int argc, char **argv, unsigned flags, void *input)
{
	static bool registered;
	FILE *mem = open_memstream(&err_buf, &err_len);
	int ret;

	argp_err_exit_status = WC_EXIT_FAIL;
	if (mem) {
		real_stderr = stderr;
		stderr = mem;
		if (!registered)
			atexit(print_first_line);
		registered = true;
	}
	ret = argp_parse(argp, argc, argv, flags, NULL, input);
	print_first_line();
	return ret;
}

uint32_t wc_cli_livelock(const char *arg, struct argp_state *state)
{
	uint64_t v = 0;

	if (wc_parse_u64(arg, 1, 1000000000, &v))
		argp_error(state, "invalid livelock threshold '%s'", arg);
	return (uint32_t)v;
}

double wc_cli_duration(const char *arg, struct argp_state *state)
{
	double v = 0;

	if (wc_parse_decimal(arg, &v) || !(v > 0) || v > WC_MAX_DURATION_S)
		argp_error(state, "invalid duration '%s' (seconds, > 0, at most %d)", arg,
			   WC_MAX_DURATION_S);
	return v;
}
