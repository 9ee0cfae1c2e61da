// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Report and script output tests: text and JSON for a small set of walks
 * and anomalies (sorting, lost line, verdict), bounds, script lines.
 * Link with user/coverage.c for the name functions, or build with
 * -DWC_STUB_ENGINE_NAMES to use the stubs below.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis.h"
#include "check.h"
#include "errors.h"
#include "kaddr.h"
#include "recfile.h"
#include "report.h"
#include "script.h"

#ifdef WC_STUB_ENGINE_NAMES
const char *wc_anomaly_name(uint32_t t)
{
	static const char *n[] = { "?", "double", "retry", "out-of-order", "livelock", "gap" };
	return t < 6 ? n[t] : "?";
}
const char *wc_kind_name(uint32_t k)
{
	static const char *n[] = { "?", "pud_entry", "pmd_entry", "pte_entry", "pte_hole",
				   "hugetlb_entry", "pmd_range", "pte_range" };
	return k < 8 ? n[k] : "?";
}
const char *wc_action_name(uint32_t a)
{
	return a == 0 ? "subtree" : a == 1 ? "continue" : a == 2 ? "again" : "?";
}
const char *wc_class_name(uint32_t c)
{
	static const char *n[] = { "unknown", "none", "table", "huge", "swap" };
	return c < 5 ? n[c] : "?";
}
#endif

#define OPS_A 0xffffffff82000000ull	/* named pagemap_ops */
#define OPS_B 0xffffffff82000100ull	/* no symbol */
#define OPS_C 0xffffffff82000200ull	/* named ptdump_ops */
#define START 1000000000ull

static struct wc_walk walk(uint64_t ops, const char *comm, uint64_t bytes)
{
	static uint64_t id;
	struct wc_walk w = { 0 };

	w.id = ++id;
	w.pid = 100;
	w.tid = 101;
	snprintf(w.comm, sizeof(w.comm), "%s", comm);
	w.ops = ops;
	w.start = 0x7f0000000000ull;
	w.end = w.start + bytes;
	w.begin_ts = START + id * 1000;
	w.end_ts = w.begin_ts + 500;
	w.bytes = bytes;
	w.pmd_huge = 1;
	w.pmd_down = 2;
	w.pte_visits = 1024;
	w.holes = 3;
	return w;
}

static struct wc_anomaly anomaly(uint32_t type, uint32_t split, uint64_t ops)
{
	struct wc_anomaly a = { 0 };

	a.type = type;
	a.split = split;
	a.walk_id = 7;
	a.pid = 100;
	a.tid = 101;
	snprintf(a.comm, sizeof(a.comm), "stress");
	a.ops = ops;
	a.mm = 0xffff888000001000ull;
	a.start = 0x7f0000200000ull;
	a.end = 0x7f0000400000ull;
	a.kind = WC_K_PTE_ENTRY;
	a.count = 512;
	a.first_ts = START + 1500000000ull;	/* 1.5 s after start */
	a.last_ts = a.first_ts + 10;
	a.split_tid = split == WC_SPLIT_OTHER ? 4321 : split == WC_SPLIT_OWN ? 101 : 0;
	return a;
}

static char *render(struct wc_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (wc_report_print(r, f))
		check(0, "print returned an error");
	fclose(f);
	return buf;
}

static struct json_object *json_roundtrip(struct wc_report *r)
{
	struct json_object *doc = wc_report_json(r);
	struct json_object *back = json_tokener_parse(
		json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));

	json_object_put(doc);
	return back;
}

/* doc.path.to.value ("summary.lost.total", "ops.0.name") */
static struct json_object *jget(struct json_object *o, const char *path)
{
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	}
	return o;
}

static uint64_t ju(struct json_object *o, const char *path)
{
	return json_object_get_uint64(jget(o, path));
}

static const char *js(struct json_object *o, const char *path)
{
	const char *s = json_object_get_string(jget(o, path));

	return s ? s : "(null)";
}

/* position of a line containing all of a and b, or -1 */
static long line_pos(const char *text, const char *a, const char *b)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			return p - text;
		p = nl ? nl + 1 : NULL;
	}
	return -1;
}

static void fill_meta(struct wc_report *r, uint64_t rb, uint64_t rec)
{
	struct wc_report_meta *m = wc_report_meta(r);
	struct wc_rec_end e = { 1000, rb, rec, 2500000000ull };
	struct json_object *x = json_tokener_parse(
		"{\"prog_misses\":{\"fexit/pmd_entry_x\":2},\"stash_drops\":4}");

	wc_meta_from_end(m, &e, x);
	json_object_put(x);
	snprintf(m->kernel, sizeof(m->kernel), "6.1.0-56-cloud-amd64");
	snprintf(m->machine, sizeof(m->machine), "x86_64");
	snprintf(m->command, sizeof(m->command), "walkcov stress --all");
	snprintf(m->start_time, sizeof(m->start_time), "2025-11-25T21:00:00.000000Z");
	m->start_ns = START;
}

static struct wc_report *sample(uint64_t rb, uint64_t rec)
{
	struct wc_report *r = wc_report_new();
	struct wc_walk w;

	fill_meta(r, rb, rec);
	wc_report_symbol(r, OPS_A, "pagemap_ops");
	wc_report_symbol(r, OPS_C, "ptdump_ops");
	for (int i = 0; i < 3; i++) {
		w = walk(OPS_A, "cat", 4096);
		wc_report_walk(r, &w);
	}
	for (int i = 0; i < 5; i++) {
		w = walk(OPS_B, "stress", 2 << 20);
		w.splits_own = 1;
		wc_report_walk(r, &w);
	}
	w = walk(OPS_C, "stress", 1ull << 30);
	w.doubles = 1;
	w.retries = 5;
	w.splits_other = 2;
	wc_report_on_walk(&w, r);
	return r;
}

