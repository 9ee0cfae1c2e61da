// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The commands that trace: see live.h. */
#include "analysis.h"
#include "differential.h"
#include "cli.h"
#include "errors.h"
#include "fileopts.h"
#include "kaddr.h"
#include "live.h"
#include "tracer.h"

const struct argp_option wc_report_options[] = {
	{ "json", 'j', NULL, 0, "Print the report as one JSON document", 0 },
	{ "livelock", 'l', "N", 0, "Retries of one range that count as a livelock (default 1000)", 0 },
	{ "raw-addresses", WC_OPT_RAW_ADDRESSES, NULL, 0,
	  "Kernel pointers as they are (only for a user who can read them in /proc/kallsyms)", 0 },
	{ "full", WC_OPT_FULL, NULL, 0,
	  "Full event mode: every callback to user space and the user-space engine judges "
	  "(the reference; slower). Default: summary mode, walks judged in the kernel, "
	  "only anomalies (with their kernel stack) cross to user space", 0 },
	{ "differential", WC_OPT_DIFFERENTIAL, NULL, OPTION_HIDDEN,
	  "Run both judges on the same events and compare them (tests)", 0 },
	{},
};

const struct argp_child wc_live_children[] = {
	{ &wc_session_argp, 0, "Tracing:", 1 },
	{},
};

error_t wc_live_parse(int key, char *arg, struct argp_state *state)
{
	struct wc_live_opts *l = state->input;

	switch (key) {
	case 'o':
		l->output = arg;
		return 0;
	case 'j':
		l->json = true;
		return 0;
	case 'l':
		l->livelock = wc_cli_livelock(arg, state);
		return 0;
	case WC_OPT_RAW_ADDRESSES:
		l->raw_addresses = true;
		return 0;
	case WC_OPT_FULL:
		l->full = true;
		return 0;
	case WC_OPT_DIFFERENTIAL:
		l->differential = true;
		return 0;
	default:
		return wc_session_parent_parse(&l->s, key, state);
	}
}

int wc_live_analyse(struct wc_live_opts *l, int argc, char **argv, bool verdict)
{
	struct wc_session_result res;
	struct wc_analysis an;
	char why[256];
	const char *failed;
	int ret;

	if (wc_kaddr_setup(l->raw_addresses))
		return WC_EXIT_FAIL;
	l->s.argc = argc;
	l->s.argv = argv;
	if (l->differential)
		return wc_differential_run(&l->s, l->livelock);
	if (wc_analysis_init(&an, l->livelock)) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	if (!l->full && !wc_tracer_summary_loads(why, sizeof(why))) {
		/* 5.10-era kernels: the same report from full event mode */
		wc_err("summary mode cannot load on this kernel (%s): full event mode", why);
		l->full = true;
	}
	if (!l->full && !wc_tracer_summary_loads(why, sizeof(why))) {
		/* 5.10-era kernels: the same report from full event mode */
		wc_err("summary mode cannot load on this kernel (%s): full event mode", why);
		l->full = true;
	}
	if (!l->full) {
		/* summary mode: the kernel judges, the report is the same */
		l->s.mode = WC_MODE_SUMMARY;
		l->s.livelock = l->livelock;
		if (wc_analysis_summary_mode(&an)) {
			wc_analysis_free(&an);
			wc_err("out of memory");
			return WC_EXIT_FAIL;
		}
	}
	if (wc_session_run(&l->s, &an.sink, &res)) {
		wc_analysis_free(&an);
		return WC_EXIT_FAIL;
	}
	ret = wc_analysis_print(&an, l->json) ? WC_EXIT_FAIL : WC_EXIT_OK;
	/* the status comes back through the trailer, as from a file */
	failed = wc_report_workload_failure(wc_report_meta(an.report), why, sizeof(why));
	if (failed)
		wc_err("%s", failed);
	if (!ret && verdict) {
		ret = wc_analysis_verdict(&an);
		/* doubles and gaps win over a failed workload, which wins over "could not prove" */
		if (failed && ret != WC_EXIT_ANOMALY)
			ret = WC_EXIT_FAIL;
	}
	wc_analysis_free(&an);
	return ret;
}
