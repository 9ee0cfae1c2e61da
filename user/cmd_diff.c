// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov diff A B: what changed between two runs (diff.h), each a record
 * file or the JSON document of report/trace/check --json. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "diff.h"
#include "fmt.h"
#include "profile.h"
#include "recfile.h"

#define MAX_JSON_BYTES (64u << 20)	/* a report of 10000 anomalies with stacks is ~20 MB */
#define MAX_JSON_DEPTH 16

static struct {
	const char *in[2];
	int nin;
	bool json;
	uint32_t livelock;
} env;

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON document instead of text", 0 },
	{ "livelock", 'l', "N", 0, "For record files: retries of one range that count as a livelock (default 1000)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		env.json = true;
		return 0;
	case 'l':
		env.livelock = wc_cli_livelock(arg, state);
		return 0;
	case ARGP_KEY_ARG:
		if (env.nin == 2)
			argp_error(state, "unexpected argument '%s' (diff takes two files)", arg);
		env.in[env.nin++] = arg;
		return 0;
	case ARGP_KEY_END:
		if (env.nin != 2)
			argp_error(state, "diff takes two files, A and B");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* A record file, through the report: its JSON document, or NULL (said). */
static struct json_object *record_json(const char *path)
{
	struct wc_analysis an;
	struct json_object *doc = NULL;

	if (wc_analysis_init(&an, env.livelock)) {
		wc_err("out of memory");
		return NULL;
	}
	if (wc_analysis_file(&an, path) >= 0)
		doc = wc_report_json(an.report);
	wc_analysis_free(&an);
	return doc;
}

/* PATH's bytes (a regular file, at most MAX_JSON_BYTES), or NULL with ERR. */
static char *read_regular(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	if (st.st_size > MAX_JSON_BYTES) {
		snprintf(err, errlen, "larger than %u MiB", MAX_JSON_BYTES >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (!buf)
		snprintf(err, errlen, "out of memory");
	else
		buf[got] = '\0';
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* One run, A or B, into P: 0, or -1 after one line. */
static int load(const char *path, struct wc_profile *p)
{
	struct json_object *doc = NULL;
	char err[256] = "", *text;
	size_t len = 0;

	text = read_regular(path, &len, err, sizeof(err));
	if (!text) {
		wc_err("diff: %s: %s", path, err);
		return -1;
	}
	if (len >= WC_FILE_MAGIC_LEN && !memcmp(text, WC_FILE_MAGIC, WC_FILE_MAGIC_LEN)) {
		free(text);
		doc = record_json(path);
		if (!doc)
			return -1;	/* the reader said why */
	} else {
		struct json_tokener *tok = json_tokener_new_ex(MAX_JSON_DEPTH);

		if (tok) {
			doc = json_tokener_parse_ex(tok, text, (int)len);
			if (!doc || json_tokener_get_parse_end(tok) < len) {
				size_t end = json_tokener_get_parse_end(tok);

				while (doc && end < len && strchr(" \t\r\n", text[end]))
					end++;
				if (!doc || end < len) {
					json_object_put(doc);
					doc = NULL;
				}
			}
			json_tokener_free(tok);
		}
		free(text);
		if (!doc) {
			wc_err("diff: %s: neither a record file nor a walkcov JSON report", path);
			return -1;
		}
	}
	if (wc_profile_from_json(p, doc, err, sizeof(err))) {
		wc_err("diff: %s: %s", path, err);
		json_object_put(doc);
		return -1;
	}
	json_object_put(doc);
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "A B",
		.doc = "Compare two runs, each a record file or the output of report, trace or "
		       "check --json: per ops struct, entry point and callback, walks, bytes, "
		       "visits per level, holes, descents, retries and anomalies, with deltas and "
		       "ratios, sorted by the largest change of the normalised value.\v"
		       "Exit status: 0 no regression, 1 B has an anomaly type A had none of or "
		       "does not reach an ops struct A reached, 2 bad input.",
	};
	struct wc_profile a = {}, b = {};
	char an[512], bn[512];
	struct wc_diff d;
	int ret = WC_EXIT_FAIL;

	if (wc_cli_parse(&argp, argc, argv, 0, NULL))
		return WC_EXIT_FAIL;
	if (load(env.in[0], &a) || load(env.in[1], &b))
		goto out;
	/* the names as the output shows them: no raw control byte */
	wc_escape(an, sizeof(an), env.in[0], strlen(env.in[0]));
	wc_escape(bn, sizeof(bn), env.in[1], strlen(env.in[1]));
	if (wc_diff_compute(&d, &a, &b)) {
		wc_err("out of memory");
		wc_diff_free(&d);
		goto out;
	}
	if (env.json) {
		struct json_object *o = wc_diff_json(&d, an, &a, bn, &b);

		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		wc_diff_print(&d, stdout, an, &a, bn, &b);
	}
	ret = wc_output_status(stdout, wc_diff_status(&d));
	wc_diff_free(&d);
out:
	wc_profile_free(&a);
	wc_profile_free(&b);
	return ret;
}
