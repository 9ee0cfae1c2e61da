// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov top's snapshot logic (topview.h, toptext.h): rows grouped per ops
 * or per command, what grew between two snapshots and its rate, counter
 * resets and vanished rows, sorting by each column, top-N with the rest
 * folded, the anomaly list, and the text the screen and the plain mode print.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "coverage.h"
#include "summary.h"
#include "toptext.h"
#include "topview.h"

#define OPS_SMAPS 0xffffffff82001000ULL
#define OPS_PAGEMAP 0xffffffff82002000ULL
#define OPS_MINCORE 0xffffffff82003000ULL
#define S 1000000000ULL

static struct wc_sum_row *row(struct wc_snapshot *s, uint64_t ops, const char *name,
			      const char *comm, uint64_t walks, uint64_t bytes)
{
	struct wc_sum_row *r = wc_snapshot_row(s, ops, comm);

	if (!r) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->v.walks = walks;
	r->v.bytes = bytes;
	return r;
}

static const struct wc_top_row *find(const struct wc_top_view *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->rows[i].name, name))
			return &v->rows[i];
	return NULL;
}

/* Two snapshots 2 s apart: smaps walked by cat and ps, pagemap by cat. */
static void two_snapshots(struct wc_snapshot *a, struct wc_snapshot *b)
{
	wc_snapshot_init(a);
	wc_snapshot_init(b);
	a->ts_ns = 10 * S;
	row(a, OPS_SMAPS, "smaps_walk_ops", "cat", 100, 1000);
	row(a, OPS_SMAPS, "smaps_walk_ops", "ps", 50, 500);
	row(a, OPS_PAGEMAP, "pagemap_ops", "cat", 10, 100)->v.retries = 1;
	a->t.ringbuf_drops = 3;
	a->t.recursion_misses = 7;

	b->ts_ns = 12 * S;
	row(b, OPS_SMAPS, "smaps_walk_ops", "cat", 300, 3000)->v.doubles = 2;
	row(b, OPS_SMAPS, "smaps_walk_ops", "ps", 60, 600);
	row(b, OPS_PAGEMAP, "pagemap_ops", "cat", 30, 300)->v.retries = 5;
	b->t.ringbuf_drops = 3;
	b->t.recursion_misses = 17;
	b->t.walks_open = 4;
}

static void test_by_ops(void)
{
	struct wc_snapshot a, b;
	struct wc_top_view v;
	const struct wc_top_row *smaps, *pagemap;

	two_snapshots(&a, &b);
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 0), "by ops: built");
	smaps = find(&v, "smaps_walk_ops");
	pagemap = find(&v, "pagemap_ops");
	check(v.n == 2 && smaps && pagemap, "by ops: one row per ops struct (%zu)", v.n);
	check(v.interval_s == 2.0, "interval is 2 s (%g)", v.interval_s);
	if (smaps && pagemap) {
		check(smaps->total.walks == 360 && smaps->delta.walks == 210,
		      "smaps sums its two commands: total 360, grew 210 (%llu, %llu)",
		      smaps->total.walks, smaps->delta.walks);
		check(smaps->merged == 2 && smaps->ops == OPS_SMAPS, "smaps row: 2 snapshot rows, its ops id");
		check(wc_top_rate(&v, smaps->delta.walks) == 105.0, "smaps walks/s = 210 / 2 s (%g)",
		      wc_top_rate(&v, smaps->delta.walks));
		check(wc_top_rate(&v, smaps->delta.bytes) == 1050.0, "smaps bytes/s = 2100 / 2 s");
		check(smaps->delta.doubles == 2 && smaps->total.doubles == 2, "smaps: 2 new doubles");
		check(pagemap->delta.retries == 4 && pagemap->total.retries == 5, "pagemap: 4 new retries of 5");
		check(v.rows[0].ops == OPS_SMAPS, "sorted by walks: smaps first");
	}
	check(v.all.total.walks == 390 && v.all.delta.walks == 230 && v.all.merged == 3,
	      "total row: 390 walks, 230 new, 3 snapshot rows (%llu %llu %zu)",
	      v.all.total.walks, v.all.delta.walks, v.all.merged);
	check(v.dt.recursion_misses == 10 && v.dt.ringbuf_drops == 0 && v.t.recursion_misses == 17,
	      "lost: 10 new skipped programs, no new ring drops");
	check(v.t.walks_open == 4 && v.dt.walks_open == 0, "walks open is a gauge");
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
}

