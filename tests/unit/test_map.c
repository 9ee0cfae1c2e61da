// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov map's data and layout (user/walkmap.c, user/svgmap.c): a record
 * file written from synthetic walks is replayed with the map observing, and
 * what the map holds must agree with what the engine said of each walk:
 * the bytes it drew as handled are the walk's bytes, it draws a double
 * exactly where the engine found one, and every walk of random streams
 * (with lost events) draws without fault; gaps, silent, unsure and stopped
 * ranges (synthetic observations) get their own cells. The pixels are checked in a
 * browser by tests/host/map.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "evgen.h"
#include "recfile.h"
#include "svgmap.h"
#include "walkmap.h"

#define B	0x7f0000000000ULL
#define MB2	EG_PMD

static void write_file(const char *path, const struct evgen *g)
{
	char *argv[] = { "walkcov", "record" }, err[256];
	struct json_object *hdr = wc_hdr_new(2, argv, "fentry");
	struct wc_writer *w = wc_writer_open(path, hdr, err, sizeof(err));
	struct wc_rec_end end = { 0 };

	if (!w) {
		fprintf(stderr, "writer: %s\n", err);
		abort();
	}
	for (size_t i = 0; i < g->n; i++)
		wc_writer_event(w, &g->ev[i]);
	if (wc_writer_close(w, &end, NULL, err, sizeof(err)))
		abort();
	json_object_put(hdr);
}

/* Bytes in the union of three sorted, merged layers. */
static uint64_t union_bytes(const struct wc_map *m, int a, int b, int c)
{
	const struct wc_ivlist *l[3] = { &m->layer[a], &m->layer[b], &m->layer[c] };
	size_t i[3] = { 0 };
	uint64_t n = 0, cur_s = 0, cur_e = 0;
	int open = 0;

	for (;;) {
		int k = -1;

		for (int j = 0; j < 3; j++)
			if (i[j] < l[j]->n && (k < 0 || l[j]->v[i[j]].s < l[k]->v[i[k]].s))
				k = j;
		if (k < 0)
			break;
		const struct wc_ivl *v = &l[k]->v[i[k]++];

		if (open && v->s <= cur_e) {
			cur_e = v->e > cur_e ? v->e : cur_e;
			continue;
		}
		if (open)
			n += cur_e - cur_s;
		cur_s = v->s;
		cur_e = v->e;
		open = 1;
	}
	return n + (open ? cur_e - cur_s : 0);
}

/* The map's SVG text (caller frees). */
static char *render(const struct wc_map *m, const struct wc_anomaly *hl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	wc_svgmap_render(f, m, hl);
	fclose(f);
	return buf;
}

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

