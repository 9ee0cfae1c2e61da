// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov script: a recorded file, one event per line. */
#include <argp.h>
#include <stdio.h>
#include "cli.h"
#include "commands.h"
#include "fileopts.h"
#include "kaddr.h"
#include "numparse.h"
#include "recfile.h"
#include "script.h"

static struct {
	struct wc_file_opts f;
	uint64_t limit;		/* --limit N, 0: every event */
} env = { .f = { .input = WC_DEFAULT_FILE } };

enum { OPT_LIMIT = 0x400 };

static const struct argp_option options[] = {
	{ "input", 'i', "FILE", 0, "Read FILE (default walkcov.data, '-' for stdin)", 0 },
	{ "json", 'j', NULL, 0, "JSON Lines: one object per line", 0 },
	{ "limit", OPT_LIMIT, "N", 0, "Print the first N events only, then stop reading", 0 },
	{ "raw-addresses", WC_OPT_RAW_ADDRESSES, NULL, 0,
	  "Kernel pointers as they are (only for a user who can read them in /proc/kallsyms)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	if (key == OPT_LIMIT) {
		if (wc_parse_u64(arg, 1, UINT64_MAX, &env.limit))
			argp_error(state, "invalid limit '%s' (a number of events from 1)", arg);
		return 0;
	}
	return wc_file_opts_parse(&env.f, key, arg, state);
}

int cmd_script(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = "Print every event of a file written by 'walkcov record', one per line.",
	};

	if (wc_cli_parse(&argp, argc, argv, 0, NULL) || wc_kaddr_setup(env.f.raw_addresses))
		return WC_EXIT_FAIL;
	return wc_script_replay_limit(env.f.input, env.f.json, env.limit, stdout) < 0 ?
	       WC_EXIT_FAIL : WC_EXIT_OK;
}