static void test_text(void)
{
	struct wc_report *r = sample(3, 2);
	struct wc_anomaly a;
	char *t;
	long pa, pb, pc;

	a = anomaly(WC_AN_DOUBLE, WC_SPLIT_OTHER, OPS_C);
	wc_report_on_anomaly(&a, r);
	a = anomaly(WC_AN_RETRY, WC_SPLIT_NONE, OPS_B);
	wc_report_anomaly(r, &a);
	a = anomaly(WC_AN_RETRY, WC_SPLIT_OWN, OPS_B);
	wc_report_anomaly(r, &a);
	a = anomaly(WC_AN_OUT_OF_ORDER, WC_SPLIT_NONE, OPS_A);
	wc_report_anomaly(r, &a);
	t = render(r);
	if (getenv("SHOW"))
		fputs(t, stdout);

	check(line_pos(t, "# events: 1000", "walks: 9") >= 0, "text: events and walks line");
	check(line_pos(t, "# lost: 5 (ring buffer drops: 3, programs skipped by the kernel: 2)",
		       NULL) >= 0, "text: lost line shows both sources");
	check(line_pos(t, "fexit/pmd_entry_x: 2", NULL) >= 0, "text: per-program misses");
	check(line_pos(t, "WARNING: coverage is incomplete: 5 events lost", NULL) >= 0,
	      "text: incomplete coverage said plainly");
	check(line_pos(t, "# duration: 2.500 s", NULL) >= 0, "text: duration");
	check(line_pos(t, "# kernel: 6.1.0-56-cloud-amd64 x86_64", NULL) >= 0, "text: kernel");
	check(line_pos(t, "# command: walkcov stress --all", NULL) >= 0, "text: command");
	check(line_pos(t, "# sample time: 2025-11-25T21:00:00", NULL) >= 0, "text: sample time");
	check(line_pos(t, "entry state drops: 4", NULL) >= 0, "text: stash drops");
	/* ops table: B (5 walks) before A (3) before C (1); B unnamed */
	pb = line_pos(t, "0xffffffff82000100", "  5 ");
	pa = line_pos(t, "pagemap_ops", "  3 ");
	pc = line_pos(t, "ptdump_ops", " 1.0G ");
	check(pb >= 0 && pa > pb && pc > pa, "text: ops sorted by walks (%ld %ld %ld)", pb, pa, pc);
	check(line_pos(t, "ptdump_ops", "2/0") < 0 && line_pos(t, "ptdump_ops", " 0/2 ") >= 0,
	      "text: splits own/other column");
	check(line_pos(t, "  10M ", "0xffffffff82000100") >= 0, "text: bytes in human units");
	/* command table: stress (6) before cat (3) */
	pb = line_pos(t, "  6 ", "stress");
	pa = line_pos(t, "  3 ", "cat");
	check(pb >= 0 && pa > pb, "text: commands sorted by walks");
	check(line_pos(t, "double", "SPLIT-RACE(tid 4321)") >= 0, "text: split race marker");
	check(line_pos(t, "[0x7f0000200000, 0x7f0000400000) 2.0M", "ops ptdump_ops") >= 0,
	      "text: anomaly range, size and ops name");
	check(line_pos(t, "retry", "own-split") >= 0, "text: own split marker");
	check(line_pos(t, "walk 7", "stress 100/101") >= 0, "text: walk id and task");
	check(line_pos(t, "pte_entry", "count 512  at 1.500000s") >= 0, "text: kind, count, time");
	check(line_pos(t, "# verdict: 1 double in 9 walks (1 with a concurrent split), 2 retries (0 with a concurrent split),"
		       " 1 out of order; 5 events lost", NULL) >= 0,
	      "text: verdict line");
	check(line_pos(t, "1 out of order; 5 events lost (programs were skipped: confirm with --kprobe)", NULL) >= 0,
	      "text: a finding with programs skipped says to confirm it");
	free(t);
	wc_report_free(r);
}

