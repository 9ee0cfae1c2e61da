// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "commands.h"
#include "recorder.h"

const struct argp_option wc_report_options[] = {
	{ "json", OPT_JSON, NULL, 0, "Print the report as one JSON document", 0 },
	{ "livelock", OPT_LIVELOCK, "N", 0, "Retries of one range that count as a livelock (default 1000)", 0 },
	{},
};

const struct argp_child wc_recorder_children[] = {
	{ &wc_session_argp, 0, "Tracing:", 1 },
	{},
};

/* Options shared by record, trace and check; the workload after them. */
int wc_parse_common(struct recorder *r, int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		r->output = arg;
		return 0;
	case OPT_JSON:
		r->json = true;
		return 0;
	case OPT_LIVELOCK:
		r->livelock = wc_cli_livelock(arg, state);
		return 0;
	default:
		return wc_session_parent_parse(&r->s, key, state);
	}
}

error_t wc_recorder_parse(int key, char *arg, struct argp_state *state)
{
	return wc_parse_common(state->input, key, arg, state);
}

static int on_start(const struct wc_session_info *info, void *ctx)
{
	struct recorder *r = ctx;
	struct json_object *hdr;
	char err[256];

	r->info = *info;
	if (r->live) {
		/* walks that may go backwards without fault (walk_page_mapping) */
		for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
			int i = info->slot_target[slot];

			if (i >= 0 && !wc_entry_ordered(info->plan->t[i].name))
				wc_engine_slot_unordered(r->an.engine, slot);
		}
		return 0;
	}
	hdr = wc_hdr_new(r->argc, r->argv, wc_mech_name(info->mech));
	/* event times count from the session's own clock reading */
	json_object_object_add(hdr, "monotonic_start_ns", json_object_new_uint64(info->mono_start_ns));
	if (info->cmd) {
		int n = 0;

		while (info->cmd[n])
			n++;
		wc_hdr_set_command(hdr, n, (char **)info->cmd);
	}
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		int i = info->slot_target[slot];

		if (i >= 0)
			wc_hdr_add_slot(hdr, slot, info->plan->t[i].name, info->plan->t[i].module,
					info->plan->t[i].slot.role,
					info->plan->t[i].slot.kind, wc_mech_name(info->mech));
	}
	r->w = wc_writer_open(r->output, hdr, err, sizeof(err));
	json_object_put(hdr);
	if (!r->w) {
		wc_err("%s", err);
		return -1;
	}
	return 0;
}

static int on_event(const struct wc_event *e, void *ctx)
{
	struct recorder *r = ctx;

	if (r->live) {
		wc_analysis_event(&r->an, e);
		return 0;
	}
	if (r->failed || wc_writer_event(r->w, e)) {
		if (!r->failed)
			wc_err("%s: %s", r->output, wc_writer_error(r->w));
		r->failed = true;
	}
	return 0;
}

static void on_symbol(uint64_t addr, const char *name, void *ctx)
{
	struct recorder *r = ctx;

	if (r->live)
		wc_report_symbol(r->an.report, addr, name);
	else if (!r->failed)
		wc_writer_symbol(r->w, addr, name);
}

static void on_tick(const struct wc_lost *lost, void *ctx)
{
	struct recorder *r = ctx;
	struct wc_rec_lost l = {
		.ringbuf_drops = lost->ringbuf_drops,
		.recursion_misses = lost->recursion_misses,
	};

	if (r->failed || !r->w)
		return;
	wc_writer_lost(r->w, &l);
	wc_writer_flush(r->w);
}

/* The trailer's JSON: per-program misses and stash drops. */
static char *trailer_json(const struct wc_session_result *res)
{
	struct json_object *o = json_object_new_object(), *pm = json_object_new_object();
	char *s;

	for (int i = 0; i < res->lost.n_per_prog; i++)
		json_object_object_add(pm, res->lost.per_prog[i].name,
				       json_object_new_uint64(res->lost.per_prog[i].misses));
	json_object_object_add(o, "prog_misses", pm);
	json_object_object_add(o, "stash_drops", json_object_new_uint64(res->lost.stash_drops));
	json_object_object_add(o, "cmd_status", json_object_new_int(res->cmd_status));
	s = strdup(json_object_to_json_string(o));
	json_object_put(o);
	return s;
}

static int finish_record(struct recorder *r, struct wc_session_result *res)
{
	struct wc_rec_end end = {
		.ringbuf_drops = res->lost.ringbuf_drops,
		.recursion_misses = res->lost.recursion_misses,
		.duration_ns = res->duration_ns,
	};
	char err[256], *extra = trailer_json(res);
	uint64_t events = wc_writer_events(r->w);
	struct stat st;
	int ret;

	ret = wc_writer_close(r->w, &end, extra, err, sizeof(err));
	free(extra);
	if (ret) {
		wc_err("%s", err);
		return WC_EXIT_FAIL;
	}
	if (r->failed)
		return WC_EXIT_FAIL;
	if (strcmp(r->output, "-") && !stat(r->output, &st))
		fprintf(stderr, "[ walkcov record: %" PRIu64 " events written to %s (%.1f KB), "
			"lost %" PRIu64 " (ring buffer %" PRIu64 ", skipped by the kernel %" PRIu64 ") ]\n",
			events, r->output, st.st_size / 1024.0,
			(uint64_t)(res->lost.ringbuf_drops + res->lost.recursion_misses),
			(uint64_t)res->lost.ringbuf_drops, (uint64_t)res->lost.recursion_misses);
	return WC_EXIT_OK;
}

/* Run a session into R; shared by record, trace and check. */
int wc_run_recorder(struct recorder *r, int argc, char **argv)
{
	struct wc_session_result res;
	int ret;

	r->argc = argc;
	r->argv = argv;
	r->s.on_start = on_start;
	r->s.on_event = on_event;
	r->s.on_symbol = on_symbol;
	/* a file gets LOST records and flushes; the live report takes its
	 * final counts from the session result, so no polling of counters */
	r->s.on_tick = r->live ? NULL : on_tick;
	r->s.ctx = r;
	if (r->live && wc_analysis_init(&r->an, r->livelock)) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	if (wc_session_run(&r->s, &res)) {
		if (r->w)
			wc_writer_close(r->w, NULL, NULL, NULL, 0);
		if (r->w && strcmp(r->output, "-"))
			unlink(r->output);
		if (r->live)
			wc_analysis_free(&r->an);
		return WC_EXIT_FAIL;
	}
	if (!r->live) {
		ret = finish_record(r, &res);
	} else {
		wc_analysis_finish(&r->an);
		wc_analysis_live_meta(&r->an, &r->info, &res, argc, argv);
		ret = wc_analysis_print(&r->an, r->json) ? WC_EXIT_FAIL : WC_EXIT_OK;
		if (!ret && r->verdict)
			ret = wc_analysis_verdict(&r->an);
		wc_analysis_free(&r->an);
	}
	wc_session_result_free(&res);
	return ret;
}
