// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov exporter: trace in summary mode (walks judged in the kernel) and
 * offer the counters as Prometheus metrics: over HTTP (/metrics), into a
 * file for node_exporter's textfile collector, or both (docs/exporter.md).
 * The listening socket and the textfile are set up before tracing starts,
 * so a port in use or an unwritable directory costs one line and exit 2.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "commands.h"
#include "httpd.h"
#include "numparse.h"
#include "outfile.h"
#include "promfmt.h"
#include "session.h"

/* No number of the Prometheus port list's range 9100-9999 is free any
 * more; this one is walkcov's default (docs/exporter.md). */
#define DEFAULT_LISTEN "127.0.0.1:9851"

enum { OPT_LISTEN = 0x200, OPT_TEXTFILE, OPT_MAX_SERIES, OPT_INTERVAL };

extern const char *argp_program_version;

static struct {
	struct wc_session_opts s;	/* first: the session's argp child gets it */
	const char *listen;
	const char *textfile;
	long max_series;
	double interval;
	struct wc_prom prom;
	struct wc_httpd *httpd;
	struct wc_sink sink;
	int error;			/* a failure during tracing: its line is printed */
} env;

static const struct argp_option options[] = {
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0,
	  "Serve /metrics on ADDR:PORT (default " DEFAULT_LISTEN "; [IPv6]:PORT)", 0 },
	{ "textfile", OPT_TEXTFILE, "PATH", 0,
	  "Write the metrics to PATH every interval (PATH.tmp, then rename), for node_exporter's "
	  "textfile collector; without --listen, no HTTP server", 0 },
	{ "max-series", OPT_MAX_SERIES, "N", 0,
	  "Label sets (ops, comm) with their own series, by walks; the rest sum up in "
	  "ops=\"other\" (default 20)", 0 },
	{ "interval", OPT_INTERVAL, "SECS", 0, "Read the kernel's counters every SECS (default 1)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	uint64_t v;

	switch (key) {
	case OPT_LISTEN:
		env.listen = arg;
		return 0;
	case OPT_TEXTFILE:
		if (!*arg)
			argp_error(state, "empty textfile path");
		env.textfile = arg;
		return 0;
	case OPT_MAX_SERIES:
		if (wc_parse_u64(arg, 0, WC_PROM_MAX_SERIES_LIMIT, &v))
			argp_error(state, "invalid max series '%s' (0 to %d)", arg, WC_PROM_MAX_SERIES_LIMIT);
		env.max_series = (long)v;
		return 0;
	case OPT_INTERVAL:
		if (wc_parse_decimal(arg, &env.interval) ||
		    !(env.interval >= 0.1 && env.interval <= 3600))
			argp_error(state, "invalid interval '%s' (seconds, 0.1 to 3600)", arg);
		return 0;
	default:
		return wc_session_parent_parse(&env.s, key, state);
	}
}

/* Written in full to a new temporary file, then renamed over PATH
 * (outfile.h): node_exporter never reads half a file. 0 or -1 after one
 * line. */
static int write_textfile(const char *text, size_t len)
{
	struct wc_outfile o;

	if (wc_outfile_open(&o, env.textfile, 0))
		return -1;
	fwrite(text, 1, len, o.f);
	return wc_outfile_commit(&o);
}

/* Can the textfile be written (PATH absent or a regular file, a file
 * creatable beside it)? The temporary file made to know is removed, and
 * nothing else is touched: a run that cannot trace must not publish zeros. */
static int check_textfile(void)
{
	struct wc_outfile o;

	if (wc_outfile_open(&o, env.textfile, 0))
		return -1;
	wc_outfile_discard(&o);
	return 0;
}

/* Render the current state to the HTTP page and the textfile. */
static int publish(void)
{
	size_t len;
	char *text = wc_prom_render_str(&env.prom, &len);

	if (!text) {
		wc_err("out of memory");
		return -1;
	}
	if (env.textfile && write_textfile(text, len)) {
		free(text);
		return -1;
	}
	if (env.httpd)
		wc_httpd_set_page(env.httpd, text, len);	/* taken over */
	else
		free(text);
	return 0;
}

static int on_summary(struct wc_sink *sink, const struct wc_snapshot *snap, bool final)
{
	(void)sink;
	(void)final;
	if (wc_prom_update(&env.prom, snap)) {
		wc_err("out of memory");
		env.error = -1;
		return -1;
	}
	if (publish()) {
		env.error = -1;
		return -1;
	}
	return 0;
}

int cmd_exporter(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &wc_session_argp, 0, "Tracing:", 0 },
		{},
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace page walks in summary mode (judged in the kernel) and serve the "
		       "counters per ops struct and command as Prometheus metrics on /metrics, "
		       "and/or write them for node_exporter's textfile collector. Runs until "
		       "Ctrl-C, --duration or CMD ends. See docs/exporter.md.",
		.children = children,
	};
	struct wc_session_result res;
	char err[256];
	int ret = WC_EXIT_FAIL;

	env.max_series = WC_PROM_MAX_SERIES_DEFAULT;
	env.interval = 1;
	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &env.s))
		return WC_EXIT_FAIL;
	env.s.argc = argc;
	env.s.argv = argv;
	env.s.mode = WC_MODE_SUMMARY;
	wc_prom_init(&env.prom, (size_t)env.max_series, argp_program_version);

	/* everything that can fail on bad input fails here, before tracing */
	if (!env.textfile || env.listen) {
		const char *addr = env.listen ? env.listen : DEFAULT_LISTEN;

		env.httpd = wc_httpd_start(addr, err, sizeof(err));
		if (!env.httpd) {
			wc_err("%s", err);
			goto cleanup;
		}
	}
	if (env.textfile && check_textfile())
		goto cleanup;
	if (env.httpd) {
		/* before the first snapshot: the families, no series yet */
		size_t len;
		char *text = wc_prom_render_str(&env.prom, &len);

		if (!text) {
			wc_err("out of memory");
			goto cleanup;
		}
		wc_httpd_set_page(env.httpd, text, len);
	}

	env.sink = (struct wc_sink){
		.summary = on_summary,
		.summary_interval_ms = (unsigned int)(env.interval * 1000),
	};
	if (wc_session_run(&env.s, &env.sink, &res) || env.error)
		goto cleanup;
	ret = WC_EXIT_OK;
cleanup:
	wc_httpd_stop(env.httpd);
	wc_prom_free(&env.prom);
	return ret;
}
