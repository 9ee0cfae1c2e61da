// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Summary mode in user space: the anomaly merger (user/anomalies.c) gives
 * the engine's granularity from the kernel's pieces, and a snapshot of the
 * in-kernel counters gives the report the same rows, totals and verdict as
 * the engine's walks would (user/report.c, wc_report_summary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "anomalies.h"
#include "check.h"
#include "kaddr.h"
#include "report.h"
#include "summary.h"

#define MM 0xffff888001000000ull
#define OPS_A 0xffffffff82000000ull
#define OPS_B 0xffffffff82000100ull
#define BASE 0x7f0000000000ull
#define MIB (1ull << 20)

static struct wc_event piece(uint32_t type, uint64_t walk, uint64_t s, uint64_t e, int64_t count)
{
	struct wc_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = WC_EV_ANOMALY;
	ev.walk_id = walk;
	ev.mm = MM;
	ev.ops = OPS_A;
	ev.pid = 10;
	ev.tid = 11;
	ev.kind = WC_K_PTE_ENTRY;
	ev.start = s;
	ev.end = e;
	ev.value = type;
	ev.ret = count;
	ev.depth = -1;
	ev.ts_ns = 1000 + s % 1000;
	snprintf(ev.comm, sizeof(ev.comm), "cat");
	return ev;
}

static void test_merge_doubles(void)
{
	struct wc_merger *m = wc_merger_new();
	struct wc_event e;
	const struct wc_merged *x;

	e = piece(WC_AN_DOUBLE, 1, BASE + 4096, BASE + 8192, 1);
	e.depth = 7;
	e.ts_ns = 500;
	wc_merger_add(m, &e);
	e = piece(WC_AN_DOUBLE, 1, BASE + 3 * 4096, BASE + 5 * 4096, 1);
	e.depth = 9;
	e.ts_ns = 900;
	wc_merger_add(m, &e);
	e = piece(WC_AN_DOUBLE, 1, BASE, BASE + 4096, 1);	/* same block, lower */
	e.ts_ns = 700;
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 1, "three pieces in one 2 MiB block of one walk: one double (%zu)",
	      wc_merger_count(m));
	x = wc_merger_get(m, 0);
	check(x && x->a.type == WC_AN_DOUBLE && x->a.start == BASE && x->a.end == BASE + 5 * 4096,
	      "its range widens to [BASE, BASE+20K)");
	check(x && x->a.count == 3, "its count is the number of pieces (%u)", x ? x->a.count : 0);
	check(x && x->a.first_ts == 500 && x->a.last_ts == 900, "first and last time");
	check(x && x->stack_id == 7, "the stack is its first piece's");
	check(x && x->a.walk_id == 1 && x->a.mm == MM && x->a.ops == OPS_A && x->a.tid == 11 &&
	      !strcmp(x->a.comm, "cat"), "walk, mm, ops, task and command kept");

	e = piece(WC_AN_DOUBLE, 1, BASE + 2 * MIB, BASE + 2 * MIB + 4096, 1);
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 2, "the next 2 MiB block: another double");
	e = piece(WC_AN_DOUBLE, 2, BASE, BASE + 4096, 1);
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 3, "another walk: another double");
	e = piece(WC_AN_DOUBLE, 1, BASE, BASE + 4096, 1);
	e.mm = MM + 4096;
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 4, "another mm (walk_page_mapping): another double");
	e = piece(WC_AN_OUT_OF_ORDER, 1, BASE, BASE + 4096, 1);
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 5, "out of order in the same block: its own anomaly");
	e = piece(WC_AN_DOUBLE, 1, BASE, BASE + 4096, 1);
	e.type = WC_EV_VISIT;
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 5 && wc_merger_get(m, 0)->a.count == 3,
	      "events other than anomalies are ignored");
	check(!wc_merger_get(m, 5), "no sixth anomaly");
	wc_merger_free(m);
}

