// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov report: the coverage summary of a recorded file. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "recfile.h"

static struct {
	const char *input;
	bool json;
	uint32_t livelock;
} env = { .input = WC_DEFAULT_FILE };

static const struct argp_option options[] = {
	{ "input", 'i', "FILE", 0, "Read FILE (default walkcov.data, '-' for stdin)", 0 },
	{ "json", 'j', NULL, 0, "One JSON document instead of text", 0 },
	{ "livelock", 'l', "N", 0, "Retries of one range that count as a livelock (default 1000)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;
	unsigned long v;

	switch (key) {
	case 'i':
		env.input = arg;
		break;
	case 'j':
		env.json = true;
		break;
	case 'l':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !v || v > 1000000000UL)
			argp_error(state, "invalid livelock threshold '%s'", arg);
		env.livelock = v;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s' (the file is given with -i)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = "Summarize a file written by 'walkcov record': walks per ops struct and "
		       "per command, lost events, and every double, retry and split race.",
	};
	struct wc_analysis an;
	int ret;

	if (wc_cli_parse(&argp, argc, argv, 0, NULL))
		return WC_EXIT_FAIL;
	if (wc_analysis_init(&an, env.livelock)) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	ret = wc_analysis_file(&an, env.input) < 0 ? WC_EXIT_FAIL : WC_EXIT_OK;
	if (ret == WC_EXIT_OK && wc_analysis_print(&an, env.json))
		ret = WC_EXIT_FAIL;
	wc_analysis_free(&an);
	return ret;
}
