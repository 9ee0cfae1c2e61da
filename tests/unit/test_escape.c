// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Nothing read from a record file reaches a terminal raw (issue 20). For
 * every byte a terminal acts on (1..31, 127) and a few beyond ASCII, a file
 * is written whose every printed string holds it (header: kernel, machine,
 * hostname, start_time, mechanism, command, cmdline, filters, a plan name;
 * a SYMBOL name; an END prog_misses key); report (text and JSON) and script
 * (text and JSON Lines) of it must hold no such raw byte, as many lines as
 * the same file with a plain letter, and the byte as \xNN. Also
 * wc_escape itself: every byte, the backslash, and cutting at a whole
 * escape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis.h"
#include "check.h"
#include "fmt.h"
#include "jsonin.h"
#include "recfile.h"
#include "script.h"

static char dir[] = "/tmp/wc-escape-XXXXXX";

/* "pre" + the byte c + "post" as a C string (c may not be NUL) */
static const char *with(const char *pre, int c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%c\n# forged", pre, c);
	return buf;
}

static void write_file(const char *path, int c)
{
	char b[12][64], err[256], xj[256];
	char *cmd[] = { b[0], b[1], NULL };
	char *argv[] = { b[2], NULL };
	struct json_object *h, *f;
	struct wc_writer *w;
	struct wc_event ev = { 0 };
	struct wc_rec_end end = { 0 };

	with("cmd", c, b[0], sizeof(b[0]));
	with("arg", c, b[1], sizeof(b[1]));
	with("walkcov", c, b[2], sizeof(b[2]));
	h = wc_hdr_new(1, argv, with("fentry", c, b[3], sizeof(b[3])));
	wc_hdr_set_command(h, 2, cmd);
	json_object_object_add(h, "kernel", json_object_new_string(with("6.1", c, b[4], 64)));
	json_object_object_add(h, "machine", json_object_new_string(with("x86", c, b[5], 64)));
	json_object_object_add(h, "hostname", json_object_new_string(with("host", c, b[6], 64)));
	json_object_object_add(h, "start_time", json_object_new_string(with("2025", c, b[7], 64)));
	f = json_object_new_object();
	json_object_object_add(f, "comm", json_object_new_string(with("c", c, b[8], 64)));
	json_object_object_add(f, "cgroup", json_object_new_string(with("/g", c, b[9], 64)));
	json_object_object_add(f, "ops", json_object_new_string(with("o", c, b[10], 64)));
	json_object_object_add(h, "filters", f);
	wc_hdr_add_slot(h, 0, with("walk_page_range", c, b[11], 64), NULL, 1, "walk", 0, "fentry");
	w = wc_writer_open(path, h, err, sizeof(err));
	json_object_put(h);
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	wc_writer_symbol(w, 0xffffffff82000000ull, with("ops", c, b[0], sizeof(b[0])));
	ev.type = WC_EV_WALK_BEGIN;
	ev.walk_id = 1;
	ev.tid = ev.pid = 10;
	ev.ops = 0xffffffff82000000ull;
	ev.start = 0x400000;
	ev.end = 0x600000;
	ev.ts_ns = 1000;
	wc_writer_event(w, &ev);
	ev.type = WC_EV_WALK_END;
	ev.seq = 1;
	ev.ts_ns = 2000;
	wc_writer_event(w, &ev);
	/* the key escaped for JSON, as the session writes it */
	snprintf(xj, sizeof(xj), "{\"prog_misses\":{\"walk_page_range\\u%04x\\n# forged\":3}}", c);
	end.recursion_misses = 3;
	if (wc_writer_close(w, &end, xj, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

/* The four outputs of PATH into one buffer; its line count in *lines. */
static char *outputs(const char *path, size_t *len, int *lines)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	struct wc_analysis an;

	for (int json = 0; json < 2; json++) {
		struct json_object *doc;

		wc_script_replay(path, json, out);
		if (wc_analysis_init(&an, 0) || wc_analysis_file(&an, path) < 0) {
			fprintf(stderr, "%s: cannot be read\n", path);
			exit(1);
		}
		if (json) {
			doc = wc_report_json(an.report);
			fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
			json_object_put(doc);
		} else {
			wc_report_print(an.report, out);
		}
		wc_analysis_free(&an);
	}
	fclose(out);
	*lines = 0;
	for (size_t i = 0; i < *len; i++)
		*lines += buf[i] == '\n';
	return buf;
}

static void file_check(int c, int want_lines)
{
	char path[64], esc[8];
	size_t len, raw = 0;
	int lines;
	char *out;

	snprintf(path, sizeof(path), "%s/c%02x.wc", dir, c);
	write_file(path, c);
	out = outputs(path, &len, &lines);
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)out[i];

		raw += (b < 0x20 && b != '\n') || b >= 0x7f;
	}
	snprintf(esc, sizeof(esc), "\\x%02x", c);
	check(raw == 0, "byte 0x%02x: no raw byte a terminal acts on (%zu)", c, raw);
	check(lines == want_lines, "byte 0x%02x: %d lines, as with a plain letter (%d)", c, lines,
	      want_lines);
	check(c == 'x' || strstr(out, esc) != NULL, "byte 0x%02x: shown as %s", c, esc);
	free(out);
	unlink(path);
}

