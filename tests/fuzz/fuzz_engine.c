// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: any bytes as a stream of struct wc_event (the ring
 * buffer's records, unchecked) through the coverage engine and into the
 * report, with a low livelock threshold and idle timeout so that those
 * paths run too. Only the engine's public API: wc_engine_new/feed/flush.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coverage.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct wc_report *r = wc_report_new();
	struct wc_engine_opts o = {
		.livelock_retries = 3,
		.split_history = 8,
		.on_walk = wc_report_on_walk,
		.on_anomaly = wc_report_on_anomaly,
		.idle_ns = size & 1 ? 1000 : UINT64_MAX,
	};
	struct wc_engine *e;
	struct wc_event ev;

	if (!r)
		abort();
	o.ctx = r;
	e = wc_engine_new(&o);
	if (!e)
		abort();
	for (size_t off = 0; off + sizeof(ev) <= size; off += sizeof(ev)) {
		memcpy(&ev, data + off, sizeof(ev));
		wc_engine_feed(e, &ev);
	}
	wc_engine_flush(e);
	wc_meta_from_engine(wc_report_meta(r), wc_engine_stats(e));
	wc_engine_free(e);
	wc_report_free(r);
	return 0;
}
