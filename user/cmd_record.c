// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov record: trace page walks into a file.
 * walkcov trace: the same session analysed live, the report printed at exit. */
#include <argp.h>
#include "cli.h"
#include "commands.h"
#include "recorder.h"

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write to FILE (default walkcov.data, '-' for stdout)", 0 },
	{},
};

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = {
		.options = record_options,
		.parser = wc_recorder_parse,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace every page walk (system wide, one process with -p, or while CMD "
		       "runs) into a file for 'walkcov report' and 'walkcov script'. Ctrl-C "
		       "stops and writes a complete file.",
		.children = wc_recorder_children,
	};
	struct recorder r = { .output = WC_DEFAULT_FILE };

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &r))
		return WC_EXIT_FAIL;
	return wc_run_recorder(&r, argc, argv);
}

int cmd_trace(int argc, char **argv)
{
	static const struct argp argp = {
		.options = wc_report_options,
		.parser = wc_recorder_parse,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace live, with no file, and print the coverage report at exit "
		       "(Ctrl-C, --duration or the end of CMD).",
		.children = wc_recorder_children,
	};
	struct recorder r = { .live = true };

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &r))
		return WC_EXIT_FAIL;
	return wc_run_recorder(&r, argc, argv);
}
