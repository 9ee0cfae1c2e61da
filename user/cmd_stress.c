// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov stress: the command line of the built-in workload (stress/).
 * Bad input is one line and exit status 2, as for every command. */
#include <argp.h>
#include <stdlib.h>
#include "cli.h"
#include "ksyms.h"
#include "numparse.h"
#include "commands.h"
#include "stress.h"

enum { OPT_LIST = 256, OPT_JSON, OPT_ONLY, OPT_SKIP, OPT_SEED, OPT_OPS };

static const struct argp_option options[] = {
	{ "duration", 'd', "S", 0, "run for S seconds (default 10, fractions allowed)", 0 },
	{ "threads", 't', "N", 0, "reader threads driving the walkers (default 3)", 0 },
	{ "size", 's', "MB", 0, "THP arena size in MiB (default 16, >= 8, rounded up to whole pmds: 2 MiB, 32 MiB with 16 KiB pages)", 0 },
	{ "only", OPT_ONLY, "LIST", 0, "run only these walkers/splitters (comma-separated)", 0 },
	{ "skip", OPT_SKIP, "LIST", 0, "do not run these walkers/splitters", 0 },
	{ "seed", OPT_SEED, "N", 0, "deterministic: one thread runs --ops operations in the order seed N picks, "
	  "without the splitters whose effect depends on timing; walks per ops struct repeat run to run "
	  "(for walkcov diff); --duration and --threads are not used", 0 },
	{ "ops", OPT_OPS, "N", 0, "with --seed: operations to run (default 300)", 0 },
	{ "list", OPT_LIST, NULL, 0, "list walkers and splitters and whether this kernel has them", 0 },
	{ "quiet", 'q', NULL, 0, "no summary table (the exit status tells)", 0 },
	{ "json", OPT_JSON, NULL, 0, "print the summary as one JSON object on stdout", 0 },
	{},
};

/* arg as a whole number in [lo, hi], or -1 */
static long number(const char *arg, long lo, long hi)
{
	uint64_t v;

	return wc_parse_u64(arg, (uint64_t)lo, (uint64_t)hi, &v) ? -1 : (long)v;
}

/* A --only or --skip list, every name checked. */
static const char *unit_list(const char *arg, struct argp_state *state)
{
	size_t len;
	const char *bad = stress_unknown_unit(arg, &len);

	if (bad)
		argp_error(state, "unknown walker or splitter '%.*s' (see 'walkcov stress --list')",
			   (int)len, bad);
	return arg;
}

static bool ops_given;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct stress_opts *o = state->input;
	long v;

	switch (key) {
	case 'd':
		o->duration = wc_cli_duration(arg, state);
		return 0;
	case 't':
		v = number(arg, 1, STRESS_MAX_THREADS);
		if (v < 0)
			argp_error(state, "invalid thread count '%s' (1 to %d)", arg, STRESS_MAX_THREADS);
		o->threads = (int)v;
		return 0;
	case 's':
		v = number(arg, STRESS_MIN_MIB, STRESS_MAX_MIB);
		if (v < 0)
			argp_error(state, "invalid size '%s' (MiB, %d to %d)", arg, STRESS_MIN_MIB,
				   STRESS_MAX_MIB);
		/* the arena is cut into pmd slots: stress rounds it up to
		 * whole pmds of the running kernel */
		o->size = (size_t)v << 20;
		return 0;
	case OPT_ONLY:
		o->only = unit_list(arg, state);
		return 0;
	case OPT_SKIP:
		o->skip = unit_list(arg, state);
		return 0;
	case OPT_SEED:
		if (wc_parse_u64(arg, 0, UINT64_MAX, &o->seed))
			argp_error(state, "invalid seed '%s' (a whole number)", arg);
		o->seeded = true;
		return 0;
	case OPT_OPS: {
		uint64_t n;

		if (wc_parse_u64(arg, 1, STRESS_MAX_OPS, &n))
			argp_error(state, "invalid number of operations '%s' (1 to %d)", arg,
				   STRESS_MAX_OPS);
		o->ops = (unsigned long)n;
		ops_given = true;
		return 0;
	}
	case ARGP_KEY_END:
		if (ops_given && !o->seeded)
			argp_error(state, "--ops goes with --seed");
		return 0;
	case OPT_LIST:
		o->list = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* --list: the census rows each unit reaches, as this kernel names them */
static bool has_function(const char *name, void *ks)
{
	return ksyms_count_text(ks, name) > 0;
}

int cmd_stress(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = "Drive every page-table walker reachable from user space while other "
		       "threads split and re-form THPs.\v"
		       "Walkers: smaps smaps_rollup pagemap numa_maps clear_refs mincore mlock "
		       "mbind migrate_pages willneed cold pageout free pagemap_scan guard.\n"
		       "Splitters: zap_partial zap_tail mprotect fork_cow collapse debugfs_split.\n"
		       "--only naming walkers only keeps every splitter (and the reverse).\n"
		       "Exit status: 0 the workload ran (missing walkers are no failure), "
		       "1 a walker or splitter the kernel has failed unexpectedly, 2 bad usage.",
	};
	struct stress_opts o = STRESS_OPTS_DEFAULT;
	struct ksyms *ks = NULL;
	int ret;

	if (wc_cli_parse(&argp, argc, argv, 0, &o))
		return WC_EXIT_FAIL;
	if (o.list && (ks = ksyms_load(NULL))) {
		o.has_function = has_function;
		o.has_ctx = ks;
	}
	ret = stress_run(&o);
	ksyms_free(ks);
	return ret;
}