static void test_json(void)
{
	struct wc_report *r = sample(3, 2);
	struct wc_anomaly a = anomaly(WC_AN_DOUBLE, WC_SPLIT_OTHER, OPS_C);
	struct json_object *d;

	wc_report_anomaly(r, &a);
	a = anomaly(WC_AN_RETRY, WC_SPLIT_OTHER, OPS_B);
	wc_report_anomaly(r, &a);
	wc_report_meta(r)->truncated = true;
	d = json_roundtrip(r);
	check(d != NULL, "json: parses back");
	if (!d)
		return;
	check(ju(d, "summary.events") == 1000 && ju(d, "summary.walks") == 9, "json: events, walks");
	check(wc_report_count(r, WC_AN_DOUBLE) == ju(d, "summary.doubles") &&
	      wc_report_count(r, WC_AN_RETRY) == 1 && wc_report_count(r, WC_AN_LIVELOCK) == 0 &&
	      wc_report_count(r, 99) == 0, "count: per type, as the summary says");
	check(ju(d, "summary.lost.ringbuf") == 3 && ju(d, "summary.lost.recursion") == 2 &&
	      ju(d, "summary.lost.total") == 5, "json: lost object");
	check(ju(d, "summary.doubles") == 1 && ju(d, "summary.retries") == 1 &&
	      ju(d, "summary.retry_visits") == 5, "json: doubles, retries, retry visits");
	check(ju(d, "summary.splits.own") == 5 && ju(d, "summary.splits.other") == 2 &&
	      ju(d, "summary.splits.total") == 7, "json: splits");
	check(ju(d, "summary.split_races") == 2 && ju(d, "summary.split_race_doubles") == 1 &&
	      ju(d, "summary.split_race_retries") == 1, "json: split races");
	check(ju(d, "summary.duration_ns") == 2500000000ull, "json: duration");
	check(!strcmp(js(d, "summary.kernel"), "6.1.0-56-cloud-amd64"), "json: kernel");
	check(json_object_get_boolean(jget(d, "summary.truncated")), "json: truncated");
	check(ju(d, "summary.prog_misses.fexit/pmd_entry_x") == 2, "json: prog misses");
	check(json_object_array_length(jget(d, "ops")) == 3, "json: 3 ops rows");
	check(!strcmp(js(d, "ops.0.name"), "0xffffffff82000100") && ju(d, "ops.0.walks") == 5 &&
	      !strcmp(js(d, "ops.1.name"), "pagemap_ops") && !strcmp(js(d, "ops.2.name"), "ptdump_ops"),
	      "json: ops sorted, unknown as hex");
	check(ju(d, "ops.2.bytes") == 1ull << 30 && ju(d, "ops.2.doubles") == 1 &&
	      ju(d, "ops.2.retries") == 5 && ju(d, "ops.2.splits_other") == 2 &&
	      ju(d, "ops.0.pte_visits") == 5 * 1024 && ju(d, "ops.0.pmd_huge") == 5 &&
	      ju(d, "ops.0.pmd_down") == 10 && ju(d, "ops.0.holes") == 15,
	      "json: ops counters");
	check(!strcmp(js(d, "commands.0.name"), "stress") && ju(d, "commands.0.walks") == 6 &&
	      !strcmp(js(d, "commands.1.name"), "cat"), "json: commands");
	check(json_object_array_length(jget(d, "anomalies")) == 2, "json: 2 anomalies");
	check(!strcmp(js(d, "anomalies.0.type"), "double") &&
	      !strcmp(js(d, "anomalies.0.split"), "other") &&
	      !strcmp(js(d, "anomalies.0.start"), "0x7f0000200000") &&
	      !strcmp(js(d, "anomalies.0.end"), "0x7f0000400000") &&
	      !strcmp(js(d, "anomalies.0.ops"), "ptdump_ops") &&
	      !strcmp(js(d, "anomalies.0.kind"), "pte_entry") &&
	      !strcmp(js(d, "anomalies.0.comm"), "stress") &&
	      ju(d, "anomalies.0.walk_id") == 7 && ju(d, "anomalies.0.pid") == 100 &&
	      ju(d, "anomalies.0.tid") == 101 && ju(d, "anomalies.0.count") == 512 &&
	      ju(d, "anomalies.0.ts_ns") == START + 1500000000ull &&
	      ju(d, "anomalies.0.split_tid") == 4321, "json: anomaly fields");
	check(strstr(js(d, "summary.verdict"), "1 double in 9 walks (1 with a concurrent split), 1 retry (1 with a concurrent split)") != NULL,
	      "json: verdict '%s'", js(d, "summary.verdict"));
	json_object_put(d);
	wc_report_free(r);
}

static void test_clean(void)
{
	struct wc_report *r = sample(0, 0);
	char *t = render(r), v[256];
	struct wc_walk w;

	check(line_pos(t, "# lost: 0 (", NULL) >= 0 && line_pos(t, "WARNING", NULL) < 0,
	      "clean: lost 0 and no warning");
	wc_report_verdict(r, v, sizeof(v));
	check(line_pos(t, "# verdict: proven: every range handled exactly once in 9 complete walks", NULL) >= 0 &&
	      !strcmp(v, "proven: every range handled exactly once in 9 complete walks") &&
	      wc_report_verdict_kind(r) == WC_VERDICT_PROVEN, "clean: verdict '%s'", v);
	free(t);
	wc_report_free(r);

	r = wc_report_new();
	w = walk(OPS_A, "cat", 4096);
	wc_report_walk(r, &w);
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "proven: every range handled exactly once in 1 complete walk"),
	      "clean: singular '%s'", v);
	wc_report_free(r);

	/* the engine ran out of memory for some events: nothing proven */
	r = wc_report_new();
	w = walk(OPS_A, "cat", 4096);
	wc_report_walk(r, &w);
	wc_meta_from_engine(wc_report_meta(r), &(struct wc_engine_stats){ .nomem_events = 3 });
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "could not prove: no double handling or gap seen in 1 walk (0 proven exactly-once);"
		      " 3 events not judged (out of memory)") &&
	      wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN, "out of memory: verdict '%s'", v);
	wc_report_free(r);

	/* one incomplete walk: no double seen, but nothing proven */
	r = wc_report_new();
	w = walk(OPS_A, "cat", 4096);
	w.flags = WC_W_INCOMPLETE | WC_W_SEQ_GAP;
	wc_report_walk(r, &w);
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "could not prove: no double handling or gap seen in 1 walk (0 proven exactly-once);"
		      " 1 walk incomplete") && wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN,
	      "incomplete: verdict '%s'", v);
	wc_report_free(r);

	r = wc_report_new();
	t = render(r);
	check(line_pos(t, "(no walks)", NULL) >= 0 &&
	      line_pos(t, "# verdict: could not prove: no double handling or gap seen in 0 walks"
			  " (0 proven exactly-once); no walk traced", NULL) >= 0 &&
	      wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN, "empty report prints");
	free(t);
	wc_report_free(r);
}

