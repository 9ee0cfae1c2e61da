// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov count: walks and VMA chunks per ops struct; the quick look, and the
 * smallest proof that the tracer attaches and sees walks. */
#include <argp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "cli.h"
#include "commands.h"
#include "session.h"

struct ops_count {
	uint64_t ops;
	char name[64];
	uint64_t walks, chunks;
	UT_hash_handle hh;
};

static struct {
	struct wc_session_opts s;
	struct wc_sink sink;
	struct ops_count *ops;	/* by ops id */
	bool nomem;
	struct wc_rec_end end;	/* the trailer: what was lost */
	struct wc_filter filter;	/* from the header: printed under the table */
} env;

static const struct argp_option options[] = {
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	return wc_session_parent_parse(&env.s, key, state);
}

static struct ops_count *find_ops(uint64_t ops)
{
	struct ops_count *c;

	HASH_FIND(hh, env.ops, &ops, sizeof(ops), c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c) {
		env.nomem = true;
		return NULL;
	}
	c->ops = ops;
	snprintf(c->name, sizeof(c->name), "0x%" PRIx64, ops);
	HASH_ADD(hh, env.ops, ops, sizeof(c->ops), c);
	return c;
}

static int on_event(struct wc_sink *sink, const struct wc_event *e)
{
	struct ops_count *c;

	(void)sink;
	if (e->type != WC_EV_WALK_BEGIN && e->type != WC_EV_CHUNK_BEGIN)
		return 0;
	if (e->flags & WC_F_NESTED)
		return 0;	/* an entry point inside the same walk */
	c = find_ops(e->ops);
	if (!c)
		return -1;
	if (e->type == WC_EV_WALK_BEGIN)
		c->walks++;
	else
		c->chunks++;
	return 0;
}

static int on_symbol(struct wc_sink *sink, uint64_t addr, const char *name)
{
	struct ops_count *c = find_ops(addr);

	(void)sink;
	if (!c)
		return -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return 0;
}

static int on_begin(struct wc_sink *sink, struct json_object *hdr)
{
	(void)sink;
	wc_filter_from_json(&env.filter, json_object_object_get(hdr, "filters"));
	return 0;
}

static int on_end(struct wc_sink *sink, const struct wc_rec_end *e, struct json_object *extra)
{
	(void)sink;
	(void)extra;
	if (e)
		env.end = *e;
	return 0;
}

static int by_walks(struct ops_count *x, struct ops_count *y)
{
	return x->walks != y->walks ? (x->walks < y->walks ? 1 : -1) : strcmp(x->name, y->name);
}

int cmd_count(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &wc_session_argp, 0, "Tracing:", 0 },
		{},
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Count page walks per mm_walk_ops struct, system wide, for a process "
		       "(-p) or while CMD runs. Ctrl-C or --duration ends it.",
		.children = children,
	};
	struct wc_session_result res;
	struct ops_count *c, *tmp;
	uint64_t walks = 0, chunks = 0;

	env.sink = (struct wc_sink){ .begin = on_begin, .event = on_event, .symbol = on_symbol,
				     .end = on_end };
	env.s.role_mask = 1u << WC_R_WALK | 1u << WC_R_CHUNK;
	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &env.s))
		return WC_EXIT_FAIL;
	env.s.argc = argc;
	env.s.argv = argv;
	if (wc_session_run(&env.s, &env.sink, &res) || env.nomem) {
		if (env.nomem)
			wc_err("out of memory");
		return WC_EXIT_FAIL;
	}

	HASH_SORT(env.ops, by_walks);
	printf("%-32s %10s %10s\n", "OPS", "WALKS", "CHUNKS");
	HASH_ITER(hh, env.ops, c, tmp) {
		printf("%-32s %10" PRIu64 " %10" PRIu64 "\n", c->name, c->walks, c->chunks);
		walks += c->walks;
		chunks += c->chunks;
		HASH_DEL(env.ops, c);
		free(c);
	}
	printf("%-32s %10" PRIu64 " %10" PRIu64 "\n", "total", walks, chunks);
	printf("# lost: %" PRIu64 " ring buffer drops, %" PRIu64 " skipped by the kernel (recursion)\n",
	       env.end.ringbuf_drops, env.end.recursion_misses);
	if (wc_filter_any(&env.filter)) {
		char buf[700];

		wc_filter_describe(&env.filter, buf, sizeof(buf));
		printf("# filters: %s\n", buf);
	}
	return WC_EXIT_OK;
}