static void test_by_comm(void)
{
	struct wc_snapshot a, b;
	struct wc_top_view v;
	const struct wc_top_row *cat, *ps;

	two_snapshots(&a, &b);
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_COMM, WC_TOP_SORT_WALKS, 0), "by comm: built");
	cat = find(&v, "cat");
	ps = find(&v, "ps");
	check(v.n == 2 && cat && ps, "by comm: one row per command");
	if (cat && ps) {
		check(cat->total.walks == 330 && cat->delta.walks == 220 && cat->merged == 2,
		      "cat: smaps + pagemap, 330 walks, 220 new");
		check(ps->total.walks == 60 && ps->delta.walks == 10, "ps: 60 walks, 10 new");
	}
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
}

/* A row that went down was reset: all it has is new. A row that vanished
 * adds nothing. A new row: all new. */
static void test_reset_and_vanished(void)
{
	struct wc_snapshot a, b;
	struct wc_top_view v;
	const struct wc_top_row *r;

	wc_snapshot_init(&a);
	wc_snapshot_init(&b);
	a.ts_ns = S;
	row(&a, OPS_SMAPS, "smaps_walk_ops", "cat", 1000, 10000);
	row(&a, OPS_PAGEMAP, "pagemap_ops", "cat", 500, 5000);	/* vanishes */
	a.t.ringbuf_drops = 100;
	b.ts_ns = 2 * S;
	row(&b, OPS_SMAPS, "smaps_walk_ops", "cat", 40, 400000);	/* reset: walks went down */
	row(&b, OPS_MINCORE, "mincore_walk_ops", "cat", 7, 70);		/* new */
	b.t.ringbuf_drops = 5;						/* reset too */

	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 0), "reset: built");
	r = find(&v, "smaps_walk_ops");
	check(r && r->delta.walks == 40 && r->delta.bytes == 400000,
	      "a row whose walks went down counts all it has as new (40, 400000)");
	r = find(&v, "mincore_walk_ops");
	check(r && r->delta.walks == 7, "a new row: all of it is new");
	check(!find(&v, "pagemap_ops") && v.n == 2, "a vanished row is not shown");
	check(v.all.delta.walks == 47 && v.all.total.walks == 47,
	      "a vanished row adds nothing to the interval (%llu)", v.all.delta.walks);
	check(v.dt.ringbuf_drops == 5, "a session counter that went down: all of it is new");
	wc_top_view_free(&v);

	/* no previous snapshot, or no time between them: no rates */
	check(!wc_top_view_build(&v, NULL, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 0), "no prev: built");
	check(v.interval_s == 0 && wc_top_rate(&v, v.all.delta.walks) == 0 && v.all.delta.walks == 47,
	      "without a previous snapshot everything is new, and no rate");
	wc_top_view_free(&v);
	check(!wc_top_view_build(&v, &b, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 0), "same snapshot: built");
	check(v.interval_s == 0 && v.all.delta.walks == 0, "the same snapshot twice: nothing grew");
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
}

