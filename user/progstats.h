/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's run-time statistics of the tracer's BPF programs
 * (--prog-stats): how many runs, how long they took. */
#ifndef WALKCOV_PROGSTATS_H
#define WALKCOV_PROGSTATS_H

#include <stdint.h>
#include <stdio.h>

struct wc_prog_stat {
	char label[144];	/* "fexit smaps_pte_range", "kmulti_entry" */
	uint64_t runs;
	uint64_t run_ns;
};

/* Print STATS (N of them) sorted by total run time, largest first, with
 * a total line, as comment lines a script can read:
 *   #     RUNS   NS/RUN  TOTAL_MS  PROGRAM
 *   #   123456   3500.0     432.1  fexit smaps_pte_range
 *   #  1234567   3500.0    4321.0  total
 * Sorts STATS in place. */
void wc_prog_stats_print(FILE *out, struct wc_prog_stat *stats, int n);

#endif
