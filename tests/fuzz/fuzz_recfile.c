// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: any bytes as a record file, replayed through the two
 * consumers of a file (the analysis: engine + report, text and JSON; and
 * script, text and JSON Lines). Output goes to /dev/null; the reader's
 * one-line errors too. Finds crashes, leaks, UB and runaway memory
 * (-rss_limit_mb) in recfile.c, report.c, script.c and the engine.
 * Run it with -close_fd_mask=2 to mute the reader's "walkcov: ..." lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "analysis.h"
#include "kaddr.h"
#include "recfile.h"
#include "script.h"

static FILE *null_out;
static char path[64];
static int mfd = -1;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void setup(void)
{
	null_out = fopen("/dev/null", "w");
	mfd = memfd_create("fuzz-recfile", 0);
	if (!null_out || mfd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct wc_analysis an;
	struct wc_script_sink sc;
	struct json_object *doc;

	if (!null_out)
		setup();
	if (ftruncate(mfd, 0) || pwrite(mfd, data, size, 0) != (ssize_t)size)
		abort();
	/* both address modes: raw and hashed ids */
	wc_kaddr_set_raw(size & 1);

	if (wc_analysis_init(&an, 3))
		abort();
	wc_analysis_file(&an, path);
	wc_report_print(an.report, null_out);
	doc = wc_report_json(an.report);
	fputs(json_object_to_json_string(doc), null_out);
	json_object_put(doc);
	wc_analysis_free(&an);

	wc_script_sink_init(&sc, null_out, size & 2);
	wc_replay(path, &sc.sink);
	wc_script_sink_free(&sc);
	return 0;
}
