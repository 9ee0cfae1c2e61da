// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* --prog-stats' table (progstats.h): by total run time, programs that
 * never ran left out, the total over all of them. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "progstats.h"

int main(void)
{
	struct wc_prog_stat st[] = {
		{ "fentry walk_page_vma", 100, 200000 },
		{ "fexit smaps_pte_range", 50, 900000 },
		{ "follow_fork", 0, 0 },
		{ "kmulti_exit", 3, 3000 },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	wc_prog_stats_print(f, st, 4);
	fclose(f);
	check(!strcmp(buf,
		"# BPF programs, kernel run-time statistics (BPF_ENABLE_STATS) while tracing\n"
		"#         RUNS   NS/RUN  TOTAL_MS  PROGRAM\n"
		"#           50  18000.0       0.9  fexit smaps_pte_range\n"
		"#          100   2000.0       0.2  fentry walk_page_vma\n"
		"#            3   1000.0       0.0  kmulti_exit\n"
		"#          153   7209.2       1.1  total\n"),
	      "the table, sorted by run time, the idle program left out:\n%s", buf);
	free(buf);
	f = open_memstream(&buf, &len);
	wc_prog_stats_print(f, st, 0);
	fclose(f);
	check(strstr(buf, "#            0      0.0       0.0  total\n") != NULL,
	      "no program: a total of 0, no division by 0");
	free(buf);
	return failures ? 1 : 0;
}