/* One map: the 2019 double and a clean walk, by hand. */
static void test_double(const char *path)
{
	struct evgen g;
	uint64_t ids[3];
	struct wc_analysis an;
	struct wc_mapset *set;
	struct wc_map *m;
	char *svg;

	eg_init(&g);
	eg_begin(&g, B, B + 4 * MB2);
	ids[0] = eg_walk_id(&g);
	eg_chunk(&g, B, B + 3 * MB2);	/* the VMA; then one skipped */
	eg_pmd(&g, B, WC_ACT_CONTINUE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_pmd(&g, B + MB2, WC_ACT_SUBTREE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_split(&g, 200, B + MB2, 1);
	eg_ptes(&g, B + MB2, B + 2 * MB2);
	eg_pmd(&g, B + 2 * MB2, WC_ACT_AGAIN, WC_CLS_TABLE, WC_F_HAS_LOWER);
	eg_pmd(&g, B + 2 * MB2, WC_ACT_CONTINUE, WC_CLS_TABLE, WC_F_HAS_LOWER);
	eg_chunk_end(&g, 0);
	eg_skip(&g, B + 3 * MB2, B + 4 * MB2);
	eg_end(&g, 0);
	eg_begin(&g, 0xffff800000000000ULL, UINT64_MAX);	/* kernel page tables, to the top */
	ids[2] = eg_walk_id(&g);
	eg_hole(&g, 0xffff800000000000ULL, 0xffffffff80000000ULL, 0);
	eg_pmd(&g, 0xffffffff80000000ULL, WC_ACT_CONTINUE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_hole(&g, 0xffffffff80200000ULL, UINT64_MAX, 1);
	eg_end(&g, 0);
	eg_begin(&g, B, B + 2 * MB2);		/* a clean walk */
	ids[1] = eg_walk_id(&g);
	eg_chunk(&g, B, B + 2 * MB2);
	eg_pmd(&g, B, WC_ACT_CONTINUE, WC_CLS_HUGE, WC_F_HAS_LOWER);
	eg_hole(&g, B + MB2, B + 2 * MB2, 3);
	eg_chunk_end(&g, 0);
	eg_end(&g, 0);
	write_file(path, &g);
	eg_free(&g);

	check(!wc_analysis_init(&an, 0), "analysis");
	set = wc_mapset_new(ids, 3);
	check(set && wc_mapset_replay(set, &an, path) == 0, "replay with three maps");
	m = wc_mapset_get(set, ids[0]);
	check(m && m->closed && m->w.doubles == 1 && m->w.retries == 1, "the double's walk closed");
	check(m->layer[WC_ML_DOUBLE].n == 1 && m->layer[WC_ML_DOUBLE].v[0].s == B + MB2 &&
	      m->layer[WC_ML_DOUBLE].v[0].e == B + 2 * MB2, "the double's range is the split pmd");
	check(m->layer[WC_ML_PTE].n == 1 && m->layer[WC_ML_PTE].v[0].e - m->layer[WC_ML_PTE].v[0].s == MB2,
	      "512 pte visits are one interval");
	check(m->layer[WC_ML_RETRY].n == 1 && m->layer[WC_ML_RETRY].v[0].s == B + 2 * MB2, "the retry");
	check(m->layer[WC_ML_SKIP].n == 1 && m->layer[WC_ML_VMA].n == 2, "the skip, two VMA ranges");
	check(m->nsplits == 1 && m->splits[0].attr == WC_SPLIT_OTHER && m->splits[0].tid == 200,
	      "the split by another task");
	check(m->nan == 2 && m->an_number[0] == 1 && m->an_number[1] == 2, "its anomalies, numbered");
	check(union_bytes(m, WC_ML_ENTRY, WC_ML_HOLE, WC_ML_SKIP) == m->w.bytes,
	      "drawn as handled: the walk's bytes");
	svg = render(m, &m->an[0]);
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"double\" data-start=\"0x7f0000200000\"") >= 1,
	      "the doubled pmd is drawn red");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"once\" data-start=\"0x7f0000000000\"") == 1,
	      "the huge pmd handled once is drawn green");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"skip\"") == 1, "the skipped VMA");
	check(occurrences(svg, "fill=\"#ff7f0e\"") >= 2, "the retry mark (and its legend key)");
	check(strstr(svg, "verdict: 1 double, 1 retry, raced a split by another task, complete") != NULL,
	      "the verdict line");
	free(svg);

	m = wc_mapset_get(set, ids[1]);
	check(m && m->closed && !m->w.doubles, "the clean walk closed");
	svg = render(m, NULL);
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"double\"") == 0, "clean: nothing drawn red");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"hole\"") == 1, "clean: the hole");
	check(strstr(svg, "verdict: complete: proven") != NULL, "clean: the verdict line");
	free(svg);

	m = wc_mapset_get(set, ids[2]);	/* the top of the address space: no overflow */
	check(m && m->closed && !m->w.doubles, "kernel walk closed");
	svg = render(m, NULL);
	check(occurrences(svg, "data-fill=\"once\" data-start=\"0xffffffff80000000\"") == 1,
	      "kernel walk: the huge pmd near the top");
	check(occurrences(svg, "data-start=\"0xffffffff80200000\" data-end=\"0xffffffffffe00000\"") == 1,
	      "kernel walk: the last hole, up to the last 2 MiB");
	check(occurrences(svg, "class=\"cell\"") < 10, "kernel walk: 128 TiB in a few cells");
	free(svg);
	wc_mapset_free(set);
	wc_analysis_free(&an);
}

/* One observation of walk ID for the map. */
static void observe(struct wc_mapset *set, uint64_t id, uint32_t type, uint32_t kind,
		    uint64_t s, uint64_t e)
{
	struct wc_observation o = { .type = type, .kind = kind, .walk_id = id,
				    .mm = 0xffff888000001000ULL, .start = s, .end = e };

	wc_mapset_observe(&o, set);
}

/* Gaps, silent-by-design, unsure and stopped ranges as the engine reports
 * them (observations, by hand): each its own fill, anomalies first, and
 * in the legend; the verdict line names gaps, a stop, an unsure walk. */
