// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Summary snapshots as Prometheus text (promfmt.h): exact sample lines,
 * label escaping, HELP/TYPE before every family, the top-N bound with its
 * "other" series, counters that never go down when the top-N set changes
 * or a kernel counter resets, and `promtool check metrics` on the output
 * (when Debian's prometheus package is installed).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "promfmt.h"

static struct wc_sum_row *row(struct wc_snapshot *s, uint64_t ops, const char *name,
			      const char *comm, uint64_t walks)
{
	struct wc_sum_row *r = wc_snapshot_row(s, ops, comm);

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->v.walks = walks;
	r->v.walks_complete = walks;
	r->v.walks_proven = walks;
	r->v.bytes = walks * 4096;
	return r;
}

static char *render(const struct wc_prom *p)
{
	char *t = wc_prom_render_str(p, NULL);

	if (!t) {
		check(0, "render");
		exit(1);
	}
	return t;
}

/* The value of the sample line that starts with PREFIX ("name{labels}"),
 * -1 if there is none. */
static long long sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, prefix, n) && l[n] == ' ')
			return atoll(l + n + 1);
	return -1;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/* Every sample's family has HELP and TYPE lines before it, once. */
static void check_families(const char *text)
{
	char fam[128], seen[4096] = " ";
	int bad = 0, lines = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = strcspn(l, "{ \n");

		if (!strncmp(l, "# TYPE ", 7)) {
			snprintf(fam, sizeof(fam), " %.*s ", (int)strcspn(l + 7, " "), l + 7);
			bad += strstr(seen, fam) != NULL;	/* a family twice */
			strncat(seen, fam + 1, sizeof(seen) - strlen(seen) - 1);
		} else if (l[0] != '#') {
			snprintf(fam, sizeof(fam), " %.*s ", (int)n, l);
			bad += strstr(seen, fam) == NULL;
			lines++;
		}
		if (!strchr(l, '\n'))
			break;
	}
	check(bad == 0 && lines > 0, "every one of %d samples follows its family's TYPE (%d bad)", lines, bad);
	check(count_lines(text, "# HELP ") == count_lines(text, "# TYPE "), "a HELP line for every TYPE line");
}

static void test_escape(void)
{
	char b[64];
	size_t n;

	n = wc_prom_escape(b, sizeof(b), "a\"b\\c\nd");
	check(!strcmp(b, "a\\\"b\\\\c\\nd") && n == 10, "escape: quote, backslash, newline (%s)", b);
	wc_prom_escape(b, sizeof(b), "k\xc3\xa4t\tz");
	check(!strcmp(b, "k??t?z"), "escape: bytes outside printable ASCII become '?' (%s)", b);
	n = wc_prom_escape(b, 4, "ab\"cd");
	check(n == 6 && !strcmp(b, "ab\\"), "escape: truncated to the buffer, wanted length returned");
}

