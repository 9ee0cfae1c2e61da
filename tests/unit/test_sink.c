// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The one event pipeline (sink.h): the same stream fed live into a sink,
 * and written by the file sink then replayed into it, gives the same report
 * (metadata included) and the same script output. The live header and
 * trailer come from the session's own helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis.h"
#include "check.h"
#include "errors.h"
#include "evgen.h"
#include "recfile.h"
#include "script.h"
#include "session.h"

#define B 0x7f0000000000ULL
#define MB2 (2ULL << 20)
#define START 5000000000ULL
#define OPS 0xffffffff82000000ULL

static char *argv_walkcov[] = { "walkcov", "check", "--", "false", NULL };
static char *cmd[] = { "false", NULL };

/* The header a live session builds: two attach slots of a small plan. */
static struct json_object *live_header(struct wc_target *t)
{
	struct wc_plan plan = { .t = t, .n = 2, .cap = 2 };
	struct wc_filter filter = { .comm = "false", .ops = "pagemap_ops" };
	struct wc_session_info info = {
		.plan = &plan, .mech = WC_MECH_FENTRY, .mono_start_ns = START,
		.cmd = cmd, .filter = &filter, .argc = 4, .argv = argv_walkcov,
	};

	snprintf(t[0].name, sizeof(t[0].name), "walk_page_range");
	t[0].slot = wc_slot_empty(WC_R_WALK, 0);
	snprintf(t[1].name, sizeof(t[1].name), "pagemap_pmd_range");
	t[1].slot = wc_slot_empty(WC_R_CALLBACK, WC_K_PMD_ENTRY);
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		info.slot_target[i] = i == 0 ? 0 : i == 5 ? 1 : -1;
	return wc_session_header(&info);
}

/* A walk with the 2019 double: a huge pmd sent down while another task
 * splits it, its ptes handled again. */
static void events(struct evgen *g)
{
	eg_init(g);
	g->tmpl.ts_ns = START;
	g->ts = START + 1000;
	eg_begin(g, B, B + 2 * MB2);
	eg_pmd(g, B, WC_ACT_SUBTREE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_split(g, 200, B + 0x1000, 1);
	eg_ptes(g, B, B + MB2);
	eg_pmd(g, B + MB2, WC_ACT_CONTINUE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_end(g, 0);
}

/* The whole stream into SINK, as a live session sends it. */
static int feed(struct wc_sink *sink, struct json_object *hdr, const struct evgen *g,
		int status, int sig)
{
	struct wc_prog_miss pm = { .name = "pagemap_pmd_range", .misses = 3 };
	struct wc_lost lost = { .ringbuf_drops = 4, .stash_drops = 2, .recursion_misses = 3,
				.per_prog = &pm, .n_per_prog = 1 };
	struct wc_session_result res = { .cmd_status = status, .cmd_signal = sig };
	struct wc_rec_lost l = { .ringbuf_drops = 1, .recursion_misses = 1, .ts_ns = START + 7 };
	struct wc_rec_end end;
	struct json_object *extra;
	int ret = wc_sink_begin(sink, hdr);

	ret = ret ? ret : wc_sink_symbol(sink, OPS, "pagemap_ops");
	for (size_t i = 0; !ret && i < g->n; i++)
		ret = wc_sink_event(sink, &g->ev[i]);
	ret = ret ? ret : wc_sink_lost(sink, &l);
	extra = wc_session_trailer(&lost, &res, g->n, 3000000000ULL, 0, &end);
	ret = ret ? ret : wc_sink_end(sink, &end, extra);
	json_object_put(extra);
	return ret;
}

static char *report_json(struct wc_analysis *an)
{
	struct json_object *doc = wc_report_json(an->report);
	char *s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));

	json_object_put(doc);
	return s;
}

static void test_header(struct json_object *hdr)
{
	struct json_object *slot = wc_hdr_slot(hdr, 5);
	char buf[256];

	check(wc_hdr_u64(hdr, "monotonic_start_ns") == START, "live header: the session's clock start");
	check(!strcmp(wc_hdr_argv(hdr, "command", buf, sizeof(buf)), "false"), "live header: command");
	check(!strcmp(wc_hdr_argv(hdr, "cmdline", buf, sizeof(buf)), "walkcov check -- false"),
	      "live header: cmdline '%s'", buf);
	check(!strcmp(wc_hdr_str(hdr, "mechanism"), "fentry"), "live header: mechanism");
	check(!strcmp(wc_hdr_slot_name(hdr, 0), "walk_page_range") &&
	      !strcmp(wc_hdr_str(slot, "name"), "pagemap_pmd_range") &&
	      !strcmp(wc_hdr_str(slot, "role_name"), "callback") && !wc_hdr_slot(hdr, 1),
	      "live header: plan slots 0 and 5 only, with names and roles");
	check(!strcmp(json_object_to_json_string_ext(json_object_object_get(hdr, "filters"),
						     JSON_C_TO_STRING_PLAIN),
		      "{\"comm\":\"false\",\"ops\":\"pagemap_ops\"}"), "live header: filters");
}

