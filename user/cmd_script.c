// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov script: a recorded file, one event per line. */
#include <argp.h>
#include <stdio.h>
#include "cli.h"
#include "commands.h"
#include "fileopts.h"
#include "kaddr.h"
#include "recfile.h"
#include "script.h"

static struct wc_file_opts env = { .input = WC_DEFAULT_FILE };

static const struct argp_option options[] = {
	{ "input", 'i', "FILE", 0, "Read FILE (default walkcov.data, '-' for stdin)", 0 },
	{ "json", 'j', NULL, 0, "JSON Lines: one object per line", 0 },
	{ "raw-addresses", WC_OPT_RAW_ADDRESSES, NULL, 0,
	  "Kernel pointers as they are (only for a user who can read them in /proc/kallsyms)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	return wc_file_opts_parse(&env, key, arg, state);
}

int cmd_script(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = "Print every event of a file written by 'walkcov record', one per line.",
	};

	if (wc_cli_parse(&argp, argc, argv, 0, NULL) || wc_kaddr_setup(env.raw_addresses))
		return WC_EXIT_FAIL;
	return wc_script_replay(env.input, env.json, stdout) < 0 ? WC_EXIT_FAIL : WC_EXIT_OK;
}