static void test_merge_retries(void)
{
	struct wc_merger *m = wc_merger_new();
	struct wc_event e;
	const struct wc_merged *x;

	for (int i = 0; i < 4; i++) {
		e = piece(WC_AN_RETRY, 5, BASE, BASE + 2 * MIB, 1);
		e.kind = WC_K_PMD_ENTRY;
		wc_merger_add(m, &e);
	}
	e = piece(WC_AN_RETRY, 5, BASE, BASE + 2 * MIB, 996);	/* leftovers past a livelock */
	e.kind = WC_K_PMD_ENTRY;
	wc_merger_add(m, &e);
	x = wc_merger_get(m, 0);
	check(wc_merger_count(m) == 1 && x && x->a.count == 1000,
	      "repeats of one (kind, start) add up to one retry of count 1000");
	e = piece(WC_AN_RETRY, 5, BASE, BASE + 4096, 1);	/* pte level, same start */
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 2, "same start, other kind: another retry");
	e = piece(WC_AN_RETRY, 5, BASE + 4096, BASE + 8192, 1);	/* same block, other start */
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 3, "retries are per start, not per block");
	e = piece(WC_AN_LIVELOCK, 5, BASE, BASE + 2 * MIB, 1001);
	e.kind = WC_K_PMD_ENTRY;
	wc_merger_add(m, &e);
	x = wc_merger_get(m, 3);
	check(wc_merger_count(m) == 4 && x && x->a.type == WC_AN_LIVELOCK && x->a.count == 1001,
	      "a livelock is its own anomaly, count as the kernel gave it");
	wc_merger_free(m);
}

static void test_merge_gaps(void)
{
	struct wc_merger *m = wc_merger_new();
	struct wc_event e;
	const struct wc_merged *x;

	e = piece(WC_AN_GAP, 3, BASE + 4096, BASE + 3 * 4096, 1);
	e.kind = 0;
	wc_merger_add(m, &e);
	e = piece(WC_AN_GAP, 3, BASE + 8 * 4096, BASE + 9 * 4096, 1);	/* same block */
	e.kind = 0;
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 2, "two unhandled ranges in one 2 MiB block: two gaps, not one (%zu)",
	      wc_merger_count(m));
	e = piece(WC_AN_GAP, 3, BASE + 4096, BASE + 4 * 4096, 1);	/* the first again, longer */
	e.kind = 0;
	wc_merger_add(m, &e);
	x = wc_merger_get(m, 0);
	check(wc_merger_count(m) == 2 && x && x->a.type == WC_AN_GAP && x->a.start == BASE + 4096 &&
	      x->a.end == BASE + 4 * 4096 && x->a.count == 2,
	      "a piece with the same start is the same gap: range widened, count 2");
	e = piece(WC_AN_GAP, 4, BASE + 4096, BASE + 3 * 4096, 1);
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 3, "another walk: another gap");
	e = piece(WC_AN_DOUBLE, 3, BASE + 4096, BASE + 3 * 4096, 1);
	wc_merger_add(m, &e);
	check(wc_merger_count(m) == 4, "a double at a gap's start is not that gap");
	wc_merger_free(m);
}

static void test_merge_splits(void)
{
	struct wc_merger *m = wc_merger_new();
	struct wc_event e;
	const struct wc_merged *x;

	e = piece(WC_AN_RETRY, 3, BASE, BASE + 2 * MIB, 1);
	wc_merger_add(m, &e);
	x = wc_merger_get(m, 0);
	check(x && x->a.split == WC_SPLIT_NONE, "no split: none");
	e.cls = WC_SPLIT_OWN;
	e.vma = 11;
	wc_merger_add(m, &e);
	check(x && x->a.split == WC_SPLIT_OWN && x->a.split_tid == 11, "a piece split by the walker: own");
	e.cls = WC_SPLIT_OTHER;
	e.vma = 77;
	wc_merger_add(m, &e);
	check(x && x->a.split == WC_SPLIT_OTHER && x->a.split_tid == 77,
	      "a piece split by another task: a split race");
	e.cls = WC_SPLIT_OWN;
	e.vma = 11;
	wc_merger_add(m, &e);
	check(x && x->a.split == WC_SPLIT_OTHER && x->a.split_tid == 77,
	      "another task wins over the walker");
	e.cls = 9;	/* not a split attribution: ignored */
	e.vma = 5;
	wc_merger_add(m, &e);
	check(x && x->a.split == WC_SPLIT_OTHER && x->a.split_tid == 77, "a bad attribution is ignored");
	check(x && x->a.count == 5, "all five pieces counted");
	wc_merger_free(m);
}

/* ---- snapshot to report ---- */