/* Each column orders the rows by what grew, then the total, then the name. */
static void test_sort(void)
{
	static const struct {
		int sort;
		const char *first;
	} cases[] = {
		{ WC_TOP_SORT_WALKS, "w" },
		{ WC_TOP_SORT_BYTES, "b" },
		{ WC_TOP_SORT_RETRIES, "r" },
		{ WC_TOP_SORT_DOUBLES, "d" },
		{ WC_TOP_SORT_GAPS, "g" },
		{ WC_TOP_SORT_SPLITS, "s" },
		{ WC_TOP_SORT_INCOMPLETE, "i" },
		{ WC_TOP_SORT_NAME, "b" },
	};
	struct wc_snapshot a, b;
	struct wc_top_view v;

	wc_snapshot_init(&a);
	wc_snapshot_init(&b);
	b.ts_ns = S;
	row(&b, 1, "w", "x", 900, 0);
	row(&b, 2, "b", "x", 1, 1 << 30);
	row(&b, 3, "r", "x", 1, 0)->v.retries = 9;
	row(&b, 4, "d", "x", 1, 0)->v.doubles = 9;
	row(&b, 5, "s", "x", 1, 0)->v.splits_other = 9;
	row(&b, 6, "i", "x", 1, 0)->v.walks_incomplete = 9;
	row(&b, 7, "g", "x", 1, 0)->v.gaps = 9;
	a.ts_ns = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int built = !wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, cases[i].sort, 0);

		check(built && v.n == 7 && !strcmp(v.rows[0].name, cases[i].first),
		      "sort %s: %s first (%s)", wc_top_sort_name(cases[i].sort), cases[i].first,
		      v.n ? v.rows[0].name : "none");
		wc_top_view_free(&v);
	}
	/* own and other splits both count */
	b.rows[0].v.splits_own = 5;
	b.rows[1].v.splits_own = 3, b.rows[1].v.splits_other = 3;
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_SPLITS, 0) &&
	      !strcmp(v.rows[0].name, "s") && !strcmp(v.rows[1].name, "b") && !strcmp(v.rows[2].name, "w"),
	      "sort splits: own + other (s 9, b 6, w 5)");
	wc_top_view_free(&v);

	/* ties in the interval: the total decides, then the name */
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
	wc_snapshot_init(&a);
	wc_snapshot_init(&b);
	row(&a, 1, "old", "x", 100, 0);
	row(&a, 2, "new", "x", 0, 0);
	row(&a, 3, "alpha", "x", 0, 0);
	b.ts_ns = S;
	row(&b, 1, "old", "x", 110, 0);
	row(&b, 2, "new", "x", 10, 0);
	row(&b, 3, "alpha", "x", 10, 0);
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 0) && v.n == 3 &&
	      !strcmp(v.rows[0].name, "old") && !strcmp(v.rows[1].name, "alpha") &&
	      !strcmp(v.rows[2].name, "new"),
	      "equal growth: larger total first, then by name (old, alpha, new)");
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);

	check(wc_top_sort_parse("doubles") == WC_TOP_SORT_DOUBLES && wc_top_sort_parse("gaps") == WC_TOP_SORT_GAPS &&
	      wc_top_sort_parse("lost") == -1 &&
	      wc_top_sort_parse("") == -1, "sort names parse; unknown ones are refused");
	check(wc_top_group_parse("comm") == WC_TOP_BY_COMM && wc_top_group_parse("ops") == WC_TOP_BY_OPS &&
	      wc_top_group_parse("pid") == -1, "grouping names parse; unknown ones are refused");
}

/* Top N: N - 1 rows and one row with the rest. */
static void test_fold(void)
{
	struct wc_snapshot a, b;
	struct wc_top_view v;
	char name[16];

	wc_snapshot_init(&a);
	wc_snapshot_init(&b);
	b.ts_ns = S;
	for (int i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "ops%02d", i);
		row(&b, (uint64_t)i, name, "x", (uint64_t)i * 10, (uint64_t)i);
	}
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 4), "fold: built");
	check(v.n == 3 && v.n_folded == 7, "4 rows: 3 shown and 1 of 7 folded (%zu, %zu)", v.n, v.n_folded);
	check(v.n == 3 && !strcmp(v.rows[0].name, "ops10") && !strcmp(v.rows[2].name, "ops08"),
	      "the largest three are shown");
	check(v.others.total.walks == 280 && v.others.delta.walks == 280 && v.others.merged == 7 &&
	      v.others.total.bytes == 28, "others: ops01..ops07, 280 walks");
	check(v.all.total.walks == 550, "total: every row (550)");
	wc_top_view_free(&v);

	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 10) && v.n == 10 &&
	      v.n_folded == 0, "as many rows as allowed: nothing folded");
	wc_top_view_free(&v);
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 1) && v.n == 0 &&
	      v.n_folded == 10 && v.others.total.walks == 550, "one row: everything in others");
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
}

static void test_copy(void)
{
	struct wc_snapshot a, b;

	wc_snapshot_init(&a);
	wc_snapshot_init(&b);
	a.ts_ns = 5;
	a.t.anomalies = 2;
	row(&a, 1, "one", "x", 1, 1);
	row(&a, 2, "two", "x", 2, 2);
	row(&b, 9, "old", "x", 9, 9);
	check(!wc_snapshot_copy(&b, &a), "copy: done");
	check(b.n == 2 && b.rows != a.rows && b.ts_ns == 5 && b.t.anomalies == 2 &&
	      b.rows[1].v.walks == 2 && !strcmp(b.rows[0].name, "one"), "copy: deep, everything copied");
	a.rows[0].v.walks = 77;
	check(b.rows[0].v.walks == 1, "copy: independent of the source");
	check(wc_snapshot_row(&b, 3, "y") != NULL && b.n == 3, "copy: can grow");
	wc_snapshot_free(&a);
	check(!wc_snapshot_copy(&b, &a) && b.n == 0, "copy of an empty snapshot");
	wc_snapshot_free(&b);
}

