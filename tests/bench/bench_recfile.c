/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The record file on real events: reads FILE (any version this walkcov
 * reads, e.g. one `make bench` recorded in the VM), writes its events again
 * with the current writer, reads that back, and prints events/s of each on
 * one core and bytes per event of both files. Checks that every event read
 * back is byte-identical to the one written (exit 1 if not); asserts
 * nothing about time.
 *
 * usage: bench_recfile FILE [OUT]
 *   OUT: also convert FILE to the current format there, whole (header,
 *   symbols, LOST, trailer), e.g. to compare `walkcov report --json` of both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "grow.h"
#include "recfile.h"

#define ROUNDS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t counted;

static int count_event(struct wc_sink *s, const struct wc_event *ev)
{
	(void)s;
	(void)ev;
	counted++;
	return 0;
}

/* Best of ROUNDS replays of PATH through a sink that only counts. */
static double best_read(const char *path, uint64_t *events)
{
	struct wc_sink counter = { .event = count_event };
	double best = 0;

	for (int i = 0; i < ROUNDS; i++) {
		double t0 = now(), t;

		counted = 0;
		if (wc_replay(path, &counter) < 0)
			return -1;
		t = now() - t0;
		if (!best || t < best)
			best = t;
	}
	*events = counted;
	return best;
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_size;
}

int main(int argc, char **argv)
{
	char err[512], tmp[] = "/tmp/walkcov-bench-rec-XXXXXX";
	struct wc_event *ev = NULL;
	size_t n = 0, cap = 0;
	struct wc_reader *r;
	struct wc_record rec;
	struct wc_writer *w;
	double t_in, t_out, t_w = 0;
	uint64_t n_in, n_out;
	int fd, k, ret = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_recfile FILE [OUT]\n");
		return 2;
	}
	/* the events, in memory */
	r = wc_reader_open(argv[1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "bench_recfile: %s\n", err);
		return 1;
	}
	while ((k = wc_reader_next(r, &rec)) > 0) {
		if (rec.type != WC_REC_EVENT)
			continue;
		if (wc_grow(&ev, &cap, n + 1, sizeof(*ev), 65536)) {
			fprintf(stderr, "bench_recfile: out of memory\n");
			return 1;
		}
		memcpy(&ev[n++], rec.data, sizeof(*ev));
	}
	if (k < 0) {
		fprintf(stderr, "bench_recfile: %s: %s\n", argv[1], wc_reader_error(r));
		return 1;
	}
	wc_reader_close(r);

	t_in = best_read(argv[1], &n_in);
	fd = mkstemp(tmp);
	if (fd < 0) {
		perror("bench_recfile: mkstemp");
		return 1;
	}
	close(fd);
	for (int i = 0; i < ROUNDS; i++) {
		struct json_object *hdr = wc_hdr_new(argc, argv, "bench");
		struct wc_rec_end end = { 0 };
		double t0;

		unlink(tmp);
		t0 = now();
		w = wc_writer_open(tmp, hdr, err, sizeof(err));
		json_object_put(hdr);
		if (!w) {
			fprintf(stderr, "bench_recfile: %s\n", err);
			return 1;
		}
		for (size_t j = 0; j < n; j++)
			wc_writer_event(w, &ev[j]);
		if (wc_writer_close(w, &end, NULL, err, sizeof(err))) {
			fprintf(stderr, "bench_recfile: %s\n", err);
			return 1;
		}
		t0 = now() - t0;
		if (!t_w || t0 < t_w)
			t_w = t0;
	}
	t_out = best_read(tmp, &n_out);

	/* the same events, byte for byte */
	r = wc_reader_open(tmp, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "bench_recfile: %s\n", err);
		return 1;
	}
	n_out = 0;
	while ((k = wc_reader_next(r, &rec)) > 0)
		if (rec.type == WC_REC_EVENT &&
		    (n_out >= n || memcmp(rec.data, &ev[n_out++], sizeof(*ev)))) {
			fprintf(stderr, "bench_recfile: event %llu differs after rewriting\n",
				(unsigned long long)n_out);
			ret = 1;
			break;
		}
	if (k < 0 || n_out != n) {
		fprintf(stderr, "bench_recfile: read back %llu of %zu events%s%s\n",
			(unsigned long long)n_out, n, k < 0 ? ": " : "", k < 0 ? wc_reader_error(r) : "");
		ret = 1;
	}
	wc_reader_close(r);

	printf("bench_recfile: %s: %zu events, %.2f bytes per event, read %.1f M events/s\n",
	       argv[1], n, n ? (double)file_size(argv[1]) / n : 0.0,
	       t_in > 0 ? n_in / t_in / 1e6 : 0.0);
	printf("bench_recfile: rewritten (format version %d): %.2f bytes per event, write %.1f M events/s, "
	       "read %.1f M events/s, events identical: %s\n", WC_FILE_VERSION,
	       n ? (double)file_size(tmp) / n : 0.0, t_w > 0 ? n / t_w / 1e6 : 0.0,
	       t_out > 0 ? n / t_out / 1e6 : 0.0, ret ? "NO" : "yes");
	unlink(tmp);
	free(ev);

	if (argc == 3) {
		struct wc_file_sink fs;

		wc_file_sink_init(&fs, argv[2]);
		if (wc_replay(argv[1], &fs.sink) != 0) {
			fprintf(stderr, "bench_recfile: cannot convert %s to %s\n", argv[1], argv[2]);
			return 1;
		}
	}
	return ret;
}