static struct wc_walk walk(uint64_t ops, const char *comm, uint64_t bytes, uint32_t flags,
			   uint64_t doubles)
{
	static uint64_t id;
	struct wc_walk w;

	memset(&w, 0, sizeof(w));
	w.id = ++id;
	w.tid = 11;
	w.ops = ops;
	snprintf(w.comm, sizeof(w.comm), "%s", comm);
	w.bytes = bytes;
	w.pmd_huge = bytes / (2 * MIB);
	w.pte_visits = 3;
	w.holes = 1;
	w.retries = id % 3;
	w.splits_own = id % 2;
	w.splits_other = 1;
	w.doubles = doubles;
	w.flags = flags;
	w.begin_ts = 1000 + id;
	w.end_ts = 2000 + id;
	return w;
}

/* What the in-kernel judge adds for one closed walk (bpf/judge.bpf.h). */
static void row_add(struct wc_snapshot *s, const struct wc_walk *w)
{
	struct wc_sum_row *r = wc_snapshot_row(s, w->ops, w->comm);
	bool complete = !(w->flags & WC_W_INCOMPLETE);

	r->v.walks++;
	r->v.walks_complete += complete;
	r->v.walks_incomplete += !complete;
	r->v.walks_proven += complete && !w->doubles && !w->out_of_order && !w->livelocks &&
			     !w->gaps;
	r->v.bytes += w->bytes;
	r->v.pmd_huge += w->pmd_huge;
	r->v.pte_visits += w->pte_visits;
	r->v.holes += w->holes;
	r->v.retries += w->retries;
	r->v.doubles += w->doubles;
	r->v.splits_own += w->splits_own;
	r->v.splits_other += w->splits_other;
	r->v.gaps += w->gaps;
	r->v.walks_stopped += !!(w->flags & WC_W_STOPPED);
	r->v.walks_unsure += !!(w->flags & WC_W_UNSURE);
}

static const char *get_str(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *a, *b;

	if (!json_object_object_get_ex(o, path1, &a) || !json_object_object_get_ex(a, path2, &b))
		return "";
	return json_object_get_string(b);
}

static uint64_t get_u64(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *a, *b;

	if (!json_object_object_get_ex(o, path1, &a) || !json_object_object_get_ex(a, path2, &b))
		return UINT64_MAX;
	return json_object_get_uint64(b);
}

static char *rows_json(struct json_object *doc, const char *key)
{
	struct json_object *a;

	if (!json_object_object_get_ex(doc, key, &a))
		return strdup("");
	return strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
}

static void test_same_report(void)
{
	struct wc_report *byw = wc_report_new(), *bys = wc_report_new();
	struct wc_snapshot snap;
	struct wc_walk ws[6];
	struct json_object *a, *b;
	char *ra, *rb, *ca, *cb;

	wc_snapshot_init(&snap);
	ws[0] = walk(OPS_A, "cat", 4 * MIB, 0, 0);
	ws[1] = walk(OPS_A, "cat", 6 * MIB, 0, 0);
	ws[2] = walk(OPS_B, "cat", 2 * MIB, WC_W_STOPPED, 0);	/* not a reason */
	ws[3] = walk(OPS_B, "grep", 8192, 0, 0);
	ws[4] = walk(OPS_A, "grep", 1 * MIB, 0, 0);
	ws[5] = walk(OPS_A, "sh", 4096, 0, 0);
	for (int r = 0; r < 2; r++) {
		struct wc_report *x = r ? bys : byw;

		wc_report_symbol(x, OPS_A, "pagemap_ops");
		wc_report_symbol(x, OPS_B, "smaps_walk_ops");
	}
	for (int i = 0; i < 6; i++) {
		wc_report_walk(byw, &ws[i]);
		row_add(&snap, &ws[i]);
	}
	wc_report_meta(byw)->walks_proven = 6;
	wc_report_summary(bys, &snap);
	wc_report_summary(bys, &snap);	/* a later snapshot replaces, never adds */
	a = wc_report_json(byw);
	b = wc_report_json(bys);
	ra = rows_json(a, "ops");
	rb = rows_json(b, "ops");
	ca = rows_json(a, "commands");
	cb = rows_json(b, "commands");
	check(!strcmp(ra, rb), "per ops struct: the snapshot gives the rows the walks give");
	if (strcmp(ra, rb))
		printf("# walks: %s\n# snapshot: %s\n", ra, rb);
	check(!strcmp(ca, cb), "per command: the same rows");
	check(get_u64(b, "summary", "walks") == 6 && get_u64(b, "summary", "complete_walks") == 6 &&
	      get_u64(b, "summary", "incomplete_walks") == 0 && get_u64(b, "summary", "proven_walks") == 6,
	      "walk totals: 6 walks, 6 complete, 6 proven");
	check(!strcmp(get_str(b, "summary", "proof"), "proven") &&
	      !strcmp(get_str(a, "summary", "proof"), "proven"), "both proven");
	check(!strcmp(get_str(b, "summary", "mode"), "summary") &&
	      !strcmp(get_str(a, "summary", "mode"), "full"), "the JSON says which mode");
	check(get_u64(b, "summary", "bytes") == get_u64(a, "summary", "bytes") &&
	      get_u64(b, "summary", "retry_visits") == get_u64(a, "summary", "retry_visits"),
	      "bytes and retries equal");
	free(ra), free(rb), free(ca), free(cb);
	json_object_put(a);
	json_object_put(b);
	wc_report_free(byw);
	wc_report_free(bys);
	wc_snapshot_free(&snap);
}

