// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov report: the coverage summary of a recorded file. */
#include <argp.h>
#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "fileopts.h"
#include "kaddr.h"
#include "numparse.h"
#include "recfile.h"
#include "walkmap.h"

static struct {
	struct wc_file_opts f;
	uint32_t livelock;
	const char *svg_dir;	/* --svg DIR */
	uint64_t svg_maps;	/* --svg-maps N */
} env = { .f = { .input = WC_DEFAULT_FILE }, .svg_maps = WC_MAP_DEFAULT_MAPS };

enum { OPT_SVG_MAPS = 0x400 };

static const struct argp_option options[] = {
	{ "input", 'i', "FILE", 0, "Read FILE (default walkcov.data, '-' for stdin)", 0 },
	{ "json", 'j', NULL, 0, "One JSON document instead of text", 0 },
	{ "livelock", 'l', "N", 0, "Retries of one range that count as a livelock (default 1000)", 0 },
	{ "svg", 's', "DIR", 0, "Also draw one map per anomaly into DIR/anomaly-N.svg (walkcov map)", 0 },
	{ "svg-maps", OPT_SVG_MAPS, "N", 0, "Draw the maps of the first N anomalies (default 20, at most 1000)", 0 },
	{ "raw-addresses", WC_OPT_RAW_ADDRESSES, NULL, 0,
	  "Kernel pointers as they are (only for a user who can read them in /proc/kallsyms)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	if (key == 's') {
		env.svg_dir = arg;
		return 0;
	}
	if (key == OPT_SVG_MAPS) {
		if (wc_parse_u64(arg, 1, WC_MAP_MAX_MAPS, &env.svg_maps))
			argp_error(state, "invalid number of maps '%s' (1 to %d)", arg, WC_MAP_MAX_MAPS);
		return 0;
	}
	if (key == 'l') {
		env.livelock = wc_cli_livelock(arg, state);
		return 0;
	}
	return wc_file_opts_parse(&env.f, key, arg, state);
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

	if (wc_cli_parse(&argp, argc, argv, 0, NULL) || wc_kaddr_setup(env.f.raw_addresses))
		return WC_EXIT_FAIL;
	if (env.svg_dir && wc_walkmap_svg_dir(env.f.input, env.svg_dir, env.svg_maps))
		return WC_EXIT_FAIL;
	if (wc_analysis_init(&an, env.livelock)) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	ret = wc_analysis_file(&an, env.f.input) < 0 ? WC_EXIT_FAIL : WC_EXIT_OK;
	if (ret == WC_EXIT_OK && wc_analysis_print(&an, env.f.json))
		ret = WC_EXIT_FAIL;
	if (ret == WC_EXIT_OK && env.svg_dir &&
	    wc_walkmap_report_svg(&an, env.f.input, env.svg_dir, env.livelock, env.svg_maps))
		ret = WC_EXIT_FAIL;
	wc_analysis_free(&an);
	return ret;
}
