// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov: prove that the kernel's page walker handles every range once. */
#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"

const char *argp_program_version = "walkcov 0.1";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "probes", cmd_probes, "list the attach points walkcov uses on this kernel" },
	{ "count",  cmd_count,  "count walks per ops struct (a quick look)" },
	{ "record", cmd_record, "trace page walks into a file (walkcov.data)" },
	{ "trace",  cmd_trace,  "trace live and print the report at exit" },
	{ "report", cmd_report, "summarize a recorded file" },
	{ "script", cmd_script, "print a recorded file one event per line" },
	{ "map",    cmd_map,    "draw one walk of a recorded file as SVG" },
	{ "diff",   cmd_diff,   "compare two runs (record files or --json reports), exit 1 on a regression" },
	{ "stress", cmd_stress, "drive every page walker while THPs split" },
	{ "check",  cmd_check,  "trace a workload and give a verdict (exit 1 on any double or gap)" },
	{ "top",    cmd_top,    "a live table of walks, rates and anomalies (summary mode)" },
	{ "exporter", cmd_exporter, "serve summary counters as Prometheus metrics (/metrics, textfile)" },
};

/* No command: a reminder, not the whole list. */
static void short_usage(void)
{
	fprintf(stderr, "Usage: walkcov COMMAND [OPTIONS...]  (COMMAND: ");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "%s%s", i ? ", " : "", commands[i].name);
	fprintf(stderr, ")\n'walkcov --help' describes them.\n");
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: walkcov COMMAND [OPTIONS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'walkcov COMMAND --help' describes each command.\n");
}

static bool judged;

/* Judge stdout (errors.h); a closed pipe ends walkcov as it ends git. */
static int finish(int status)
{
	judged = true;
	status = wc_output_status(stdout, status);
	if (status == WC_EXIT_PIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return status;
}

/* argp's --help and --usage exit by themselves: judge their output too */
static void finish_at_exit(void)
{
	int status;

	if (judged)
		return;
	status = finish(WC_EXIT_OK);
	if (status != WC_EXIT_OK)
		_exit(status);
}

int main(int argc, char **argv)
{
	argp_err_exit_status = WC_EXIT_FAIL;
	/* write errors are found where they happen (EPIPE), never by a signal
	 * in the middle of a recording; the workload gets SIGPIPE back
	 * (session.c) */
	signal(SIGPIPE, SIG_IGN);
	atexit(finish_at_exit);
	if (argc < 2) {
		short_usage();
		return WC_EXIT_FAIL;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish(WC_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return finish(WC_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char name[64];

		if (strcmp(argv[1], commands[i].name))
			continue;
		/* argp names the program after argv[0]: "Usage: walkcov record" */
		snprintf(name, sizeof(name), "walkcov %s", commands[i].name);
		argv[1] = name;
		return finish(commands[i].fn(argc - 1, argv + 1));
	}
	wc_err("unknown command '%s' (see 'walkcov --help')", argv[1]);
	return WC_EXIT_FAIL;
}