/* Gaps: shown where doubles are (table, anomaly list, verdict, JSON); a
 * gap decides the verdict as a double does; stopped and unsure walks are
 * counted, unsure ones stand in the way of a proof. */
static void test_gaps(void)
{
	struct wc_report *r = sample(0, 0);
	struct wc_anomaly a = anomaly(WC_AN_GAP, WC_SPLIT_NONE, OPS_A);
	struct json_object *d;
	struct wc_walk w;
	char *t, v[512];

	w = walk(OPS_A, "gapper", 8192);
	w.gaps = 2;
	w.gap_bytes = 3 * 4096;
	w.flags = WC_W_STOPPED;
	wc_report_walk(r, &w);
	a.kind = 0;
	a.start = 0x7f0000001000ull;
	a.end = 0x7f0000003000ull;
	a.count = 1;
	wc_report_anomaly(r, &a);
	a.start = 0x7f0000005000ull;
	a.end = 0x7f0000006000ull;
	wc_report_anomaly(r, &a);
	t = render(r);
	if (getenv("SHOW"))
		fputs(t, stdout);
	check(line_pos(t, "retries  doubles     gaps  ops", NULL) >= 0, "gaps: a gaps column");
	check(line_pos(t, "        0        2  pagemap_ops", NULL) >= 0 &&
	      line_pos(t, "        0        2  gapper", NULL) >= 0, "gaps: per ops and per command");
	check(line_pos(t, "# anomalies: 2 (", "gap 2 (12K)") >= 0, "gaps: counted with their bytes");
	check(line_pos(t, "   1  gap ", "walk 7      stress 100/101  ops pagemap_ops  [0x7f0000001000,"
		       " 0x7f0000003000) 8.0K  -  count 1") >= 0, "gaps: listed like doubles");
	check(line_pos(t, "# stopped early: 1 walk (", "could not tell: 0 walks") >= 0,
	      "gaps: the stopped walk counted");
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "2 gaps (ranges no callback handled) in 10 walks") &&
	      wc_report_verdict_kind(r) == WC_VERDICT_ANOMALIES, "gaps: verdict '%s'", v);
	check(wc_report_count(r, WC_AN_GAP) == 2, "gaps: wc_report_count");
	d = json_roundtrip(r);
	check(d && ju(d, "summary.gaps") == 2 && ju(d, "summary.gap_bytes") == 3 * 4096 &&
	      ju(d, "summary.stopped_walks") == 1 && ju(d, "summary.unsure_walks") == 0 &&
	      !strcmp(js(d, "summary.proof"), "anomalies"), "gaps: JSON summary");
	check(d && !strcmp(js(d, "ops.1.name"), "pagemap_ops") && ju(d, "ops.1.gaps") == 2 &&
	      ju(d, "ops.1.stopped_walks") == 1 && ju(d, "ops.0.gaps") == 0, "gaps: JSON rows");
	check(d && !strcmp(js(d, "anomalies.0.type"), "gap") &&
	      !strcmp(js(d, "anomalies.0.kind"), "none") && ju(d, "anomalies.0.size") == 8192,
	      "gaps: JSON anomaly");
	json_object_put(d);
	/* a double as well: both named */
	a = anomaly(WC_AN_DOUBLE, WC_SPLIT_NONE, OPS_C);
	wc_report_anomaly(r, &a);
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "1 double in 10 walks (0 with a concurrent split), 2 gaps"),
	      "gaps and a double: verdict '%s'", v);
	free(t);
	wc_report_free(r);

	/* an unsure walk: no gap proven, but nothing proven either */
	r = wc_report_new();
	w = walk(OPS_A, "cat", 4096);
	w.flags = WC_W_INCOMPLETE | WC_W_UNSURE | WC_W_RACED;
	wc_report_walk(r, &w);
	w = walk(OPS_A, "cat", 4096);
	w.flags = WC_W_STOPPED;
	wc_report_walk(r, &w);
	check(!strcmp(wc_report_verdict(r, v, sizeof(v)),
		      "could not prove: no double handling or gap seen in 2 walks (0 proven"
		      " exactly-once); 1 walk incomplete (1 of them had a range no callback handled"
		      " that could not be told from one the walker is silent on by design; 1 raced"
		      " a fault that filled it)") &&
	      wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN, "unsure: verdict '%s'", v);
	t = render(r);
	check(line_pos(t, "# stopped early: 1 walk (", "could not tell: 1 walk (") >= 0,
	      "unsure: counted in the text");
	free(t);
	d = json_roundtrip(r);
	check(d && ju(d, "summary.unsure_walks") == 1 && ju(d, "ops.0.unsure_walks") == 1 &&
	      ju(d, "summary.stopped_walks") == 1, "unsure: JSON");
	json_object_put(d);
	wc_report_free(r);

	/* walkcov check: exit 1 on a gap, as on a double (cmd_check.c, live.c) */
	{
		struct wc_analysis an;

		check(!wc_analysis_init(&an, 0), "analysis");
		w = walk(OPS_A, "cat", 4096);
		wc_report_walk(an.report, &w);
		check(wc_analysis_verdict(&an) == WC_EXIT_OK, "check: a clean walk exits 0");
		a = anomaly(WC_AN_GAP, WC_SPLIT_NONE, OPS_A);
		wc_report_anomaly(an.report, &a);
		check(wc_analysis_verdict(&an) == WC_EXIT_ANOMALY, "check: a gap exits 1");
		wc_analysis_free(&an);
	}

	/* a stopped walk alone proves its walked part */
	r = wc_report_new();
	w = walk(OPS_A, "cat", 4096);
	w.flags = WC_W_STOPPED;
	wc_report_walk(r, &w);
	check(wc_report_verdict_kind(r) == WC_VERDICT_PROVEN, "a stopped walk is not a reason");
	wc_report_free(r);
}

