// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "analysis.h"
#include "commands.h"

int wc_analysis_init(struct wc_analysis *a, uint32_t livelock_retries)
{
	struct wc_engine_opts o = {
		.livelock_retries = livelock_retries,
		.on_walk = wc_report_on_walk,
		.on_anomaly = wc_report_on_anomaly,
	};

	memset(a, 0, sizeof(*a));
	a->report = wc_report_new();
	if (!a->report)
		return -1;
	o.ctx = a->report;
	a->engine = wc_engine_new(&o);
	if (!a->engine) {
		wc_report_free(a->report);
		a->report = NULL;
		return -1;
	}
	return 0;
}

void wc_analysis_event(struct wc_analysis *a, const struct wc_event *e)
{
	a->events++;
	wc_engine_feed(a->engine, e);
}

void wc_analysis_finish(struct wc_analysis *a)
{
	struct wc_report_meta *m = wc_report_meta(a->report);

	wc_engine_flush(a->engine);
	wc_meta_from_engine(m, wc_engine_stats(a->engine));
	m->events = a->events;
}

void wc_analysis_free(struct wc_analysis *a)
{
	wc_engine_free(a->engine);
	wc_report_free(a->report);
	memset(a, 0, sizeof(*a));
}

static int file_header(struct json_object *hdr, void *ctx)
{
	struct wc_analysis *a = ctx;

	wc_meta_from_header(wc_report_meta(a->report), hdr);
	for (unsigned slot = 0; slot < WC_MAX_SLOTS; slot++) {
		const char *fn = wc_hdr_slot_name(hdr, slot);

		if (fn && !wc_entry_ordered(fn))
			wc_engine_slot_unordered(a->engine, slot);
	}
	return 0;
}

static int file_event(const struct wc_event *ev, void *ctx)
{
	wc_analysis_event(ctx, ev);
	return 0;
}

static int file_symbol(uint64_t addr, const char *name, void *ctx)
{
	struct wc_analysis *a = ctx;

	wc_report_symbol(a->report, addr, name);
	return 0;
}

static int file_lost(const struct wc_rec_lost *l, void *ctx)
{
	struct wc_analysis *a = ctx;

	wc_meta_from_lost(wc_report_meta(a->report), l);
	return 0;
}

static int file_end(const struct wc_rec_end *e, struct json_object *extra, void *ctx)
{
	struct wc_analysis *a = ctx;

	wc_meta_from_end(wc_report_meta(a->report), e, extra);
	return 0;
}

int wc_analysis_file(struct wc_analysis *a, const char *path)
{
	struct wc_replay_cb cb = {
		.header = file_header,
		.event = file_event,
		.symbol = file_symbol,
		.lost = file_lost,
		.end = file_end,
		.ctx = a,
	};
	int ret = wc_replay(path, &cb);

	if (ret < 0)
		return -1;
	wc_analysis_finish(a);
	wc_report_meta(a->report)->truncated = ret == 1;
	return ret;
}

static void join_argv(char *buf, size_t len, int argc, char *const *argv)
{
	buf[0] = '\0';
	for (int i = 0; argv && i < argc && argv[i]; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
	}
}

void wc_analysis_live_meta(struct wc_analysis *a, const struct wc_session_info *info,
			   const struct wc_session_result *res, int argc, char **argv)
{
	struct wc_report_meta *m = wc_report_meta(a->report);
	time_t secs = info->realtime_start_ns / 1000000000ULL;
	struct tm tm;

	snprintf(m->kernel, sizeof(m->kernel), "%s", info->kernel);
	snprintf(m->machine, sizeof(m->machine), "%.31s", info->machine);
	snprintf(m->mechanism, sizeof(m->mechanism), "%s", wc_mech_name(info->mech));
	join_argv(m->cmdline, sizeof(m->cmdline), argc, argv);
	join_argv(m->command, sizeof(m->command), 1 << 20, info->cmd);
	gmtime_r(&secs, &tm);
	strftime(m->start_time, sizeof(m->start_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	m->start_ns = info->mono_start_ns;
	m->duration_ns = res->duration_ns;
	m->ringbuf_drops = res->lost.ringbuf_drops;
	m->recursion_misses = res->lost.recursion_misses;
	m->stash_drops = res->lost.stash_drops;
	for (int i = 0; i < res->lost.n_per_prog; i++)
		wc_meta_prog_miss(m, res->lost.per_prog[i].name, res->lost.per_prog[i].misses);
}

int wc_analysis_print(struct wc_analysis *a, bool json)
{
	if (json) {
		struct json_object *doc = wc_report_json(a->report);
		const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE);
		int ret = puts(s) < 0 ? -1 : 0;

		json_object_put(doc);
		return ret;
	}
	return wc_report_print(a->report, stdout);
}

int wc_analysis_verdict(struct wc_analysis *a)
{
	const struct wc_report *r = a->report;

	return wc_report_count(r, WC_AN_DOUBLE) || wc_report_count(r, WC_AN_OUT_OF_ORDER) ||
	       wc_report_count(r, WC_AN_LIVELOCK) ? WC_EXIT_ANOMALY : WC_EXIT_OK;
}