static void test_unproven(void)
{
	struct wc_report *r = wc_report_new();
	struct wc_snapshot snap;
	struct wc_walk w = walk(OPS_A, "cat", 4 * MIB, WC_W_INCOMPLETE | WC_W_OVERFLOW, 0);
	char buf[512];

	wc_snapshot_init(&snap);
	row_add(&snap, &w);
	w = walk(OPS_A, "cat", 4 * MIB, 0, 0);
	row_add(&snap, &w);
	wc_report_summary(r, &snap);
	check(wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN, "a walk not judged in full: could not prove");
	wc_report_verdict(r, buf, sizeof(buf));
	check(strstr(buf, "1 walk not judged in full") && strstr(buf, "--full"),
	      "the reason says so and suggests --full (%s)", buf);
	check(strstr(buf, "(1 proven exactly-once)") != NULL, "the proven walk counted");

	snap.rows[0].v.walks_incomplete = 0;
	snap.rows[0].v.walks_complete = 2;
	snap.rows[0].v.walks_proven = 2;
	snap.t.walks_open = 3;
	wc_report_summary(r, &snap);
	wc_report_verdict(r, buf, sizeof(buf));
	check(wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN && strstr(buf, "3 walks still open"),
	      "walks still open at the end: could not prove (%s)", buf);
	snap.t.walks_open = 0;
	snap.t.sum_full = 4;
	wc_report_summary(r, &snap);
	wc_report_verdict(r, buf, sizeof(buf));
	check(wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN && strstr(buf, "4 walks not counted"),
	      "walks the full summary map could not count: could not prove (%s)", buf);
	snap.t.sum_full = 0;
	snap.t.untracked = 9;
	wc_report_summary(r, &snap);
	check(wc_report_verdict_kind(r) == WC_VERDICT_UNPROVEN, "untracked tasks: could not prove");
	snap.t.untracked = 0;
	wc_report_summary(r, &snap);
	check(wc_report_verdict_kind(r) == WC_VERDICT_PROVEN, "all of it judged and counted: proven");
	wc_report_free(r);
	wc_snapshot_free(&snap);
}

/* Gaps in summary mode: the rows' gaps, stopped and unsure walks as the
 * walks give them; the gap pieces merged into anomalies decide the verdict. */
