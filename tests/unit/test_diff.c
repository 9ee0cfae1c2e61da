// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov diff's logic (profile.h, diff.h): two reports' JSON in, rows out.
 * Identical runs give no row and status 0; a new anomaly type or an ops
 * struct no longer reached gives status 1; counts are normalised per walk
 * (a run twice as long with the same behaviour changes raw counts only);
 * rows sort by the largest relative change; malformed documents are refused
 * with a reason.
 */
#include <string.h>
#include "check.h"
#include "diff.h"
#include "profile.h"

/* A report document: RUN_WALKS walks, DOUBLES doubles, then ops rows. */
static struct json_object *doc(const char *json)
{
	return json_tokener_parse(json);
}

static int load(struct wc_profile *p, const char *json)
{
	struct json_object *d = doc(json);
	char err[256] = "";
	int r = d ? wc_profile_from_json(p, d, err, sizeof(err)) : -1;

	json_object_put(d);
	return r;
}

static const struct wc_diff_row *row(const struct wc_diff *d, const char *name, const char *metric)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->rows[i].name, name) && !strcmp(d->rows[i].metric, metric))
			return &d->rows[i];
	return NULL;
}

#define RUN(w, dbl) "\"summary\":{\"walks\":" #w ",\"doubles\":" #dbl ",\"kernel\":\"k\",\"mode\":\"full\"}"
#define OPS(name, w, pte) "{\"name\":\"" name "\",\"walks\":" #w ",\"pte_visits\":" #pte "}"
#define CENSUS(v) ",\"census\":{\"measured\":true,\"entries\":[" \
	"{\"name\":\"walk_page_range\",\"role\":\"entry\",\"walks\":10,\"calls\":10}," \
	"{\"name\":\"smaps_pte_range\",\"role\":\"pmd_entry\",\"visits\":" #v ",\"retries\":0}]}"

int main(void)
{
	const char *a_json = "{" RUN(10, 0) ",\"ops\":[" OPS("smaps_walk_ops", 6, 60) ","
			     OPS("pagemap_ops", 4, 8) "]" CENSUS(30) "}";
	struct wc_profile a, b;
	struct wc_diff d;
	const struct wc_diff_row *r;
	char err[256];

	/* the same run twice: nothing differs */
	check(load(&a, a_json) == 0 && load(&b, a_json) == 0, "two identical reports load");
	check(a.walks == 10 && a.census, "the run's walks and census are read");
	check(wc_diff_compute(&d, &a, &b) == 0 && d.n == 0 && wc_diff_status(&d) == 0,
	      "identical runs: no row, status 0 (%zu rows)", d.n);
	check(d.compared > 10 && d.census, "identical runs: counts and callbacks compared (%zu)",
	      d.compared);
	wc_diff_free(&d);
	wc_profile_free(&b);

	/* twice as long, same behaviour: raw counts double, normalised ones hold */
	check(load(&b, "{" RUN(20, 0) ",\"ops\":[" OPS("smaps_walk_ops", 12, 120) ","
		   OPS("pagemap_ops", 8, 16) "]" CENSUS(60) "}") == 0, "a longer run loads");
	check(wc_diff_compute(&d, &a, &b) == 0 && wc_diff_status(&d) == 0, "longer run: status 0");
	r = row(&d, "smaps_walk_ops", "pte_visits");
	check(r && r->a == 60 && r->b == 120 && r->na == 10 && r->nb == 10 && r->score == 0,
	      "pte visits per ops walk hold (10 and 10), raw 60 -> 120");
	r = row(&d, "smaps_walk_ops", "walks");
	check(r && r->score == 0 && !strcmp(r->norm, "per 1000 walks"),
	      "ops walks per 1000 walks of the run hold");
	r = row(&d, "smaps_pte_range", "visits");
	check(r && r->a == 30 && r->b == 60 && r->score == 0, "callback visits per walk hold");
	wc_diff_free(&d);
	wc_profile_free(&b);

	/* B: a new anomaly type, pagemap_ops gone, smaps visits changed */
	check(load(&b, "{" RUN(10, 3) ",\"ops\":[" OPS("smaps_walk_ops", 10, 200) "]" CENSUS(30) "}")
	      == 0, "a regressed run loads");
	check(wc_diff_compute(&d, &a, &b) == 0 && wc_diff_status(&d) == 1, "regression: status 1");
	check(d.n_new_types == 1 && !strcmp(d.new_types[0], "double"), "the new type is double");
	check(d.n_lost_ops == 1 && !strcmp(d.lost_ops[0], "pagemap_ops"), "pagemap_ops not reached");
	check(d.n > 0 && d.rows[0].score == 1, "the first row is one that appeared or vanished");
	for (size_t i = 1; i < d.n; i++)
		if (d.rows[i].score > d.rows[i - 1].score) {
			check(0, "rows sorted by change (row %zu)", i);
			break;
		}
	r = row(&d, "smaps_walk_ops", "pte_visits");
	check(r && r->na == 10 && r->nb == 20 && r->score == 0.5, "pte visits per walk 10 -> 20: 50%%");
	wc_diff_free(&d);
	/* the reverse: nothing new in B, nothing lost */
	check(wc_diff_compute(&d, &b, &a) == 0 && d.n_new_types == 0 && d.n_lost_ops == 0 &&
	      wc_diff_status(&d) == 0, "reverse: a type gone and an ops added are no regression");
	wc_diff_free(&d);
	wc_profile_free(&b);

	/* summary mode (no per-callback counts) on one side: callbacks not compared */
	check(load(&b, "{" RUN(10, 0) ",\"ops\":[" OPS("smaps_walk_ops", 6, 60) ","
		   OPS("pagemap_ops", 4, 8) "],\"census\":{\"measured\":false,\"entries\":[]}}") == 0,
	      "a summary-mode report loads");
	check(wc_diff_compute(&d, &a, &b) == 0 && !d.census && !row(&d, "smaps_pte_range", "visits"),
	      "summary mode: callbacks not compared");
	wc_diff_free(&d);
	wc_profile_free(&b);
	wc_profile_free(&a);

	/* malformed documents: refused with a reason, nothing kept */
	static const char *const bad[] = {
		"{}", "{\"summary\":{}}", "{\"summary\":1,\"ops\":[]}", "{\"summary\":{},\"ops\":{}}",
		"{\"summary\":{\"walks\":-1},\"ops\":[]}", "{\"summary\":{\"walks\":1.5},\"ops\":[]}",
		"{\"summary\":{},\"ops\":[1]}", "{\"summary\":{},\"ops\":[{\"walks\":\"x\"}]}",
		"{\"summary\":{},\"ops\":[],\"census\":{\"measured\":true,\"entries\":[2]}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = doc(bad[i]);

		err[0] = '\0';
		check(o && wc_profile_from_json(&a, o, err, sizeof(err)) == -1 && *err && !a.it,
		      "refused: %s (%s)", bad[i], err);
		json_object_put(o);
	}
	/* names keep printable ASCII only */
	check(load(&a, "{" RUN(1, 0) ",\"ops\":[{\"name\":\"a\\u001b[2Jb\",\"walks\":1}]}") == 0 &&
	      !strcmp(a.it[1].name, "a?[2Jb"), "a control byte in a name is replaced");
	wc_profile_free(&a);
	return failures ? 1 : 0;
}