static void test_report(const char *path, struct json_object *hdr, const struct evgen *g)
{
	struct wc_analysis live, file;
	struct wc_file_sink f;
	struct wc_report_meta *m;
	char *a, *b, why[256];
	int ret;

	wc_file_sink_init(&f, path);
	ret = feed(&f.sink, hdr, g, 1, 0);
	check(ret == 0 && f.opened && !f.failed && f.end.events == g->n,
	      "file sink writes the stream (%llu events)", (unsigned long long)f.end.events);

	wc_analysis_init(&live, 0);
	wc_analysis_init(&file, 0);
	check(feed(&live.sink, hdr, g, 1, 0) == 0, "analysis takes the live stream");
	check(wc_analysis_file(&file, path) == 0, "analysis takes the file");
	a = report_json(&live);
	b = report_json(&file);
	check(!strcmp(a, b), "live and file give the same report JSON");
	if (strcmp(a, b))
		printf("# live:\n%s\n# file:\n%s\n", a, b);

	m = wc_report_meta(live.report);
	check(m->events == g->n && m->ringbuf_drops == 4 && m->recursion_misses == 3 &&
	      m->stash_drops == 2 && m->duration_ns == 3000000000ULL && !m->truncated,
	      "live meta from the trailer: counts and duration");
	check(m->nprogs == 1 && !strcmp(m->progs[0].name, "pagemap_pmd_range") &&
	      m->progs[0].misses == 3, "live meta: per-program misses from the trailer");
	check(!strcmp(m->command, "false") && !strcmp(m->cmdline, "walkcov check -- false") &&
	      !strcmp(m->mechanism, "fentry") && m->start_ns == START,
	      "live meta from the header: command, cmdline, mechanism, start");
	check(!strcmp(m->filter.comm, "false") && !strcmp(m->filter.ops, "pagemap_ops") &&
	      !m->filter.pid && !*m->filter.cgroup, "live meta from the header: filters");
	check(strlen(m->start_time) == 27 && m->start_time[19] == '.' && m->start_time[26] == 'Z',
	      "live start time has microseconds, as a file's: %s", m->start_time);
	check(wc_report_count(live.report, WC_AN_DOUBLE) == 1 &&
	      wc_report_count(file.report, WC_AN_DOUBLE) == 1, "both see the one double");
	check(m->cmd_status == 1 && m->cmd_signal == 0 &&
	      !strcmp(wc_report_workload_failure(m, why, sizeof(why)) ?: "",
		      "workload 'false' exited with status 1"),
	      "workload status from the trailer: %s", why);
	check(wc_analysis_verdict(&live) == WC_EXIT_ANOMALY, "verdict: the double");
	free(a);
	free(b);
	wc_analysis_free(&live);
	wc_analysis_free(&file);

	wc_analysis_init(&live, 0);
	feed(&live.sink, hdr, g, -1, 9);
	m = wc_report_meta(live.report);
	check(m->cmd_status == -1 && m->cmd_signal == 9 &&
	      !strcmp(wc_report_workload_failure(m, why, sizeof(why)) ?: "",
		      "workload 'false' was killed by signal 9 (Killed)"),
	      "killed workload: %s", why);
	wc_analysis_free(&live);

	wc_analysis_init(&live, 0);
	feed(&live.sink, hdr, g, 0, 0);
	check(!wc_report_workload_failure(wc_report_meta(live.report), why, sizeof(why)),
	      "exit status 0 is no failure");
	wc_analysis_free(&live);
}

/* script: live into the sink, or the file replayed, print the same. */
static void test_script(const char *path, struct json_object *hdr, const struct evgen *g)
{
	for (int json = 0; json < 2; json++) {
		char *a = NULL, *b = NULL;
		size_t alen, blen;
		FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
		struct wc_script_sink s;
		int ret;

		wc_script_sink_init(&s, fa, json);
		ret = feed(&s.sink, hdr, g, 1, 0);
		wc_script_sink_free(&s);
		fclose(fa);
		check(ret == 0 && wc_script_replay(path, json, fb) == 0, "script %s: both run",
		      json ? "json" : "text");
		fclose(fb);
		check(alen > 0 && alen == blen && !memcmp(a, b, alen),
		      "script %s: live and file print the same %zu bytes", json ? "json" : "text", alen);
		free(a);
		free(b);
	}
}

int main(void)
{
	char path[64] = "/tmp/walkcov-sink-XXXXXX";
	struct wc_target t[2] = {};
	struct json_object *hdr = live_header(t);
	struct evgen g;
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	events(&g);
	test_header(hdr);
	test_report(path, hdr, &g);
	test_script(path, hdr, &g);
	unlink(path);
	/* the writer kept mkstemp's empty file as PATH.old */
	unlink(strcat(path, ".old"));
	eg_free(&g);
	json_object_put(hdr);
	return failures ? 1 : 0;
}
