// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The analysis sink: see analysis.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis.h"
#include "census.h"
#include "errors.h"
#include "recfile.h"

static struct wc_analysis *analysis(struct wc_sink *s)
{
	return wc_container_of(s, struct wc_analysis, sink);
}

static int an_begin(struct wc_sink *s, struct json_object *hdr)
{
	struct wc_analysis *a = analysis(s);

	wc_meta_from_header(wc_report_meta(a->report), hdr);
	wc_census_from_header(wc_report_census(a->report), hdr);
	/* entry points that may go backwards without fault (walk_page_mapping) */
	for (unsigned slot = 0; slot < WC_MAX_SLOTS; slot++) {
		const char *fn = wc_hdr_slot_name(hdr, slot);

		if (fn && !wc_entry_ordered(fn))
			wc_engine_slot_unordered(a->engine, slot);
	}
	return 0;
}

static int an_event(struct wc_sink *s, const struct wc_event *e)
{
	struct wc_analysis *a = analysis(s);

	a->events++;
	if (e->type == WC_EV_ANOMALY) {
		if (a->merger)
			wc_merger_add(a->merger, e);
		return 0;
	}
	if (!a->summary) {
		wc_engine_feed(a->engine, e);
		wc_census_event(wc_report_census(a->report), e);
	}
	return 0;
}

static int an_stack(struct wc_sink *s, int32_t id, const char *const *frames, int n)
{
	struct wc_analysis *a = analysis(s);
	size_t len = 1;
	char *j;

	if (id < 0 || id >= WC_STACK_ENTRIES || !a->stacks || a->stacks[id])
		return 0;
	for (int i = 0; i < n; i++)
		len += strlen(frames[i]) + 1;
	j = calloc(1, len);
	if (!j)
		return 0;	/* the anomaly is shown without its stack */
	for (int i = 0; i < n; i++) {
		strcat(j, frames[i]);
		if (i + 1 < n)
			strcat(j, "\n");
	}
	a->stacks[id] = j;
	return 0;
}

static int an_summary(struct wc_sink *s, const struct wc_snapshot *snap, bool final)
{
	struct wc_analysis *a = analysis(s);

	if (final && a->summary)
		wc_report_summary(a->report, snap);
	return 0;
}

/* The merged anomalies, each with its stack's frames. */
static void merged_to_report(struct wc_analysis *a)
{
	const char *frames[WC_STACK_DEPTH];

	for (size_t i = 0; i < wc_merger_count(a->merger); i++) {
		const struct wc_merged *x = wc_merger_get(a->merger, i);
		const char *p = x->stack_id >= 0 && x->stack_id < WC_STACK_ENTRIES ?
				a->stacks[x->stack_id] : NULL;
		char buf[WC_STACK_DEPTH * 160];
		int n = 0;

		if (p && strlen(p) < sizeof(buf)) {
			char *q = strcpy(buf, p);

			while (q && n < WC_STACK_DEPTH) {
				frames[n++] = q;
				q = strchr(q, '\n');
				if (q)
					*q++ = '\0';
			}
		}
		wc_report_anomaly_stack(a->report, &x->a, frames, n);
	}
}

static int an_symbol(struct wc_sink *s, uint64_t addr, const char *name)
{
	wc_report_symbol(analysis(s)->report, addr, name);
	return 0;
}

static int an_lost(struct wc_sink *s, const struct wc_rec_lost *l)
{
	wc_meta_from_lost(wc_report_meta(analysis(s)->report), l);
	return 0;
}

/* End of stream: close open walks, take the trailer and the engine's
 * statistics. No trailer: the recording is truncated. */
static int an_end(struct wc_sink *s, const struct wc_rec_end *e, struct json_object *extra)
{
	struct wc_analysis *a = analysis(s);
	struct wc_report_meta *m = wc_report_meta(a->report);

	wc_engine_flush(a->engine);
	if (e)
		wc_meta_from_end(m, e, extra);
	m->truncated = !e;
	if (a->summary)
		merged_to_report(a);
	else
		wc_meta_from_engine(m, wc_engine_stats(a->engine));
	m->events = a->events;
	return 0;
}

int wc_analysis_init(struct wc_analysis *a, uint32_t livelock_retries)
{
	struct wc_engine_opts o = {
		.livelock_retries = livelock_retries,
		.on_walk = wc_report_on_walk,
		.on_anomaly = wc_report_on_anomaly,
		.max_open = WC_ANALYSIS_MAX_OPEN,
	};

	memset(a, 0, sizeof(*a));
	a->sink = (struct wc_sink){ .begin = an_begin, .event = an_event, .symbol = an_symbol,
				    .lost = an_lost, .end = an_end };
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

int wc_analysis_summary_mode(struct wc_analysis *a)
{
	a->summary = true;
	a->merger = wc_merger_new();
	a->stacks = calloc(WC_STACK_ENTRIES, sizeof(*a->stacks));
	if (!a->merger || !a->stacks)
		return -1;
	a->sink.summary = an_summary;
	a->sink.stack = an_stack;
	return 0;
}

void wc_analysis_free(struct wc_analysis *a)
{
	if (a->stacks)
		for (int i = 0; i < WC_STACK_ENTRIES; i++)
			free(a->stacks[i]);
	free(a->stacks);
	wc_merger_free(a->merger);
	wc_engine_free(a->engine);
	wc_report_free(a->report);
	memset(a, 0, sizeof(*a));
}

int wc_analysis_file(struct wc_analysis *a, const char *path)
{
	int ret = wc_replay_ex(path, &a->sink, !a->quiet_truncation, &a->file_events);

	return ret < 0 ? -1 : ret;
}

int wc_analysis_print(struct wc_analysis *a, bool json)
{
	if (json) {
		struct json_object *doc = wc_report_json(a->report);
		const char *s = doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
		int ret = 0;

		/* write errors are judged at exit (wc_output_status) */
		if (!s) {
			wc_err("out of memory building the JSON report");
			ret = -1;
		} else {
			puts(s);
		}
		json_object_put(doc);
		return ret;
	}
	return wc_report_print(a->report, stdout);
}

int wc_analysis_verdict(struct wc_analysis *a)
{
	switch (wc_report_verdict_kind(a->report)) {
	case WC_VERDICT_ANOMALIES: return WC_EXIT_ANOMALY;
	case WC_VERDICT_UNPROVEN: return WC_EXIT_UNPROVEN;
	default: return WC_EXIT_OK;
	}
}