static void test_bounds(void)
{
	struct wc_report *r = wc_report_new();
	struct wc_anomaly a = anomaly(WC_AN_RETRY, WC_SPLIT_NONE, OPS_A);
	struct json_object *d;
	struct wc_walk w;
	char *t;

	for (int i = 0; i < WC_REPORT_MAX_ANOMALIES + 5; i++)
		wc_report_anomaly(r, &a);
	for (int i = 0; i < WC_REPORT_MAX_ROWS + 100; i++) {
		w = walk(OPS_A + (uint64_t)i * 64, "x", 4096);
		/* comm of 16 non-printable bytes, no NUL */
		memset(w.comm, i % 2 ? 0x01 : 0xff, sizeof(w.comm));
		wc_report_walk(r, &w);
	}
	t = render(r);
	check(line_pos(t, "... 5 more not shown", NULL) >= 0, "bounds: anomalies beyond the cap counted");
	check(line_pos(t, "[other]", NULL) >= 0, "bounds: rows beyond the cap fold into [other]");
	check(line_pos(t, "????????????????", NULL) >= 0, "bounds: unprintable comm sanitized");
	d = json_roundtrip(r);
	check(d && json_object_array_length(jget(d, "anomalies")) == WC_REPORT_MAX_ANOMALIES &&
	      ju(d, "summary.anomalies") == WC_REPORT_MAX_ANOMALIES + 5 &&
	      ju(d, "summary.anomalies_not_shown") == 5, "bounds: JSON anomalies capped");
	check(d && json_object_array_length(jget(d, "ops")) == WC_REPORT_MAX_ROWS + 1 &&
	      !strcmp(js(d, "ops.4096.name"), "[other]") && ju(d, "ops.4096.walks") == 100,
	      "bounds: JSON ops rows capped");
	json_object_put(d);
	free(t);
	wc_report_free(r);
}

static void test_human(void)
{
	char b[32];
	int ok = 1;

	ok &= !strcmp(wc_human_bytes(0, b, sizeof(b)), "0");
	ok &= !strcmp(wc_human_bytes(1023, b, sizeof(b)), "1023");
	ok &= !strcmp(wc_human_bytes(4096, b, sizeof(b)), "4.0K");
	ok &= !strcmp(wc_human_bytes(2 << 20, b, sizeof(b)), "2.0M");
	ok &= !strcmp(wc_human_bytes(3ull << 30, b, sizeof(b)), "3.0G");
	ok &= !strcmp(wc_human_bytes(100ull << 20, b, sizeof(b)), "100M");
	ok &= !strcmp(wc_human_bytes(UINT64_MAX, b, sizeof(b)), "16E");
	check(ok, "human bytes");
}

static void test_meta(void)
{
	char *argv[] = { "walkcov", "record", "--", "./t", "-x" };
	struct json_object *h = wc_hdr_new(2, argv, "kprobe");
	struct wc_report_meta m = { 0 };
	struct wc_rec_lost l1 = { 5, 1, 0 }, l2 = { 9, 3, 0 };
	struct wc_engine_stats st = { .orphan_events = 2, .walks_complete = 7, .walks_incomplete = 3,
				      .walks_proven = 6, .missing_events = 11, .untracked_events = 5,
				      .evicted = 1 };

	wc_hdr_set_command(h, 2, argv + 3);
	wc_meta_from_header(&m, h);
	wc_meta_from_lost(&m, &l1);
	wc_meta_from_lost(&m, &l2);
	wc_meta_from_engine(&m, &st);
	check(!strcmp(m.command, "./t -x") && !strcmp(m.cmdline, "walkcov record") &&
	      !strcmp(m.mechanism, "kprobe") && m.start_ns == wc_hdr_u64(h, "monotonic_start_ns") &&
	      *m.kernel && *m.start_time, "meta from header");
	check(m.ringbuf_drops == 9 && m.recursion_misses == 3, "meta from LOST records: latest counters");
	check(m.orphan_events == 2 && m.walks_complete == 7 && m.walks_incomplete == 3 &&
	      m.walks_proven == 6 && m.missing_events == 11 && m.untracked_events == 5 &&
	      m.evicted == 1, "meta from engine stats");
	json_object_put(h);
}

/* ---- script ---- */

static struct json_object *script_header(void)
{
	char *argv[] = { "walkcov", "record" };
	struct json_object *h = wc_hdr_new(2, argv, "fentry");

	json_object_object_add(h, "monotonic_start_ns", json_object_new_uint64(START));
	wc_hdr_add_slot(h, 0, "walk_page_range", NULL, WC_R_WALK, "walk", 0, "fentry");
	wc_hdr_add_slot(h, 5, "pagemap_pmd_range", NULL, WC_R_CALLBACK, "callback", WC_K_PMD_ENTRY, "fentry");
	return h;
}

static struct wc_event visit(void)
{
	struct wc_event ev = { 0 };