/* The text: columns, the others and total rows, one line per anomaly. */
static void test_text(void)
{
	struct wc_snapshot a, b;
	struct wc_top_view v;
	struct wc_top_head h = { .kernel = "7.2.13", .mechanism = "kprobe.multi", .elapsed_s = 12,
				 .group = WC_TOP_BY_OPS, .sort = WC_TOP_SORT_WALKS, .anomalies = 1 };
	struct wc_event e = {
		.type = WC_EV_ANOMALY, .ts_ns = 13500000000ULL, .value = 1, .ret = 3, .pid = 42,
		.start = 0x7f0000000000ULL, .end = 0x7f0000200000ULL, .cls = 2, .vma = 77,
		.comm = "wc_modtest",
	};
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	two_snapshots(&a, &b);
	b.t.anomalies = 512;	/* pieces; the head shows the merged count */
	row(&b, OPS_MINCORE, "mincore_walk_ops", "cat", 1, 1);
	a.rows[0].v.gaps = 1;	/* smaps, cat: 1 gap, then 4: 3 in the interval */
	b.rows[0].v.gaps = 4;
	check(!wc_top_view_build(&v, &a, &b, WC_TOP_BY_OPS, WC_TOP_SORT_WALKS, 2), "text: built");
	f = open_memstream(&out, &len);
	if (!f)
		exit(2);
	wc_top_print_head(f, &h, &v);
	wc_top_print_table(f, &v, WC_TOP_BY_OPS);
	wc_top_print_anomaly(f, &e, "ops of wct_double_pmd_entry", 1500000000ULL);
	fclose(f);
	printf("%s", out);
	check(strstr(out, "walkcov top  kernel 7.2.13  kprobe.multi  elapsed 12.0s  by ops  sort walks\n") != NULL,
	      "head: kernel, mechanism, elapsed, grouping, sort");
	check(strstr(out, "walks open 4  anomalies 1  lost: ring buffer 3, skipped by the kernel 17,") != NULL,
	      "head: walks open, anomalies, lost per cause");
	check(strstr(out, "\nOPS              WALKS/s   BYTES/s +RETRY +DOUBLE  +GAP +SPLIT-OWN +SPLIT-OTH "
			  "+INCOMPL      WALKS  DOUBLES     GAPS\n") != NULL,
	      "column header, names padded to the longest shown");
	check(strstr(out, "\nsmaps_walk_ops     105.0      1.0K      0       2     3          0          0 "
			  "       0        360        2        4\n") != NULL,
	      "smaps row: rates and counts in their columns");
	check(strstr(out, "\n(2 others)          10.5       100      4       0     0          0          0 "
			  "       0         31        0        0\n") != NULL,
	      "pagemap and mincore folded into one row");
	check(strstr(out, "\ntotal              115.5      1.1K      4       2") != NULL, "the total row");
	check(strstr(out, "   +12.000s double       wc_modtest/42 ops of wct_double_pmd_entry "
			  "0x7f0000000000-0x7f0000200000 x3 split by tid 77\n") != NULL,
	      "anomaly line: time since start, type, comm/pid, ops, range, count, splitter");
	free(out);
	wc_top_view_free(&v);
	wc_snapshot_free(&a);
	wc_snapshot_free(&b);
}

static struct wc_event piece(uint64_t walk, uint64_t type, uint64_t start, uint64_t len)
{
	struct wc_event e = {
		.type = WC_EV_ANOMALY, .walk_id = walk, .mm = 0xffff888000001000ULL, .value = type,
		.start = start, .end = start + len, .ret = 1, .kind = WC_K_PTE_ENTRY, .cls = 1,
	};

	return e;
}

/* The kernel's pieces become the engine's anomalies: a double of three THPs
 * arrives as 3 x 512 pte pieces and is 3 doubles; retries merge per start;
 * other walks and types stay apart; the list keeps the latest entries. */
