// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov record: trace page walks into a file.
 * walkcov trace: the same session analysed live, the report printed at exit. */
#include <argp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "commands.h"
#include "live.h"
#include "recfile.h"

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write to FILE (default walkcov.data, '-' for stdout)", 0 },
	{},
};

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = {
		.options = record_options,
		.parser = wc_live_parse,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace every page walk (system wide, one process with -p, or while CMD "
		       "runs) into a file for 'walkcov report' and 'walkcov script'. Ctrl-C "
		       "stops and writes a complete file.",
		.children = wc_live_children,
	};
	struct wc_live_opts l = { .output = WC_DEFAULT_FILE };
	struct wc_session_result res;
	struct wc_file_sink f;
	struct stat st;
	const struct wc_rec_end *e = &f.end;

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &l))
		return WC_EXIT_FAIL;
	l.s.argc = argc;
	l.s.argv = argv;
	wc_file_sink_init(&f, l.output);
	if (wc_session_run(&l.s, &f.sink, &res)) {
		/* a session that failed leaves no file; one the writer failed
		 * on is kept: it reads up to the error */
		if (!f.failed)
			wc_file_sink_discard(&f);
		return WC_EXIT_FAIL;
	}
	if (strcmp(l.output, "-") && !stat(l.output, &st))
		fprintf(stderr, "[ walkcov record: %" PRIu64 " events written to %s (%.1f KB), "
			"lost %" PRIu64 " (ring buffer %" PRIu64 ", skipped by the kernel %" PRIu64 ") ]\n",
			e->events, l.output, st.st_size / 1024.0,
			e->ringbuf_drops + e->recursion_misses, e->ringbuf_drops,
			e->recursion_misses);
	return WC_EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
	static const struct argp argp = {
		.options = wc_report_options,
		.parser = wc_live_parse,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace live, with no file, and print the coverage report at exit "
		       "(Ctrl-C, --duration or the end of CMD). By default walks are judged in "
		       "the kernel (summary mode: cheap, only anomalies and their kernel stacks "
		       "reach user space); --full sends every event to the user-space engine, "
		       "for a walk the kernel could not judge in full, or use 'record' to keep "
		       "the events.",
		.children = wc_live_children,
	};
	struct wc_live_opts l = {};

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &l))
		return WC_EXIT_FAIL;
	return wc_live_analyse(&l, argc, argv, false);
}
