/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Replays a large generated event stream (the walk model of
 * tests/unit/evgen.c: 4 interleaved tasks, 1% of events lost, split noise)
 * through the coverage engine and prints events/s and peak memory.
 * Measures only; asserts nothing about time.
 *
 * usage: bench_engine [EVENTS [SEED]]   (default 20000000 events, seed 1)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "coverage.h"
#include "evgen.h"

#define NTASK 4

struct counts {
	uint64_t walks, anomalies, by_type[WC_AN_LIVELOCK + 1];
};

static void on_walk(const struct wc_walk *w, void *ctx)
{
	(void)w;
	((struct counts *)ctx)->walks++;
}

static void on_anomaly(const struct wc_anomaly *a, void *ctx)
{
	struct counts *n = ctx;

	n->anomalies++;
	if (a->type <= WC_AN_LIVELOCK)
		n->by_type[a->type]++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || end == s || *s == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct counts n = { 0 };
	struct wc_engine_opts o = { .on_walk = on_walk, .on_anomaly = on_anomaly, .ctx = &n };
	uint64_t want = 20000000, seed = 1, fed = 0, rng;
	struct evgen t[NTASK], g;
	struct eg_model m[NTASK];
	struct eg_layout l[NTASK];
	struct wc_engine *e;
	struct rusage ru;
	double spent = 0;

	if (argc > 3 || (argc > 1 && parse(argv[1], &want)) || (argc > 2 && parse(argv[2], &seed)) ||
	    !seed) {
		fprintf(stderr, "bench_engine: usage: bench_engine [EVENTS [SEED]] (SEED > 0)\n");
		return 2;
	}
	rng = seed;
	e = wc_engine_new(&o);
	if (!e) {
		fprintf(stderr, "bench_engine: out of memory\n");
		return 1;
	}
	for (int i = 0; i < NTASK; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].ops_kind = i % EG_OPS_KINDS;
		m[i].ops = 0xffffffff82000000ULL + i * 0x40;
		m[i].nested = i & 1;
		m[i].p_none = 0.2;
		m[i].p_huge = 0.3;
		m[i].p_again = 0.02;
		m[i].p_own_retry = 0.02;
		m[i].p_vanish = 0.05;
		eg_layout_random(&l[i], &rng, 0x7f0000000000ULL + i * EG_PUD, 64 * EG_PMD, 1);
		eg_init(&t[i]);
		t[i].tmpl.tid = t[i].tmpl.pid = 1000 + i;
	}
	eg_init(&g);
	while (fed < want) {
		double t0;

		g.n = 0;
		for (int i = 0; i < NTASK; i++) {
			t[i].n = 0;
			eg_model_walk(&t[i], &rng, &m[i], &l[i]);
			eg_split(&t[i], t[i].tmpl.tid, l[i].start, 1);
			eg_drop(&t[i], &rng, 0.01);
		}
		eg_interleave(&g, t, NTASK, &rng);
		t0 = now();
		eg_feed(e, &g);
		spent += now() - t0;
		fed += g.n;
	}
	{
		double t0 = now();

		wc_engine_flush(e);
		spent += now() - t0;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_engine: %llu events, %llu walks, %llu anomalies, %llu inferred boundaries\n",
	       (unsigned long long)fed, (unsigned long long)n.walks,
	       (unsigned long long)n.anomalies,
	       (unsigned long long)wc_engine_stats(e)->inferred_boundaries);
	printf("bench_engine: anomalies: %llu double, %llu retry, %llu out-of-order, %llu livelock\n",
	       (unsigned long long)n.by_type[WC_AN_DOUBLE], (unsigned long long)n.by_type[WC_AN_RETRY],
	       (unsigned long long)n.by_type[WC_AN_OUT_OF_ORDER],
	       (unsigned long long)n.by_type[WC_AN_LIVELOCK]);
	printf("bench_engine: %.1f M events/s (%.3f s in the engine)\n",
	       spent > 0 ? fed / spent / 1e6 : 0.0, spent);
	printf("bench_engine: peak RSS %ld KiB (generator buffers included), at most %llu walks open\n",
	       ru.ru_maxrss, (unsigned long long)wc_engine_stats(e)->walks_open_max);
	for (int i = 0; i < NTASK; i++)
		eg_free(&t[i]);
	eg_free(&g);
	wc_engine_free(e);
	return 0;
}