static void test_anomalies(void)
{
	static struct wc_top_anomalies l;
	const uint64_t B = 0x7f0000000000ULL, PMD = 2ULL << 20;
	const struct wc_top_anomaly *a;
	struct wc_event e;

	for (uint64_t blk = 0; blk < 3; blk++)
		for (uint64_t i = 0; i < 512; i++) {
			e = piece(7, 1, B + blk * PMD + i * 4096, 4096);
			if (blk == 1 && i == 100)
				e.cls = 2, e.vma = 99;	/* split by another task */
			wc_top_anomaly_add(&l, &e, "ops of wct_double_pmd_entry");
		}
	check(l.n == 3 && l.pieces == 1536, "1536 pte pieces of 3 blocks: 3 doubles (%llu)",
	      (unsigned long long)l.n);
	a = wc_top_anomaly_get(&l, 0);
	check(a && a->e.start == B && a->e.end == B + PMD && a->e.ret == 512 &&
	      !strcmp(a->ops, "ops of wct_double_pmd_entry"),
	      "the first double: its whole block, count 512, its ops name");
	a = wc_top_anomaly_get(&l, 1);
	check(a && a->e.cls == 2 && a->e.vma == 99, "a split by another task wins over the walker's own");
	a = wc_top_anomaly_get(&l, 2);
	check(a && a->e.cls == 1 && a->e.start == B + 2 * PMD, "the third block keeps the walker's split");

	e = piece(8, 1, B, 4096);	/* another walk, same block */
	wc_top_anomaly_add(&l, &e, "x");
	e = piece(7, 2, B, PMD);	/* a retry of walk 7 */
	e.kind = WC_K_PMD_ENTRY;
	wc_top_anomaly_add(&l, &e, "x");
	wc_top_anomaly_add(&l, &e, "x");	/* the same retry again */
	e.start = B + PMD, e.end = B + 2 * PMD;
	wc_top_anomaly_add(&l, &e, "x");	/* a retry at another start */
	check(l.n == 6, "other walks, types and retry starts stay apart (%llu entries)",
	      (unsigned long long)l.n);
	a = wc_top_anomaly_get(&l, 4);
	check(a && a->e.value == 2 && a->e.ret == 2, "a retry repeated: one entry, count 2");

	/* more than the list keeps: the oldest are gone, the newest kept */
	for (uint64_t i = 0; i < 2 * WC_TOP_ANOMALIES; i++) {
		e = piece(100 + i, 1, B, 4096);
		wc_top_anomaly_add(&l, &e, "x");
	}
	check(l.n == 6 + 2 * WC_TOP_ANOMALIES, "every anomaly counted");
	check(!wc_top_anomaly_get(&l, 0) && !wc_top_anomaly_get(&l, l.n - WC_TOP_ANOMALIES - 1),
	      "entries older than the list are gone");
	a = wc_top_anomaly_get(&l, l.n - 1);
	check(a && a->e.walk_id == 100 + 2 * WC_TOP_ANOMALIES - 1 && wc_top_anomaly_get(&l, l.n - WC_TOP_ANOMALIES),
	      "the newest are kept");
	check(!wc_top_anomaly_get(&l, l.n), "no entry past the last");

	/* gaps merge per start (one per unhandled range), not per block */
	{
		static struct wc_top_anomalies g;
		char *out = NULL;
		size_t len = 0;
		FILE *f;

		e = piece(9, WC_AN_GAP, B + 4096, 4096);
		wc_top_anomaly_add(&g, &e, "x");
		wc_top_anomaly_add(&g, &e, "x");
		e = piece(9, WC_AN_GAP, B + 3 * 4096, 4096);
		wc_top_anomaly_add(&g, &e, "x");
		a = wc_top_anomaly_get(&g, 0);
		check(g.n == 2 && a && a->e.ret == 2, "gaps: one per start in a block (%llu), repeats merged",
		      (unsigned long long)g.n);
		f = open_memstream(&out, &len);
		if (!f)
			exit(2);
		e.cls = 0;
		wc_top_print_anomaly(f, &e, "pagemap_ops", 0);
		fclose(f);
		check(strstr(out, " gap          /0 pagemap_ops 0x7f0000003000-0x7f0000004000 x1\n") != NULL,
		      "gaps: the anomaly line names it (%s)", out);
		free(out);
	}
}

int main(void)
{
	test_by_ops();
	test_by_comm();
	test_reset_and_vanished();
	test_sort();
	test_fold();
	test_copy();
	test_text();
	test_anomalies();
	return failures ? 1 : 0;
}