static void test_gaps(void)
{
	const uint64_t ids[2] = { 41, 42 };
	struct wc_mapset *set = wc_mapset_new(ids, 2);
	struct wc_analysis an;
	struct wc_walk w = { .id = 41, .start = B, .end = B + 8 * MB2, .gaps = 2,
			     .flags = WC_W_STOPPED };
	struct wc_map *m;
	char *svg;

	if (!set || wc_analysis_init(&an, 0))
		abort();
	observe(set, 41, WC_OBS_CHUNK, 0, B, B + 8 * MB2);
	observe(set, 41, WC_OBS_HANDLED, WC_K_PMD_ENTRY, B, B + MB2);		/* 0: once */
	observe(set, 41, WC_OBS_GAP, 0, B + MB2, B + 2 * MB2);			/* 1: gap */
	observe(set, 41, WC_OBS_SILENT, 0, B + 2 * MB2, B + 3 * MB2);		/* 2: silent */
	observe(set, 41, WC_OBS_UNSURE, 0, B + 3 * MB2, B + 4 * MB2);		/* 3: unsure */
	observe(set, 41, WC_OBS_HANDLED, WC_K_PTE_ENTRY, B + 4 * MB2, B + 4 * MB2 + MB2 / 2);
	observe(set, 41, WC_OBS_SILENT, 0, B + 4 * MB2 + MB2 / 2, B + 5 * MB2);	/* 4: once */
	observe(set, 41, WC_OBS_HANDLED, WC_K_PTE_ENTRY, B + 5 * MB2, B + 5 * MB2 + MB2 / 2);
	observe(set, 41, WC_OBS_GAP, 0, B + 5 * MB2 + MB2 / 2, B + 6 * MB2);	/* 5: gap */
	observe(set, 41, WC_OBS_HANDLED, WC_K_PTE_ENTRY, B + 6 * MB2, B + 6 * MB2 + 4096);
	observe(set, 41, WC_OBS_STOPPED, 0, B + 6 * MB2 + 4096, B + 8 * MB2);	/* 6: part, 7: stopped */
	w.bytes = MB2 + MB2 + 4096;
	wc_mapset_closed(&w, set);
	observe(set, 42, WC_OBS_UNSURE, 0, B, B + MB2);
	w = (struct wc_walk){ .id = 42, .start = B, .end = B + MB2,
			      .flags = WC_W_INCOMPLETE | WC_W_UNSURE };
	wc_mapset_closed(&w, set);
	wc_mapset_finish(set, &an, "synthetic");

	m = wc_mapset_get(set, 41);
	check(m->layer[WC_ML_GAP].n == 2 && m->layer[WC_ML_SILENT].n == 2 &&
	      m->layer[WC_ML_UNSURE].n == 1 && m->layer[WC_ML_STOPPED].n == 1,
	      "gaps: each observation in its layer");
	svg = render(m, NULL);
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"gap\"") == 2 &&
	      occurrences(svg, "data-fill=\"gap\" data-start=\"0x7f0000200000\"") == 1 &&
	      occurrences(svg, "data-fill=\"gap\" data-start=\"0x7f0000a00000\"") == 1,
	      "gaps: the never-handled pmd and the half-handled one are gaps");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"silent\" data-start=\"0x7f0000400000\"") == 1,
	      "gaps: the silent pmd");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"unsure\" data-start=\"0x7f0000600000\"") == 1,
	      "gaps: the unsure pmd");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"once\" data-start=\"0x7f0000800000\"") == 1,
	      "gaps: half handled, half silent by design: handled once");
	check(occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"stopped\"") == 1 &&
	      occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"part\" data-start=\"0x7f0000c00000\"") == 1,
	      "gaps: the pmd after the stop; the one it stopped in is partly handled");
	check(occurrences(svg, "class=\"cell\" data-level=\"pte\" data-fill=\"gap\" data-start=\"0x7f0000b00000\"") == 1,
	      "gaps: the pte strip shows the unhandled half");
	check(occurrences(svg, "class=\"key\" data-level=\"pmd\" data-fill=\"gap\"") == 1 &&
	      occurrences(svg, "fill=\"#8c564b\"") >= 3 && strstr(svg, ") 0: never handled (gap)</title>") &&
	      occurrences(svg, "class=\"key\" data-level=\"pmd\" data-fill=\"silent\"") == 1 &&
	      occurrences(svg, "class=\"key\" data-level=\"pmd\" data-fill=\"unsure\"") == 1 &&
	      occurrences(svg, "class=\"key\" data-level=\"pmd\" data-fill=\"stopped\"") == 1,
	      "gaps: gap, silent, unsure and stopped in the legend");
	check(strstr(svg, "verdict: 2 gaps, stopped early by a callback, complete</text>") != NULL,
	      "gaps: the verdict line");
	if (getenv("WC_MAP_GAPS_SVG")) {	/* tests/host/map.sh checks it in a browser */
		FILE *f = fopen(getenv("WC_MAP_GAPS_SVG"), "w");

		check(f && fputs(svg, f) >= 0 && !fclose(f), "gaps: SVG written for the browser");
	}
	free(svg);
	svg = render(wc_mapset_get(set, 42), NULL);
	check(strstr(svg, "verdict: unsure (a range no callback handled may be silent by design): not proven") &&
	      occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"unsure\"") == 1,
	      "gaps: an unsure walk");
	free(svg);
	wc_mapset_free(set);
	wc_analysis_free(&an);
}

