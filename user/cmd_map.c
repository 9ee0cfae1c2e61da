// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov map: one walk of a recorded file drawn as SVG (docs/map.md). */
#include <argp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "fileopts.h"
#include "kaddr.h"
#include "numparse.h"
#include "outfile.h"
#include "recfile.h"
#include "svgmap.h"
#include "walkmap.h"

static struct {
	struct wc_file_opts f;
	const char *output;
	uint64_t walk;		/* --walk N, 0: not given */
	uint64_t anomaly;	/* --anomaly N, 0: not given */
	uint32_t livelock;
} env = { .f = { .input = WC_DEFAULT_FILE }, .output = "walkcov-map.svg" };

enum { OPT_WALK = 0x400, OPT_ANOMALY };

static const struct argp_option options[] = {
	{ "input", 'i', "FILE", 0, "Read FILE (default walkcov.data)", 0 },
	{ "output", 'o', "FILE", 0, "Write the SVG to FILE (default walkcov-map.svg, '-' for stdout)", 0 },
	{ "walk", OPT_WALK, "N", 0, "Draw the walk with the tracer's walk id N ('walk N' in the report)", 0 },
	{ "anomaly", OPT_ANOMALY, "N", 0,
	  "Draw the walk of the Nth anomaly the report lists (default: the first)", 0 },
	{ "livelock", 'l', "N", 0, "Retries of one range that count as a livelock (default 1000)", 0 },
	{ "raw-addresses", WC_OPT_RAW_ADDRESSES, NULL, 0,
	  "Kernel pointers as they are (only for a user who can read them in /proc/kallsyms)", 0 },
	{},
};

static uint64_t positive(const char *what, const char *arg, struct argp_state *state)
{
	uint64_t v = 0;

	if (wc_parse_u64(arg, 1, UINT64_MAX, &v))
		argp_error(state, "invalid %s '%s' (a number from 1)", what, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		env.output = arg;
		return 0;
	case OPT_WALK:
		env.walk = positive("walk id", arg, state);
		return 0;
	case OPT_ANOMALY:
		env.anomaly = positive("anomaly number", arg, state);
		return 0;
	case 'l':
		env.livelock = wc_cli_livelock(arg, state);
		return 0;
	case ARGP_KEY_END:
		if (env.walk && env.anomaly)
			argp_error(state, "--walk and --anomaly cannot go together");
		return 0;
	}
	return wc_file_opts_parse(&env.f, key, arg, state);
}

/* The walk of the Nth anomaly (first pass over the file): 0 and a message
 * when there is none. */
static uint64_t anomaly_walk(const char *path, uint64_t nth, struct wc_anomaly *out)
{
	struct wc_analysis an;
	const struct wc_anomaly *all;
	size_t n;
	uint64_t id = 0;
	int ret;

	if (!strcmp(path, "-")) {
		wc_err("map reads the file twice unless --walk is given: give a file, not '-'");
		return 0;
	}
	if (wc_analysis_init(&an, env.livelock)) {
		wc_err("out of memory");
		return 0;
	}
	an.quiet_truncation = true;	/* said once, by the second pass */
	if ((ret = wc_analysis_file(&an, path)) >= 0) {
		all = wc_report_anomalies(an.report, &n);
		if (!n)
			wc_err("%s: no anomaly to draw (give a walk with --walk N)%s", path,
			       ret ? "; the file is truncated" : "");
		else if (nth > n)
			wc_err("%s: no anomaly %" PRIu64 " (the report lists %zu)%s", path, nth, n,
			       ret ? "; the file is truncated" : "");
		else {
			*out = all[nth - 1];
			id = out->walk_id;
		}
	}
	wc_analysis_free(&an);
	return id;
}

int cmd_map(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = "Draw one walk of a file written by 'walkcov record' as SVG: a cell per "
		       "pmd (2 MiB; 32 MiB with 16 KiB pages) coloured by how often it was handled, retries, holes, skipped "
		       "VMAs, VMA boundaries and THP splits (docs/map.md).",
	};
	struct wc_anomaly hl;
	struct wc_analysis an;
	struct wc_mapset *set = NULL;
	struct wc_outfile o = { .f = stdout };
	struct wc_map *m;
	uint64_t id, cut;
	int ret = WC_EXIT_FAIL, truncated;

	if (wc_cli_parse(&argp, argc, argv, 0, NULL) || wc_kaddr_setup(env.f.raw_addresses))
		return WC_EXIT_FAIL;
	/* the output first: a bad path fails before the file is read */
	if (strcmp(env.output, "-") &&
	    wc_outfile_open(&o, env.output, WC_OUT_KEEP_OLD | (wc_kaddr_raw() ? WC_OUT_PRIVATE : 0)))
		return WC_EXIT_FAIL;
	id = env.walk;
	if (!id && !(id = anomaly_walk(env.f.input, env.anomaly ? env.anomaly : 1, &hl)))
		goto out;
	if (wc_analysis_init(&an, env.livelock)) {
		wc_err("out of memory");
		goto out;
	}
	if (!(set = wc_mapset_new(&id, 1))) {
		wc_err("out of memory");
		goto out_an;
	}
	/* one line per run: the truncation warning, or the walk missing */
	an.quiet_truncation = true;
	if ((truncated = wc_mapset_replay(set, &an, env.f.input)) < 0)
		goto out_an;
	m = wc_mapset_get(set, id);
	if (!m->closed) {
		wc_err("%s: no walk %" PRIu64 " in this file ('walkcov script' shows walk ids)%s",
		       env.f.input, id, truncated ? "; the file is truncated" : "");
		goto out_an;
	}
	if (truncated)
		wc_replay_warn_truncated(env.f.input, an.file_events);
	cut = wc_svgmap_render(o.f, m, env.walk ? NULL : &hl);
	/* stdout is judged at exit (wc_output_status) */
	ret = o.path && wc_outfile_commit(&o) ? WC_EXIT_FAIL : WC_EXIT_OK;
	if (ret == WC_EXIT_OK && cut && !truncated)	/* one line: the truncation said enough */
		wc_err("%s: walk %" PRIu64 " drawn in part: %" PRIu64 " pmds not drawn (a map has "
		       "at most %d cells; its note says where)", env.f.input, id, cut, WC_SVG_MAX_CELLS);
out_an:
	wc_mapset_free(set);
	wc_analysis_free(&an);
out:
	if (o.path)
		wc_outfile_discard(&o);	/* not committed */
	return ret;
}
