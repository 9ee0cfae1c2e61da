/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * walkcov script: one line per event, perf-script style, or one JSON object
 * per line (JSON Lines). The formatting functions serve both the replay of a
 * record file and the live tracer. docs/file-format.md shows the output.
 */
#ifndef WALKCOV_SCRIPT_H
#define WALKCOV_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "walkcov.h"
#include "sink.h"

struct wc_script;

/*
 * HDR (may be NULL) gives the slot names (plan) and the monotonic start that
 * times are relative to; nothing of it is kept. json: JSON Lines output.
 */
struct wc_script *wc_script_new(struct json_object *hdr, bool json);
void wc_script_free(struct wc_script *s);
/* Remember an ops symbol (no output). */
void wc_script_symbol(struct wc_script *s, uint64_t addr, const char *name);

/* Each returns 0, or -1 if writing to OUT failed (e.g. a closed pipe). */
int wc_script_print_event(FILE *out, struct wc_script *s, const struct wc_event *ev);
/* Text: a "# ..." comment line; JSON: {"record":"header"|"symbol"|"lost"|"end",...}. */
int wc_script_print_header(FILE *out, struct wc_script *s, struct json_object *hdr);
int wc_script_print_symbol(FILE *out, struct wc_script *s, uint64_t addr, const char *name);
int wc_script_print_lost(FILE *out, struct wc_script *s, const struct wc_rec_lost *l);
int wc_script_print_end(FILE *out, struct wc_script *s, const struct wc_rec_end *e,
			struct json_object *extra);

const char *wc_event_type_name(unsigned type);

/* Script as a sink (sink.h): the same output live or from a file. */
struct wc_script_sink {
	struct wc_sink sink;
	struct wc_script *s;	/* made at begin */
	FILE *out;
	bool json;
	bool out_failed;	/* writing OUT failed: the source was stopped */
	uint64_t limit;		/* events printed at most (0: all) */
	uint64_t events;	/* ... printed so far */
};

void wc_script_sink_init(struct wc_script_sink *c, FILE *out, bool json);
void wc_script_sink_free(struct wc_script_sink *c);

/*
 * The whole subcommand: replay PATH to OUT. Returns 0, 1 (truncated, warned
 * on stderr), -1 (error printed on stderr, or OUT failed: not printed, the
 * caller judges OUT with wc_output_status).
 */
int wc_script_replay(const char *path, bool json, FILE *out);
/* The same, printing at most LIMIT events (0: all): then reading stops and
 * one line on stderr says so ("walkcov: FILE: stopped after N events
 * (--limit)"); returns 0. */
int wc_script_replay_limit(const char *path, bool json, uint64_t limit, FILE *out);

#endif /* WALKCOV_SCRIPT_H */