static void escape_check(void)
{
	char b[16];
	size_t n;

	n = wc_escape(b, sizeof(b), "a\x1b[2J\\b", 7);
	check(n == 11 && !strcmp(b, "a\\x1b[2J\\\\b"), "escape: ESC and backslash ('%s')", b);
	n = wc_escape(b, 6, "ab\x07zz", 5);
	check(n == 8 && !strcmp(b, "ab"), "escape: cut at a whole escape ('%s', needs %zu)", b, n);
	n = wc_escape(b, sizeof(b), "a\0b", 3);
	check(n == 6 && !strcmp(b, "a\\x00b"), "escape: a NUL inside the length ('%s')", b);
	n = wc_escape(NULL, 0, "\xff", 1);
	check(n == 4, "escape: the length without a buffer");
	for (int c = 0; c < 256; c++) {
		char s[1] = { (char)c };

		n = wc_escape(b, sizeof(b), s, 1);
		if ((c < 0x20 || c >= 0x7f) && (n != 4 || b[0] != '\\' || b[1] != 'x'))
			break;
		if (c == 255)
			check(1, "escape: every byte outside printable ASCII as \\xNN");
	}
	check(!wc_needs_escape("walk_page_range", 15) && wc_needs_escape("a\\", 2),
	      "escape: needs_escape");
}

/* wc_json_read: nulls, numbers and nested keys kept, strings and keys escaped */
static void json_check(void)
{
	static const char in[] = "{\"a\":null,\"b\\u001b\":[1,true,\"x\\u0007\",null],"
				 "\"c\":{\"d\\u0001\":null,\"e\":{\"f\\n\":2.5}}}  \n";
	char err[128] = "";
	struct json_object *o = wc_json_read(in, sizeof(in) - 1, 4096, err, sizeof(err));
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : err;

	check(o && !strcmp(s, "{\"a\":null,\"b\\\\x1b\":[1,true,\"x\\\\x07\",null],"
			   "\"c\":{\"d\\\\x01\":null,\"e\":{\"f\\\\x0a\":2.5}}}"),
	      "json: escaped, nulls kept (%s)", s);
	json_object_put(o);
	o = wc_json_read("{} x", 4, 4096, err, sizeof(err));
	check(!o && !strcmp(err, "data after the JSON object at byte 3"), "json: garbage after (%s)", err);
	o = wc_json_read("[1]", 3, 4096, err, sizeof(err));
	check(!o && !strcmp(err, "JSON is not an object"), "json: not an object (%s)", err);
	o = wc_json_read("{\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}", 42, 4096, err, sizeof(err));
	check(!o && strstr(err, "nesting too deep"), "json: too deep (%s)", err);
	o = wc_json_read("{\"a\":\"xx\"}", 10, 9, err, sizeof(err));
	check(!o && !strcmp(err, "10 bytes of JSON, at most 9"), "json: too long (%s)", err);
}

int main(void)
{
	size_t len;
	int plain;
	char path[64], *out;

	if (!mkdtemp(dir))
		return 1;
	escape_check();
	json_check();
	snprintf(path, sizeof(path), "%s/plain.wc", dir);
	write_file(path, 'x');
	out = outputs(path, &len, &plain);
	free(out);
	unlink(path);
	for (int c = 1; c < 0x20; c++)
		file_check(c, plain);
	file_check(0x7f, plain);
	file_check(0x80, plain);
	file_check(0x9b, plain);	/* CSI in 8-bit terminals */
	file_check(0xff, plain);
	rmdir(dir);
	return failures ? 1 : 0;
}
