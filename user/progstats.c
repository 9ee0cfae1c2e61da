// SPDX-License-Identifier: GPL-2.0
/* --prog-stats: the tracer's programs by run time (progstats.h). */
#include <stdlib.h>

#include "progstats.h"

static int by_time(const void *a, const void *b)
{
	const struct wc_prog_stat *x = a, *y = b;

	if (x->run_ns != y->run_ns)
		return x->run_ns < y->run_ns ? 1 : -1;
	return x->runs < y->runs ? 1 : x->runs > y->runs ? -1 : 0;
}

static void line(FILE *out, uint64_t runs, uint64_t ns, const char *label)
{
	fprintf(out, "# %12llu %8.1f %9.1f  %s\n", (unsigned long long)runs,
		runs ? (double)ns / (double)runs : 0.0, (double)ns / 1e6, label);
}

void wc_prog_stats_print(FILE *out, struct wc_prog_stat *stats, int n)
{
	uint64_t runs = 0, ns = 0;

	qsort(stats, (size_t)n, sizeof(*stats), by_time);
	fprintf(out, "# BPF programs, kernel run-time statistics (BPF_ENABLE_STATS) while tracing\n");
	fprintf(out, "# %12s %8s %9s  %s\n", "RUNS", "NS/RUN", "TOTAL_MS", "PROGRAM");
	for (int i = 0; i < n; i++) {
		if (!stats[i].runs)
			continue;
		line(out, stats[i].runs, stats[i].run_ns, stats[i].label);
		runs += stats[i].runs;
		ns += stats[i].run_ns;
	}
	line(out, runs, ns, "total");
}