	ev.ts_ns = START + 1500000000ull;
	ev.walk = 0xffffc90000123000ull;
	ev.mm = 0xffff888000001000ull;
	ev.ops = OPS_A;
	ev.start = 0x7f0000200000ull;
	ev.end = 0x7f0000400000ull;
	ev.value = 0x80000001234008e7ull;
	ev.ret = 0;
	ev.pid = 100;
	ev.tid = 101;
	ev.cpu = 1;
	ev.type = WC_EV_VISIT;
	ev.slot = 5;
	ev.kind = WC_K_PMD_ENTRY;
	ev.action = WC_ACT_CONTINUE;
	ev.cls = WC_CLS_HUGE;
	ev.flags = WC_F_ENTRY_SEEN | WC_F_HAS_LOWER;
	memcpy(ev.comm, "stress", 7);
	return ev;
}

static char *script_line(struct wc_script *s, const struct wc_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	wc_script_print_event(f, s, ev);
	fclose(f);
	return buf;
}

static void test_script(void)
{
	struct json_object *h = script_header(), *o;
	struct wc_script *s = wc_script_new(h, false);
	struct wc_event ev = visit();
	char *l;

	wc_script_symbol(s, OPS_A, "pagemap_ops");
	l = script_line(s, &ev);
	if (getenv("SHOW"))
		fputs(l, stdout);
	check(strstr(l, "stress     100/101     [001]    1.500000000: visit       pagemap_pmd_range")
	      && strstr(l, "pmd_entry    [0x7f0000200000, 0x7f0000400000) continue huge    ret=0 "
			"ops=pagemap_ops walk=0xffffc90000123000")
	      && strstr(l, "flags=lower,seen") && l[strlen(l) - 1] == '\n' && !strchr(l, '\n')[1],
	      "script: text line '%.*s'", (int)strlen(l) - 1, l);
	free(l);

	/* unknown slot, type, kind; comm without NUL; unknown ops */
	ev.slot = 77;
	ev.type = 99;
	ev.kind = 200;
	ev.ops = OPS_B;
	memset(ev.comm, 'A', sizeof(ev.comm));
	l = script_line(s, &ev);
	check(strstr(l, "AAAAAAAAAAAAAAAA ") && strstr(l, "unknown     slot77") &&
	      strstr(l, "ops=0xffffffff82000100") && strstr(l, " ? "),
	      "script: garbage event prints safely");
	free(l);

	/* the ops mask of a walk's begin, a quiet range, a gap anomaly */
	ev = visit();
	ev.type = WC_EV_WALK_BEGIN;
	ev.flags = WC_F_OPS_MASK;
	ev.value = WC_OPS_PMD | WC_OPS_HOLE | WC_OPS_HUGETLB | 0x1000000;
	l = script_line(s, &ev);
	check(strstr(l, "walk_begin ") && strstr(l, " opsmask=pmd,pte_hole,hugetlb,0x1000000 flags=opsmask\n") &&
	      !strstr(l, "val="), "script: the ops mask '%.*s'", (int)strlen(l) - 1, l);
	free(l);
	ev.type = WC_EV_CHUNK_BEGIN;
	ev.value = WC_OPS_PTE | WC_OPS_VMA_HUGETLB;
	l = script_line(s, &ev);
	check(strstr(l, "chunk_begin ") && strstr(l, " opsmask=pte,vma_hugetlb "),
	      "script: a chunk's mask and hugetlb VMA");
	free(l);
	ev.value = 0x7f0000000000ull;
	ev.flags = 0;
	l = script_line(s, &ev);
	check(strstr(l, " val=0x7f0000000000") && !strstr(l, "opsmask"),
	      "script: without the flag, value is a value");
	free(l);
	ev = visit();
	ev.type = WC_EV_QUIET;
	ev.kind = 0;
	ev.flags = 0;
	ev.cls = WC_CLS_NONE;
	ev.depth = 3;
	l = script_line(s, &ev);
	check(strstr(l, "quiet ") && strstr(l, "[0x7f0000200000, 0x7f0000400000) -        none ") &&
	      strstr(l, " quiet none depth=pmd\n"), "script: a quiet none range '%.*s'",
	      (int)strlen(l) - 1, l);
	free(l);
	ev.cls = WC_CLS_HUGE;
	ev.value = 0x7f0000200000ull;
	l = script_line(s, &ev);
	check(!!strstr(l, " quiet present(huge)@0x7f0000200000 depth=pmd\n"),
	      "script: a quiet range with a present entry");
	free(l);
	ev.cls = WC_CLS_UNKNOWN;
	l = script_line(s, &ev);
	check(!!strstr(l, " quiet not read\n"), "script: a quiet range not read");
	free(l);
	ev = visit();
	ev.type = WC_EV_ANOMALY;
	ev.kind = 0;
	ev.flags = 0;
	ev.value = WC_AN_GAP;
	ev.ret = 1;
	l = script_line(s, &ev);
	check(strstr(l, "anomaly ") && strstr(l, " anomaly=gap count=1"), "script: a gap anomaly '%.*s'",
	      (int)strlen(l) - 1, l);
	free(l);
	wc_script_free(s);

	s = wc_script_new(h, true);
	wc_script_symbol(s, OPS_A, "pagemap_ops");
	ev = visit();
	ev.type = WC_EV_QUIET;
	ev.cls = WC_CLS_NONE;
	ev.depth = 4;
	l = script_line(s, &ev);
	o = json_tokener_parse(l);
	check(o && !strcmp(js(o, "type"), "quiet") && !strcmp(js(o, "found"), "none depth=pte"),
	      "script: JSON quiet");
	json_object_put(o);
	free(l);
	ev.type = WC_EV_WALK_BEGIN;
	ev.flags = WC_F_OPS_MASK;
	ev.value = WC_OPS_PMD | WC_OPS_PTE;
	l = script_line(s, &ev);
	o = json_tokener_parse(l);
	check(o && !strcmp(js(o, "ops_mask"), "pmd,pte") && !strcmp(js(o, "flags"), "opsmask"),
	      "script: JSON ops mask");
	json_object_put(o);
	free(l);
	ev = visit();
	l = script_line(s, &ev);
	o = json_tokener_parse(l);
	check(o && !strcmp(js(o, "record"), "event") && !strcmp(js(o, "type"), "visit") &&
	      !strcmp(js(o, "func"), "pagemap_pmd_range") && !strcmp(js(o, "kind"), "pmd_entry") &&
	      !strcmp(js(o, "start"), "0x7f0000200000") && !strcmp(js(o, "action"), "continue") &&
	      !strcmp(js(o, "cls"), "huge") && !strcmp(js(o, "ops"), "pagemap_ops") &&
	      !strcmp(js(o, "walk"), "0xffffc90000123000") && ju(o, "tid") == 101 &&
	      ju(o, "cpu") == 1 && json_object_get_double(jget(o, "time")) == 1.5 &&
	      !strcmp(js(o, "comm"), "stress"), "script: JSON line");
	check(strchr(l, '\n') == l + strlen(l) - 1, "script: one JSON object per line");
	json_object_put(o);
	free(l);
	wc_script_free(s);
	json_object_put(h);
}