static void test_exact(void)
{
	struct wc_snapshot s;
	struct wc_prom p;
	struct wc_sum_row *r;
	char *t;

	wc_snapshot_init(&s);
	r = row(&s, 1, "smaps_walk_ops", "cat", 10);
	r->v.walks_complete = 9;
	r->v.walks_incomplete = 1;
	r->v.walks_proven = 8;
	r->v.pmd_huge = 3;
	r->v.pte_visits = 512;
	r->v.holes = 2;
	r->v.retries = 4;
	r->v.doubles = 1;
	r->v.out_of_order = 5;
	r->v.livelocks = 6;
	r->v.splits_own = 7;
	r->v.splits_other = 8;
	r->v.gaps = 17;
	r->v.walks_stopped = 18;
	r->v.walks_unsure = 19;
	row(&s, 2, "ops of x", "a\"b\\c", 3);
	s.t = (struct wc_sum_totals){ .ringbuf_drops = 11, .recursion_misses = 12, .untracked = 13,
				      .lost_exits = 14, .sum_full = 15, .walks_open = 2, .anomalies = 16 };
	wc_prom_init(&p, 20, "0.1");
	check(wc_prom_update(&p, &s) == 0, "update");
	t = render(&p);

	check(sample(t, "walkcov_walks_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 10, "walks");
	check(sample(t, "walkcov_walks_complete_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 9, "complete");
	check(sample(t, "walkcov_walks_incomplete_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 1, "incomplete");
	check(sample(t, "walkcov_walks_proven_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 8, "proven");
	check(sample(t, "walkcov_handled_bytes_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 40960, "bytes");
	check(sample(t, "walkcov_pmd_huge_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 3, "pmd huge");
	check(sample(t, "walkcov_pte_visits_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 512, "pte visits");
	check(sample(t, "walkcov_holes_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 2, "holes");
	check(sample(t, "walkcov_retries_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 4, "retries");
	check(sample(t, "walkcov_doubles_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 1, "doubles");
	check(sample(t, "walkcov_out_of_order_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 5, "out of order");
	check(sample(t, "walkcov_livelocks_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 6, "livelocks");
	check(sample(t, "walkcov_gaps_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 17 &&
	      sample(t, "walkcov_gaps_total{ops=\"ops of x\",comm=\"a\\\"b\\\\c\"}") == 0, "gaps");
	check(sample(t, "walkcov_walks_stopped_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 18,
	      "stopped walks");
	check(sample(t, "walkcov_walks_unsure_total{ops=\"smaps_walk_ops\",comm=\"cat\"}") == 19,
	      "unsure walks");
	check(strstr(t, "# HELP walkcov_gaps_total Ranges of complete walks that no callback handled") &&
	      strstr(t, "# TYPE walkcov_gaps_total counter\n") &&
	      strstr(t, "# TYPE walkcov_walks_stopped_total counter\n") &&
	      strstr(t, "# TYPE walkcov_walks_unsure_total counter\n"), "HELP and TYPE of the gap families");
	check(sample(t, "walkcov_splits_total{ops=\"smaps_walk_ops\",comm=\"cat\",by=\"own\"}") == 7, "splits own");
	check(sample(t, "walkcov_splits_total{ops=\"smaps_walk_ops\",comm=\"cat\",by=\"other\"}") == 8, "splits other");
	check(sample(t, "walkcov_walks_total{ops=\"ops of x\",comm=\"a\\\"b\\\\c\"}") == 3,
	      "a comm with a quote and a backslash is escaped in its label");
	check(sample(t, "walkcov_lost_events_total{cause=\"ringbuf\"}") == 11 &&
	      sample(t, "walkcov_lost_events_total{cause=\"recursion\"}") == 12 &&
	      sample(t, "walkcov_lost_events_total{cause=\"untracked\"}") == 13 &&
	      sample(t, "walkcov_lost_events_total{cause=\"lost_exit\"}") == 14 &&
	      sample(t, "walkcov_lost_events_total{cause=\"summary_full\"}") == 15, "lost events per cause");
	check(sample(t, "walkcov_anomaly_events_total") == 16, "anomaly events");
	check(sample(t, "walkcov_open_walks") == 2, "open walks gauge");
	check(strstr(t, "# TYPE walkcov_open_walks gauge\n") && strstr(t, "# TYPE walkcov_walks_total counter\n"),
	      "TYPE lines say counter and gauge");
	check(sample(t, "walkcov_build_info{version=\"0.1\"}") == 1, "build info");
	check(count_lines(t, "walkcov_walks_total{") == 2, "no 'other' series while nothing is folded");
	check_families(t);
	free(t);

	/* the totals only grow, the gauge follows */
	s.t.ringbuf_drops = 20;
	s.t.walks_open = 0;
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_lost_events_total{cause=\"ringbuf\"}") == 20 && sample(t, "walkcov_open_walks") == 0,
	      "lost counters and the open-walks gauge follow the snapshot");
	free(t);
	wc_prom_free(&p);
	wc_snapshot_free(&s);
}

#define OTHER_WALKS "walkcov_walks_total{ops=\"other\",comm=\"other\"}"

static void test_top_n(void)
{
	struct wc_snapshot s;
	struct wc_prom p;
	char *t;

	wc_snapshot_init(&s);
	row(&s, 1, "a_ops", "x", 100);
	row(&s, 2, "b_ops", "x", 50);
	row(&s, 3, "c_ops", "x", 10);
	row(&s, 4, "d_ops", "x", 1);
	wc_prom_init(&p, 2, "0.1");
	wc_prom_update(&p, &s);
	t = render(&p);
	check(count_lines(t, "walkcov_walks_total{") == 3, "max 2 series: 2 named plus other");
	check(sample(t, "walkcov_walks_total{ops=\"a_ops\",comm=\"x\"}") == 100 &&
	      sample(t, "walkcov_walks_total{ops=\"b_ops\",comm=\"x\"}") == 50, "the 2 with most walks are named");
	check(sample(t, OTHER_WALKS) == 11, "other holds the rest (10 + 1)");
	check(sample(t, "walkcov_handled_bytes_total{ops=\"other\",comm=\"other\"}") == 11 * 4096,
	      "other sums every counter");
	check_families(t);
	free(t);

	/* c overtakes b: c gets its own series, b is folded; b's past stays
	 * out of other, so other grows by b's growth only */
	wc_snapshot_row(&s, 3, "x")->v.walks = 500;
	wc_snapshot_row(&s, 2, "x")->v.walks = 52;
	wc_snapshot_row(&s, 1, "x")->v.walks = 110;
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_walks_total{ops=\"c_ops\",comm=\"x\"}") == 490,
	      "a row promoted to its own series counts from its promotion (490)");
	check(sample(t, OTHER_WALKS) == 13, "other did not go down when its row was promoted (13 = 11 + 2)");
	check(sample(t, "walkcov_walks_total{ops=\"a_ops\",comm=\"x\"}") == 110, "a keeps counting");
	check(sample(t, "walkcov_walks_total{ops=\"b_ops\",comm=\"x\"}") == -1, "the demoted series is not shown");
	free(t);

	/* b back on top: its series resumes from its own value */
	wc_snapshot_row(&s, 2, "x")->v.walks = 1000;
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_walks_total{ops=\"b_ops\",comm=\"x\"}") == 50 + 948,
	      "a series shown again continues from its value (998)");
	check(sample(t, OTHER_WALKS) == 13, "other never goes down (13)");
	free(t);

	wc_prom_free(&p);
	wc_snapshot_free(&s);

	/* a kernel counter that shrank was reset: all of it is new */
	wc_snapshot_init(&s);
	row(&s, 1, "a_ops", "x", 100);
	wc_prom_init(&p, 2, "0.1");
	wc_prom_update(&p, &s);
	wc_snapshot_row(&s, 1, "x")->v.walks = 5;
	wc_prom_update(&p, &s);
	wc_snapshot_row(&s, 1, "x")->v.walks = 7;
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_walks_total{ops=\"a_ops\",comm=\"x\"}") == 107,
	      "a reset row adds its new value, its series does not go down (100 + 5 + 2)");
	free(t);
	wc_prom_free(&p);
	wc_snapshot_free(&s);
}

static void test_labels_merge(void)
{
	struct wc_snapshot s;
	struct wc_prom p;
	char *t;

	wc_snapshot_init(&s);
	row(&s, 1, "same_ops", "cat", 5);
	row(&s, 2, "same_ops", "cat", 7);	/* another ops id with the same name */
	row(&s, 3, "other", "other", 4);	/* a real row labelled like the fold */
	wc_prom_init(&p, 1, "0.1");
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_walks_total{ops=\"same_ops\",comm=\"cat\"}") == 12,
	      "rows with the same labels are one series (12), taking one slot");
	check(sample(t, OTHER_WALKS) == 4 && count_lines(t, OTHER_WALKS) == 1,
	      "a row labelled other/other is folded, never a duplicate series");
	free(t);
	wc_prom_free(&p);

	/* a row with a double gets a series before rows with more walks */
	wc_snapshot_free(&s);
	row(&s, 1, "busy_ops", "x", 1000);
	row(&s, 2, "rare_ops", "x", 1)->v.doubles = 1;
	wc_prom_init(&p, 1, "0.1");
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_doubles_total{ops=\"rare_ops\",comm=\"x\"}") == 1 &&
	      sample(t, OTHER_WALKS) == 1000, "a double is never folded into other while a slot is left");
	free(t);
	wc_prom_free(&p);
	wc_snapshot_free(&s);

	/* nor is a gap: a row with one ranks before rows with more walks */
	row(&s, 1, "busy_ops", "x", 1000);
	row(&s, 2, "stopped_ops", "x", 500)->v.walks_stopped = 500;	/* not an anomaly */
	row(&s, 3, "gappy_ops", "x", 1)->v.gaps = 1;
	wc_prom_init(&p, 1, "0.1");
	wc_prom_update(&p, &s);
	t = render(&p);
	check(sample(t, "walkcov_gaps_total{ops=\"gappy_ops\",comm=\"x\"}") == 1 &&
	      sample(t, OTHER_WALKS) == 1500 && sample(t, "walkcov_gaps_total{ops=\"other\",comm=\"other\"}") == 0,
	      "a gap is never folded into other while a slot is left");
	free(t);
	wc_prom_free(&p);
	wc_snapshot_free(&s);
	wc_snapshot_init(&s);
	row(&s, 1, "same_ops", "cat", 5);
	row(&s, 2, "same_ops", "cat", 7);
	row(&s, 3, "other", "other", 4);

	/* max 0: everything in other */
	wc_prom_init(&p, 0, "0.1");
	wc_prom_update(&p, &s);
	t = render(&p);
	check(count_lines(t, "walkcov_walks_total{") == 1 && sample(t, OTHER_WALKS) == 16, "max 0: only other");
	free(t);
	wc_prom_free(&p);
	wc_snapshot_free(&s);

	/* no snapshot yet: still valid, with the global families */
	wc_prom_init(&p, 5, "0.1");
	t = render(&p);
	check(sample(t, "walkcov_open_walks") == 0 && count_lines(t, "walkcov_walks_total{") == 0,
	      "before the first snapshot: families without series");
	check_families(t);
	free(t);
	wc_prom_free(&p);
}

/* Debian's prometheus package has promtool: its linter must accept us. */
static void test_promtool(void)
{
	struct wc_snapshot s;
	struct wc_prom p;
	FILE *f;
	int st;

	if (system("command -v promtool >/dev/null 2>&1")) {
		printf("skip - promtool check metrics (promtool not installed: apt-get install prometheus)\n");
		return;
	}
	wc_snapshot_init(&s);
	row(&s, 1, "smaps_walk_ops", "ca\"t", 10)->v.doubles = 2;
	for (int i = 0; i < 30; i++)
		row(&s, 100 + i, "pagemap_ops", "w\\", (uint64_t)i);
	s.t.ringbuf_drops = 3;
	wc_prom_init(&p, 5, "0.1");
	wc_prom_update(&p, &s);
	fflush(stdout);
	f = popen("promtool check metrics", "w");
	check(f != NULL, "promtool runs");
	if (!f)
		return;
	wc_prom_render(&p, f);
	st = pclose(f);
	check(st == 0, "promtool check metrics accepts the exposition (status %d)", st);
	wc_prom_free(&p);
	wc_snapshot_free(&s);
}

int main(void)
{
	test_escape();
	test_exact();
	test_top_n();
	test_labels_merge();
	test_promtool();
	return failures ? 1 : 0;
}