/* Random walks with lost events: every walk maps; doubles drawn iff found. */
static void test_random(const char *path)
{
	uint64_t rng = 0x5eed, ids[64];
	int bad_bytes = 0, bad_double = 0, bad_gap = 0, walks = 0;

	for (int round = 0; round < 20; round++) {
		struct evgen g;
		struct eg_model mo = { 0 };
		struct eg_layout l;
		struct wc_analysis an;
		struct wc_mapset *set;
		size_t n = 0;

		eg_init(&g);
		mo.ops_kind = eg_rand(&rng) % EG_OPS_KINDS;
		mo.ops = 0xffffffff82000000ULL;
		mo.p_none = 0.2;
		mo.p_huge = 0.4;
		mo.p_again = 0.1;
		mo.p_own_retry = 0.1;
		mo.p_vanish = 0.2;
		eg_layout_random(&l, &rng, B, 64 * MB2, 1);
		for (int k = 0; k < 4; k++) {
			uint64_t before = g.n;

			eg_model_walk(&g, &rng, &mo, &l);
			if (g.n > before && n < 64)
				ids[n++] = g.ev[before].walk_id;
		}
		if (round % 2) {	/* the 2019 double now and then */
			eg_begin(&g, B, B + 2 * MB2);
			ids[n++] = eg_walk_id(&g);
			eg_pmd(&g, B, WC_ACT_SUBTREE, WC_CLS_HUGE, WC_F_HAS_LOWER);
			eg_ptes(&g, B, B + MB2);
			eg_end(&g, 0);
		}
		if (round >= 10)
			eg_drop(&g, &rng, 0.05);
		write_file(path, &g);
		eg_free(&g);
		if (wc_analysis_init(&an, 0) || !(set = wc_mapset_new(ids, n)))
			abort();
		wc_mapset_replay(set, &an, path);
		for (size_t i = 0; i < n; i++) {
			struct wc_map *m = wc_mapset_get(set, ids[i]);
			char *svg;

			if (!m->closed)
				continue;	/* its events were all dropped */
			walks++;
			if (!(m->w.flags & WC_W_INCOMPLETE) && !m->w.doubles && !m->other_mm &&
			    union_bytes(m, WC_ML_ENTRY, WC_ML_HOLE, WC_ML_SKIP) != m->w.bytes)
				bad_bytes++;
			svg = render(m, NULL);
			if (!!occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"double\"") != !!m->w.doubles)
				bad_double++;
			if (!!occurrences(svg, "class=\"cell\" data-level=\"pmd\" data-fill=\"gap\"") != !!m->w.gaps)
				bad_gap++;
			free(svg);
		}
		wc_mapset_free(set);
		wc_analysis_free(&an);
	}
	check(walks > 40, "random: %d walks mapped", walks);
	check(!bad_bytes, "random: complete walks draw exactly their bytes as handled (%d differ)",
	      bad_bytes);
	check(!bad_double, "random: a double drawn exactly in the walks with one (%d differ)",
	      bad_double);
	check(!bad_gap, "random: a gap drawn exactly in the walks with one (%d differ)", bad_gap);
}

int main(void)
{
	char path[] = "/tmp/walkcov-map-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	test_double(path);
	test_gaps();
	test_random(path);
	unlink(path);
	unlink(path);	/* the writer keeps an existing file as PATH.old */
	{
		char old[sizeof(path) + 4];

		snprintf(old, sizeof(old), "%s.old", path);
		unlink(old);
	}
	return failures ? 1 : 0;
}
