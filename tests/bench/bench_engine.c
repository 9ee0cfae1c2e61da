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
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include "coverage.h"
#include "recfile.h"
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

/* The floor: read every event once, as any consumer must. */
static volatile uint64_t sink;

static void touch(const struct evgen *g)
{
	uint64_t x = 0;

	for (size_t i = 0; i < g->n; i++)
		x += g->ev[i].start ^ g->ev[i].ts_ns;
	sink += x;
}

static uint64_t read_events;

static int count_event(struct wc_sink *s, const struct wc_event *ev)
{
	(void)s;
	(void)ev;
	read_events++;
	return 0;
}

/* Read a record file back: the reader alone (events counted). */
static double time_read(const char *path, uint64_t *events)
{
	struct wc_sink counter = { .event = count_event };
	double t0 = now();

	read_events = 0;
	*events = 0;
	if (wc_replay(path, &counter) != 0)
		return -1;
	*events = read_events;
	return now() - t0;
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
	double spent = 0, floor = 0, wspent = 0, rspent;
	char path[] = "/tmp/walkcov-bench-XXXXXX", err[256];
	struct json_object *hdr;
	struct wc_writer *w;
	uint64_t read_back;
	struct stat st;
	long long file_bytes = 0;
	int fd;

	if (argc > 3 || (argc > 1 && parse(argv[1], &want)) || (argc > 2 && parse(argv[2], &seed)) ||
	    !seed) {
		fprintf(stderr, "bench_engine: usage: bench_engine [EVENTS [SEED]] (SEED > 0)\n");
		return 2;
	}
	rng = seed;
	fd = mkstemp(path);
	if (fd < 0) {
		perror("bench_engine: mkstemp");
		return 1;
	}
	close(fd);
	unlink(path);	/* mkstemp reserved the name; the writer would keep its file as .old */
	hdr = wc_hdr_new(argc, argv, "bench");
	w = wc_writer_open(path, hdr, err, sizeof(err));
	json_object_put(hdr);
	if (!w) {
		fprintf(stderr, "bench_engine: %s\n", err);
		return 1;
	}
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
		touch(&g);
		floor += now() - t0;
		t0 = now();
		eg_feed(e, &g);
		spent += now() - t0;
		t0 = now();
		for (size_t i = 0; i < g.n; i++)
			wc_writer_event(w, &g.ev[i]);
		wspent += now() - t0;
		fed += g.n;
	}
	{
		double t0 = now();

		wc_engine_flush(e);
		spent += now() - t0;
	}
	{
		double t0 = now();
		struct wc_rec_end end = { 0 };

		if (wc_writer_close(w, &end, NULL, err, sizeof(err))) {
			fprintf(stderr, "bench_engine: %s\n", err);
			return 1;
		}
		wspent += now() - t0;
	}
	rspent = time_read(path, &read_back);
	if (stat(path, &st) == 0)
		file_bytes = st.st_size;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_engine: %llu events, %llu walks (%llu complete, %llu incomplete), %llu anomalies\n",
	       (unsigned long long)fed, (unsigned long long)n.walks,
	       (unsigned long long)wc_engine_stats(e)->walks_complete,
	       (unsigned long long)wc_engine_stats(e)->walks_incomplete,
	       (unsigned long long)n.anomalies);
	printf("bench_engine: anomalies: %llu double, %llu retry, %llu out-of-order, %llu livelock\n",
	       (unsigned long long)n.by_type[WC_AN_DOUBLE], (unsigned long long)n.by_type[WC_AN_RETRY],
	       (unsigned long long)n.by_type[WC_AN_OUT_OF_ORDER],
	       (unsigned long long)n.by_type[WC_AN_LIVELOCK]);
	printf("bench_engine: %.1f M events/s (%.3f s in the engine)\n",
	       spent > 0 ? fed / spent / 1e6 : 0.0, spent);
	printf("bench_engine: peak RSS %ld KiB (generator buffers included), at most %llu walks open\n",
	       ru.ru_maxrss, (unsigned long long)wc_engine_stats(e)->walks_open_max);
	/* side by side, same events, same run */
	printf("bench_engine: record file: write %.1f M events/s, read %.1f M events/s (%llu read back), "
	       "%.2f bytes per event\n",
	       wspent > 0 ? fed / wspent / 1e6 : 0.0, rspent > 0 ? read_back / rspent / 1e6 : 0.0,
	       (unsigned long long)read_back, fed ? (double)file_bytes / fed : 0.0);
	printf("bench_engine: ratio engine / one pass over the events: %.1fx\n",
	       floor > 0 ? spent / floor : 0.0);
	printf("bench_engine: ratio engine / record-file write: %.2fx, engine / record-file read: %.2fx\n",
	       wspent > 0 ? spent / wspent : 0.0, rspent > 0 ? spent / rspent : 0.0);
	unlink(path);
	for (int i = 0; i < NTASK; i++)
		eg_free(&t[i]);
	eg_free(&g);
	wc_engine_free(e);
	return 0;
}