static void test_script_replay(void)
{
	char path[64] = "/tmp/wc_test_script.XXXXXX", err[256], *buf = NULL, *p;
	struct json_object *h = script_header();
	struct wc_writer *w;
	struct wc_rec_end end = { 0, 1, 2, 3000000000ull };
	struct wc_event ev = visit();
	size_t len = 0;
	FILE *f;
	int fd = mkstemp(path), ret, lines = 0, events = 0;

	close(fd);
	w = wc_writer_open(path, h, err, sizeof(err));
	wc_writer_symbol(w, OPS_A, "pagemap_ops");
	for (int i = 0; i < 20; i++) {
		ev.ts_ns += 1000;
		wc_writer_event(w, &ev);
	}
	wc_writer_close(w, &end, NULL, err, sizeof(err));

	f = open_memstream(&buf, &len);
	ret = wc_script_replay(path, true, f);
	fclose(f);
	for (p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	for (p = buf; (p = strstr(p, "\"record\":\"event\"")); p++)
		events++;
	check(ret == 0 && lines == 23 && events == 20,
	      "script replay JSON: header + symbol + 20 events + end = %d lines", lines);
	check(strstr(buf, "\"ops\":\"pagemap_ops\"") != NULL, "script replay: symbols from the file");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	ret = wc_script_replay(path, false, f);
	fclose(f);
	check(ret == 0 && strstr(buf, "# symbol 0xffffffff82000000 pagemap_ops") &&
	      strstr(buf, "# end: 20 events, 1 ring buffer drops, 2 programs skipped, 3.000 s") &&
	      strstr(buf, "1.500020000: visit"), "script replay text: comments and events");
	free(buf);
	unlink(path);
	/* the writer kept mkstemp's empty file as PATH.old */
	unlink(strcat(path, ".old"));
	json_object_put(h);
}

/* Random bytes as events and anomalies: formatting must survive anything. */
/* Random bytes as events, walks and anomalies: every line prints, and the
 * report counts exactly what it was given. */
static void test_random_input(void)
{
	struct json_object *h = script_header();
	struct wc_script *st = wc_script_new(h, false), *sj = wc_script_new(h, true);
	struct wc_report *r = wc_report_new();
	char *text = NULL, *jl = NULL, *t;
	size_t tlen = 0, jlen = 0;
	FILE *ft = open_memstream(&text, &tlen), *fj = open_memstream(&jl, &jlen);
	uint64_t x = 0x2545f4914f6cdd1dull, by_type[6] = { 0 }, walks = 0, bytes = 0;
	uint64_t lines_t = 0, lines_j = 0, valid_j = 0;
	struct json_object *d;
	int ok = 1;

	for (int i = 0; i < 20000; i++) {
		union {
			struct wc_event ev;
			struct wc_anomaly a;
			struct wc_walk w;
			unsigned char b[512];
		} u;

		for (size_t k = 0; k < sizeof(u.b); k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			u.b[k] = (unsigned char)x;
		}
		ok &= wc_script_print_event(ft, st, &u.ev) == 0;
		ok &= wc_script_print_event(fj, sj, &u.ev) == 0;
		if (i % 2) {
			u.a.type = (uint32_t)(x % 6);	/* known types and not */
			wc_report_anomaly(r, &u.a);
			by_type[u.a.type >= 1 && u.a.type <= 4 ? u.a.type : 5]++;
		} else {
			wc_report_walk(r, &u.w);
			walks++;
			bytes += u.w.bytes;
		}
	}
	fclose(ft);
	fclose(fj);
	for (char *p = text; p && *p; p++)
		lines_t += *p == '\n';
	for (char *p = jl, *nl; p && *p; p = nl + 1) {
		struct json_object *o;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		o = json_tokener_parse(p);
		valid_j += o && json_object_is_type(o, json_type_object);
		json_object_put(o);
		lines_j++;
	}
	check(ok && lines_t == 20000 && lines_j == 20000 && valid_j == 20000,
	      "random events: 20000 text lines, 20000 valid JSON lines (got %" PRIu64 ", %" PRIu64
	      ", %" PRIu64 ")", lines_t, lines_j, valid_j);
	t = render(r);
	d = json_roundtrip(r);
	check(d && ju(d, "summary.walks") == 10000 && ju(d, "summary.bytes") == bytes &&
	      ju(d, "summary.anomalies") == 10000 && ju(d, "summary.doubles") == by_type[1] &&
	      ju(d, "summary.retries") == by_type[2] && ju(d, "summary.out_of_order") == by_type[3] &&
	      ju(d, "summary.livelocks") == by_type[4] && ju(d, "summary.anomalies_not_shown") == 0 &&
	      json_object_array_length(json_object_object_get(d, "anomalies")) == 10000,
	      "random walks and anomalies: counted exactly (%" PRIu64 " walks, %" PRIu64
	      " doubles, %" PRIu64 " unknown types)", walks, by_type[1], by_type[5]);
	check(t && strstr(t, "# events: 0  walks: 10000 (") && strstr(t, "\n# verdict: "),
	      "random walks and anomalies: the text report has every section");
	json_object_put(d);
	free(t);
	free(text);
	free(jl);
	wc_report_free(r);
	wc_script_free(st);
	wc_script_free(sj);
	json_object_put(h);
}

/* Kernel pointers: raw for a reader allowed by /proc/kallsyms, else ids. */
static void test_kaddr(void)
{
	char dir[] = "/tmp/wc_kaddr.XXXXXX", p[64], a[WC_KADDR_LEN], b[WC_KADDR_LEN];
	char c[WC_KADDR_LEN], *out = NULL;
	size_t len = 0;
	struct json_object *h = script_header();
	struct wc_script *s;
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(p, sizeof(p), "%s/zero", dir);
	f = fopen(p, "w");
	fputs("0000000000000000 T _text\n", f);
	fclose(f);
	check(!wc_kaddr_allowed(p), "kaddr: kallsyms with zero addresses: not allowed");
	f = fopen(p, "w");
	fputs("ffffffff81000000 T _text\n", f);
	fclose(f);
	check(wc_kaddr_allowed(p), "kaddr: kallsyms with addresses: allowed");
	unlink(p);
	check(!wc_kaddr_allowed(p), "kaddr: no kallsyms: not allowed");
	rmdir(dir);

	wc_kaddr_set_raw(false);
	wc_kaddr(0xffffffff82000000ull, a, sizeof(a));
	wc_kaddr(0xffffffff82000000ull, b, sizeof(b));
	wc_kaddr(0xffffffff82000040ull, c, sizeof(c));
	check(a[0] == '#' && strlen(a) == 13 && strspn(a + 1, "0123456789abcdef") == 12 &&
	      !strcmp(a, b) && strcmp(a, c), "kaddr: hashed ids '%s' (stable) and '%s'", a, c);
	check(!strcmp(wc_kaddr(0, b, sizeof(b)), "0x0"), "kaddr: NULL stays 0x0");
	f = open_memstream(&out, &len);
	s = wc_script_new(h, false);
	wc_script_print_symbol(f, s, 0xffffffff82000000ull, "pagemap_ops");
	fclose(f);
	snprintf(c, sizeof(c), "%s", a);
	check(out && !strncmp(out, "# symbol #", 10) && strstr(out, a) &&
	      !strstr(out, "ffffffff82") && strstr(out, " pagemap_ops\n"),
	      "kaddr: script hides a symbol's address: '%.*s'", out ? (int)strcspn(out, "\n") : 0,
	      out ? out : "");
	free(out);
	wc_script_free(s);
	wc_kaddr_set_raw(true);
	check(!strcmp(wc_kaddr(0xffffffff82000000ull, b, sizeof(b)), "0xffffffff82000000"),
	      "kaddr: raw for an allowed reader");
	json_object_put(h);
}

/* Ops built on the kernel stack: a new address per walk. Named ones (by
 * their callback) share one row per name; nameless ones share "[unknown]". */
static void test_stack_ops(void)
{
	struct wc_report *r = wc_report_new();
	const uint64_t s1 = 0xffffc90000100000ull, s2 = 0xffffc90000200000ull;
	const uint64_t s3 = 0xffffc90000300000ull, s4 = 0xffffc90000400000ull;
	struct json_object *d;
	struct wc_walk w;

	wc_report_symbol(r, s1, "ops of madvise_free_pte_range");
	wc_report_symbol(r, s2, "ops of madvise_free_pte_range");
	w = walk(s1, "a", 4096);
	wc_report_walk(r, &w);
	w = walk(s2, "a", 4096);
	wc_report_walk(r, &w);
	w = walk(s3, "a", 4096);
	wc_report_walk(r, &w);
	w = walk(s4, "a", 4096);
	wc_report_walk(r, &w);
	d = wc_report_json(r);
	check(json_object_array_length(json_object_object_get(d, "ops")) == 2,
	      "stack ops: one row per name, one for the nameless");
	/* equal walk counts: the order of the two rows is not the point */
	for (int i = 0; i < 2; i++) {
		char p[32];
		const char *name;

		snprintf(p, sizeof(p), "ops.%d.name", i);
		name = js(d, p);
		snprintf(p, sizeof(p), "ops.%d.walks", i);
		check(!strcmp(name, "ops of madvise_free_pte_range") || !strcmp(name, "[unknown]"),
		      "stack ops: rows are the name and [unknown]");
		check(ju(d, p) == 2, "stack ops: each row has its two walks");
	}
	json_object_put(d);
	wc_report_free(r);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	wc_kaddr_set_raw(true);	/* the exact addresses; test_kaddr hides them */
	test_text();
	test_json();
	test_clean();
	test_gaps();
	test_bounds();
	test_stack_ops();
	test_human();
	test_meta();
	test_script();
	test_script_replay();
	test_random_input();
	test_kaddr();
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