static void test_gaps(void)
{
	struct wc_report *byw = wc_report_new(), *bys = wc_report_new();
	struct wc_merger *m = wc_merger_new();
	struct wc_snapshot snap;
	struct wc_walk ws[3];
	struct wc_event e;
	struct json_object *a, *b;
	char *ra, *rb, buf[512];

	wc_snapshot_init(&snap);
	ws[0] = walk(OPS_A, "cat", 4 * MIB, 0, 0);
	ws[0].gaps = 2;
	ws[1] = walk(OPS_A, "cat", 4 * MIB, WC_W_STOPPED, 0);
	ws[2] = walk(OPS_B, "sh", 4096, WC_W_INCOMPLETE | WC_W_UNSURE, 0);
	for (int i = 0; i < 3; i++) {
		wc_report_walk(byw, &ws[i]);
		row_add(&snap, &ws[i]);
	}
	wc_report_summary(bys, &snap);
	a = wc_report_json(byw);
	b = wc_report_json(bys);
	ra = rows_json(a, "ops");
	rb = rows_json(b, "ops");
	check(!strcmp(ra, rb) && strstr(rb, "\"gaps\":2") && strstr(rb, "\"stopped_walks\":1") &&
	      strstr(rb, "\"unsure_walks\":1"), "gaps, stopped and unsure walks: the same rows");
	if (strcmp(ra, rb))
		printf("# walks: %s\n# snapshot: %s\n", ra, rb);
	check(get_u64(b, "summary", "stopped_walks") == 1 && get_u64(b, "summary", "unsure_walks") == 1 &&
	      get_u64(b, "summary", "proven_walks") == 1, "summary totals: 1 stopped, 1 unsure, 1 proven");
	free(ra), free(rb);
	json_object_put(a);
	json_object_put(b);
	check(wc_report_verdict_kind(bys) == WC_VERDICT_UNPROVEN &&
	      strstr(wc_report_verdict(bys, buf, sizeof(buf)), "(1 of them had a range no callback"),
	      "no gap anomaly yet, an unsure walk: could not prove (%s)", buf);

	/* the kernel's gap pieces: two of one range, one of another */
	e = piece(WC_AN_GAP, 1, BASE + 4096, BASE + 8192, 1);
	wc_merger_add(m, &e);
	wc_merger_add(m, &e);
	e = piece(WC_AN_GAP, 1, BASE + 3 * MIB, BASE + 4 * MIB, 1);
	wc_merger_add(m, &e);
	for (size_t i = 0; i < wc_merger_count(m); i++)
		wc_report_anomaly_stack(bys, &wc_merger_get(m, i)->a, NULL, 0);
	check(wc_report_count(bys, WC_AN_GAP) == 2 && wc_report_verdict_kind(bys) == WC_VERDICT_ANOMALIES,
	      "two gaps: anomalies, as a double would be");
	b = wc_report_json(bys);
	check(get_u64(b, "summary", "gaps") == 2 && get_u64(b, "summary", "gap_bytes") == 4096 + MIB,
	      "the gaps and their bytes in the summary");
	json_object_put(b);
	wc_merger_free(m);
	wc_report_free(byw);
	wc_report_free(bys);
	wc_snapshot_free(&snap);
}

static void test_anomaly_stack(void)
{
	struct wc_report *r = wc_report_new();
	struct wc_snapshot snap;
	struct wc_walk w = walk(OPS_A, "cat", 4 * MIB, 0, 1);
	struct wc_anomaly a;
	const char *frames[] = { "wct_double_pte_entry+0x9", "walk_pgd_range+0x8da",
				 "__walk_page_range+0x197", "walk_page_range+0x149" };
	struct json_object *doc, *an, *x, *st;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	wc_snapshot_init(&snap);
	row_add(&snap, &w);
	wc_report_summary(r, &snap);
	memset(&a, 0, sizeof(a));
	a.type = WC_AN_DOUBLE;
	a.walk_id = 1;
	a.ops = OPS_A;
	a.start = BASE;
	a.end = BASE + 2 * MIB;
	a.count = 512;
	a.kind = WC_K_PTE_ENTRY;
	wc_report_anomaly_stack(r, &a, frames, 4);
	a.start += 2 * MIB;
	a.end += 2 * MIB;
	wc_report_anomaly_stack(r, &a, frames, 0);	/* no stack */
	check(wc_report_verdict_kind(r) == WC_VERDICT_ANOMALIES, "a double: anomalies");
	doc = wc_report_json(r);
	check(json_object_object_get_ex(doc, "anomalies", &an) && json_object_array_length(an) == 2,
	      "two anomalies in the JSON");
	x = json_object_array_get_idx(an, 0);
	check(x && json_object_object_get_ex(x, "stack", &st) && json_object_array_length(st) == 4 &&
	      !strcmp(json_object_get_string(json_object_array_get_idx(st, 2)), "__walk_page_range+0x197"),
	      "the first has its 4 frames, innermost first");
	x = json_object_array_get_idx(an, 1);
	check(x && !json_object_object_get_ex(x, "stack", &st), "the second has no stack");
	json_object_put(doc);
	f = open_memstream(&text, &len);
	wc_report_print(r, f);
	fclose(f);
	check(text && strstr(text, "\n      walk_pgd_range+0x8da\n      __walk_page_range+0x197\n"),
	      "the text report shows the frames under the anomaly");
	check(text && strstr(text, "# mode: summary"), "the text report says summary mode");
	free(text);
	wc_report_free(r);
	wc_snapshot_free(&snap);
}

int main(void)
{
	wc_kaddr_setup(true);
	test_merge_doubles();
	test_merge_retries();
	test_merge_gaps();
	test_merge_splits();
	test_same_report();
	test_gaps();
	test_unproven();
	test_anomaly_stack();
	return failures ? 1 : 0;
}
