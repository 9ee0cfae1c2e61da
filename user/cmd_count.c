// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov count: walks and VMA chunks per ops struct; the quick look, and the
 * smallest proof that the tracer attaches and sees walks. */
#include <argp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "commands.h"
#include "session.h"

#define MAX_OPS 256

struct ops_count {
	uint64_t ops;
	char name[64];
	uint64_t walks, chunks;
};

static struct {
	struct wc_session_opts s;
	struct wc_sink sink;
	struct ops_count ops[MAX_OPS];
	int n;
	uint64_t other;		/* events for ops beyond MAX_OPS */
	struct wc_rec_end end;	/* the trailer: what was lost */
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
	for (int i = 0; i < env.n; i++)
		if (env.ops[i].ops == ops)
			return &env.ops[i];
	if (env.n == MAX_OPS)
		return NULL;
	env.ops[env.n].ops = ops;
	snprintf(env.ops[env.n].name, sizeof(env.ops[0].name), "0x%" PRIx64, ops);
	return &env.ops[env.n++];
}

static int on_event(struct wc_sink *sink, const struct wc_event *e)
{
	struct ops_count *c;

	(void)sink;
	if (e->type != WC_EV_WALK_BEGIN && e->type != WC_EV_CHUNK_BEGIN)
		return 0;
	c = find_ops(e->ops);
	if (!c) {
		env.other++;
		return 0;
	}
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
	if (c)
		snprintf(c->name, sizeof(c->name), "%s", name);
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

static int by_walks(const void *a, const void *b)
{
	const struct ops_count *x = a, *y = b;

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
	uint64_t walks = 0, chunks = 0;

	env.sink = (struct wc_sink){ .event = on_event, .symbol = on_symbol, .end = on_end };
	env.s.role_mask = 1u << WC_R_WALK | 1u << WC_R_CHUNK;
	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &env.s))
		return WC_EXIT_FAIL;
	env.s.argc = argc;
	env.s.argv = argv;
	if (wc_session_run(&env.s, &env.sink, &res))
		return WC_EXIT_FAIL;

	qsort(env.ops, env.n, sizeof(env.ops[0]), by_walks);
	printf("%-32s %10s %10s\n", "OPS", "WALKS", "CHUNKS");
	for (int i = 0; i < env.n; i++) {
		printf("%-32s %10" PRIu64 " %10" PRIu64 "\n", env.ops[i].name,
		       env.ops[i].walks, env.ops[i].chunks);
		walks += env.ops[i].walks;
		chunks += env.ops[i].chunks;
	}
	printf("%-32s %10" PRIu64 " %10" PRIu64 "\n", "total", walks, chunks);
	printf("# lost: %" PRIu64 " ring buffer drops, %" PRIu64 " skipped by the kernel (recursion)%s\n",
	       env.end.ringbuf_drops, env.end.recursion_misses,
	       env.other ? ", some ops not shown" : "");
	return WC_EXIT_OK;
}
