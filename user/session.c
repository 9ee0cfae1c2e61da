// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cli.h"
#include "clock.h"
#include "errors.h"
#include "ksyms.h"
#include "numparse.h"
#include "recfile.h"
#include "census.h"
#include "progstats.h"
#include "session.h"
#include "kaddr.h"
#include "symtab.h"
#include "walkops.h"

static volatile sig_atomic_t stop_requested;	/* Ctrl-C or SIGTERM received, counted */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested++;
}

void wc_session_stop(void)
{
	if (!stop_requested)
		stop_requested = 1;
}

#define WC_TEARDOWN_GRACE_NS (2ull * 1000 * 1000 * 1000)

/*
 * Stop the workload walkcov started: SIGTERM, then SIGKILL after a grace
 * period of 2 s or at a second Ctrl-C, so a workload that ignores SIGTERM
 * cannot hang walkcov. The stream is already closed by then: the file is
 * complete whatever the workload does.
 */
static void stop_workload(pid_t child)
{
	uint64_t deadline = wc_now_ns(CLOCK_MONOTONIC) + WC_TEARDOWN_GRACE_NS;
	int status, seen = stop_requested;

	kill(child, SIGTERM);
	while (waitpid(child, &status, WNOHANG) == 0) {
		if (wc_now_ns(CLOCK_MONOTONIC) >= deadline || stop_requested > seen) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			return;
		}
		usleep(10 * 1000);
	}
}

enum { OPT_RING = 0x100, OPT_KPROBE, OPT_FENTRY, OPT_COMM, OPT_CGROUP, OPT_OPS, OPT_PROG_STATS };

static const struct argp_option session_options[] = {
	{ "pid", 'p', "PID", 0, "Trace walks of this process (and the processes it forks) only", 1 },
	{ "comm", OPT_COMM, "NAME", 0, "Trace walks of tasks whose command (comm, at most 15 bytes) is NAME only", 1 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Trace walks of tasks in this cgroup v2 directory or below it only", 1 },
	{ "ops", OPT_OPS, "NAME", 0, "Trace walks of this mm_walk_ops struct only; a walk callback NAME: "
	  "walks whose ops start with it (ops built on the stack)", 1 },
	{ "all-cpus", 'a', NULL, 0, "Trace the whole system (the default without -p or CMD)", 1 },
	{ "duration", 'd', "SECS", 0, "Stop after SECS seconds", 1 },
	{ "ring-size", OPT_RING, "BYTES", 0, "Ring buffer size (power of two, default 64M, 4M in summary mode; K/M suffix)", 1 },
	{ "kprobe", OPT_KPROBE, NULL, 0, "Use kprobes (one per target) whatever this kernel's default", 1 },
	{ "fentry", OPT_FENTRY, NULL, 0, "Use fentry/fexit even where the kernel may skip them (preemptible kernels)", 1 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages", 1 },
	{ "prog-stats", OPT_PROG_STATS, NULL, 0, "At the end, print each BPF program's runs and run time "
	  "(the kernel's statistics, turned on while tracing) on stderr", 1 },
	{},
};

static int parse_size(const char *s, size_t *out)
{
	char num[24];
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n && strchr("Kk", s[n - 1]))
		shift = 10, n--;
	else if (n && strchr("Mm", s[n - 1]))
		shift = 20, n--;
	if (n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = 0;
	if (wc_parse_u64(num, 1, (1ULL << 30) >> shift, &v))
		return -1;
	v <<= shift;
	/* BPF ring buffers are whole pages: 4 KiB, 16 KiB on arm64 16K */
	if (v < (uint64_t)getpagesize() || (v & (v - 1)))
		return -1;
	*out = v;
	return 0;
}

int wc_session_parse(struct wc_session_opts *o, int key, char *arg, struct argp_state *state)
{
	char err[256];
	uint64_t pid = 0;

	switch (key) {
	case 'p':
		if (wc_parse_u64(arg, 1, 0x3fffffff, &pid))
			argp_error(state, "invalid PID '%s'", arg);
		o->pid = (int)pid;
		break;
	case 'a':
		break;
	case OPT_COMM:
		if (wc_filter_set_comm(&o->filter, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case OPT_CGROUP:
		if (wc_filter_set_cgroup(&o->filter, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case OPT_OPS:
		if (wc_filter_set_ops(&o->filter, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'd':
		o->duration = wc_cli_duration(arg, state);
		break;
	case OPT_RING:
		if (parse_size(arg, &o->ring_size))
			argp_error(state, "invalid ring size '%s' (a power of two from the page size, %dK, to 1G)",
				   arg, getpagesize() >> 10);
		break;
	case OPT_KPROBE:
		o->force_mech = WC_MECH_KPROBE;
		break;
	case OPT_FENTRY:
		o->force_mech = WC_MECH_FENTRY;
		break;
	case 'v':
		o->verbose = true;
		break;
	case OPT_PROG_STATS:
		o->prog_stats = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t session_parser(int key, char *arg, struct argp_state *state)
{
	return wc_session_parse(state->input, key, arg, state);
}

const struct argp wc_session_argp = {
	.options = session_options,
	.parser = session_parser,
};

int wc_session_parent_parse(struct wc_session_opts *o, int key, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;
		return 0;
	case ARGP_KEY_ARG:
		/* everything from the first non-option on is the workload */
		o->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* The workload waits on a pipe until the tracer is attached. */
static pid_t start_child(char **cmd, int *go_fd)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);	/* the tracer gave up */
		signal(SIGPIPE, SIG_DFL);	/* walkcov ignores it (main.c) */
		execvp(cmd[0], cmd);
		fprintf(stderr, "walkcov: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return pid;
}

struct relay {
	struct wc_sink *sink;
	struct wc_tracer *t;
	const struct ksyms *ks;
	const struct wc_session_info *info;
	struct wc_symtab *named;	/* ops ids already named */
	uint64_t unnamed_events;	/* events whose ops stayed unnamed: the table was full */
	uint64_t events;
	int sink_ret;			/* a sink callback failed: stop */
	uint8_t *stack_sent;		/* summary mode: stack ids given to the sink */
	struct wc_stack_rec *stacks;	/* ... their frames, from the tracer, by id */
	uint64_t anomalies;		/* anomaly events relayed */
	bool judge;			/* summary mode: the kernel judges */
};

/* The name of ops id OPS from the kernel, "" if it has none: static ops
 * have a symbol ("mlock_walk_ops.75" loses its compiler suffix). Ops built
 * on the kernel stack arrive as their first callback (the tracer's
 * ops_id): a function, named "ops of <callback>". Static ops kallsyms does
 * not name (no CONFIG_KALLSYMS_ALL: no data symbols; an ops struct inside
 * a bigger object) are read through /proc/kcore and named after their
 * first callback the same way. */
static void kernel_ops_name(struct relay *r, uint64_t ops, char *name, size_t size)
{
	const struct ksym *s = ksyms_at(r->ks, ops);
	uint64_t fn;

	if (s && s->addr == ops) {
		bool is_fn = s->type == 't' || s->type == 'T';

		snprintf(name, size, "%s%.*s", is_fn ? "ops of " : "",
			 (int)strcspn(s->name, "."), s->name);
		return;
	}
	name[0] = '\0';
	fn = wc_walkops_first_callback(ops);
	s = fn ? ksyms_at(r->ks, fn) : NULL;
	if (s && s->addr == fn && (s->type == 't' || s->type == 'T'))
		snprintf(name, size, "ops of %.*s", (int)strcspn(s->name, "."), s->name);
}

/* Name each ops id once, before the first event that uses it: from the
 * kernel, else after the callback of its first visit. */
static int name_ops(struct relay *r, const struct wc_event *e)
{
	char name[160];

	if (!e->ops || wc_symtab_name(r->named, e->ops))
		return 0;
	kernel_ops_name(r, e->ops, name, sizeof(name));
	if (!*name) {
		int i = e->slot < WC_MAX_SLOTS ? r->info->slot_target[e->slot] : -1;

		/* a visit (or an anomaly: its walk's first visit) says whose ops */
		if ((e->type != WC_EV_VISIT && e->type != WC_EV_ANOMALY) || i < 0)
			return 0;
		snprintf(name, sizeof(name), "ops of %s", r->info->plan->t[i].name);
	}
	if (wc_symtab_add(r->named, e->ops, name) < 0) {
		r->unnamed_events++;	/* reported in the trailer */
		return 0;
	}
	return wc_sink_symbol(r->sink, e->ops, name);
}

#define STACK_FRAMES WC_STACK_DEPTH
#define RING_SIZE_SUMMARY (4u << 20)	/* summary mode's default ring buffer: 32k anomaly events */

/* An anomaly's kernel stack, symbolized, once before its first event. */
static int send_stack(struct relay *r, int32_t id)
{
	char buf[STACK_FRAMES][160];
	const char *frames[STACK_FRAMES];
	uint64_t ips[STACK_FRAMES];
	int n;

	if (id < 0 || id >= WC_STACK_ENTRIES || !r->stack_sent || r->stack_sent[id])
		return 0;
	r->stack_sent[id] = 1;
	n = r->stacks[id].id == id ? (int)r->stacks[id].n : 0;	/* 0: its record was lost */
	if (n > STACK_FRAMES)
		n = STACK_FRAMES;
	memcpy(ips, r->stacks[id].ips, n * sizeof(ips[0]));
	for (int i = 0; i < n; i++) {
		const struct ksym *s = ksyms_at(r->ks, ips[i]);

		/* BPF programs and trampolines lie past the last text symbol */
		if (s && (s->type == 't' || s->type == 'T'))
			snprintf(buf[i], sizeof(buf[i]), "%s+0x%" PRIx64, s->name, ips[i] - s->addr);
		else
			snprintf(buf[i], sizeof(buf[i]), "[unknown]");
		frames[i] = buf[i];
	}
	return wc_sink_stack(r->sink, id, frames, n);
}

static int relay_stack(const struct wc_stack_rec *s, void *ctx)
{
	struct relay *r = ctx;

	if (s->id >= 0 && s->id < WC_STACK_ENTRIES && r->stacks)
		r->stacks[s->id] = *s;
	return 0;
}

static int relay_event(const struct wc_event *e, void *ctx)
{
	struct relay *r = ctx;

	if (r->sink_ret)
		return -ECANCELED;
	if (e->type == WC_EV_ANOMALY)
		r->sink_ret = send_stack(r, e->depth);
	if (!r->sink_ret)
		r->sink_ret = name_ops(r, e);
	if (!r->sink_ret) {
		r->events++;
		r->anomalies += e->type == WC_EV_ANOMALY;
		r->sink_ret = wc_sink_event(r->sink, e);
	}
	return r->sink_ret ? -ECANCELED : 0;
}

static void rec_lost(const struct wc_lost *lost, struct wc_rec_lost *l)
{
	*l = (struct wc_rec_lost){
		.ringbuf_drops = lost->ringbuf_drops,
		.recursion_misses = lost->recursion_misses,
		.ts_ns = wc_now_ns(CLOCK_MONOTONIC),	/* the events' clock */
	};
}

/* A summary row's ops: named as events name them (a SYMBOL record once),
 * else by the slot of the first visit the tracer saw with them. */
static int name_row(struct relay *r, struct wc_sum_row *row)
{
	const char *n = wc_symtab_name(r->named, row->ops);
	char name[160];
	int slot, i;

	if (!n && row->ops) {
		kernel_ops_name(r, row->ops, name, sizeof(name));
		slot = wc_tracer_ops_slot(r->t, row->ops);
		i = slot >= 0 ? r->info->slot_target[slot] : -1;
		if (!*name && i >= 0)
			snprintf(name, sizeof(name), "ops of %s", r->info->plan->t[i].name);
		if (*name && wc_symtab_add(r->named, row->ops, name) >= 0) {
			int ret = wc_sink_symbol(r->sink, row->ops, name);

			if (ret)
				return ret;
			n = wc_symtab_name(r->named, row->ops);
		}
	}
	if (n)
		snprintf(row->name, sizeof(row->name), "%s", n);
	else
		wc_kaddr(row->ops, row->name, sizeof(row->name));
	return 0;
}

/* Summary mode: read the in-kernel counters and hand them to the sink. */
static int send_summary(struct wc_tracer *t, struct relay *r, bool final)
{
	struct wc_snapshot snap;
	struct wc_lost lost;
	int ret;

	wc_snapshot_init(&snap);
	snap.ts_ns = wc_now_ns(CLOCK_MONOTONIC);
	ret = wc_tracer_summary(t, &snap);
	if (ret) {
		wc_err("cannot read the summary counters: %s", strerror(-ret));
		wc_snapshot_free(&snap);
		return WC_EXIT_FAIL;
	}
	wc_tracer_lost(t, &lost);
	snap.t.recursion_misses = lost.recursion_misses;
	snap.t.ringbuf_drops = lost.ringbuf_drops;
	free(lost.per_prog);
	snap.t.anomalies = r->anomalies;
	for (size_t i = 0; i < snap.n && !ret; i++)
		ret = name_row(r, &snap.rows[i]);
	if (!ret)
		ret = wc_sink_summary(r->sink, &snap, final);
	wc_snapshot_free(&snap);
	return ret;
}

/* Periodic LOST for sinks that keep them (a file); reading every program's
 * counters costs a syscall each, so the others get only the trailer. */
static int tick(struct wc_tracer *t, struct wc_sink *sink)
{
	struct wc_lost lost;
	struct wc_rec_lost l;

	if (!sink->periodic_lost)
		return 0;
	wc_tracer_lost(t, &lost);
	rec_lost(&lost, &l);
	free(lost.per_prog);
	return wc_sink_lost(sink, &l);
}

/* The census for the header (census_untraced, census_groups): the plan's
 * walker users, grouped by the named ops structs where /proc/kcore can be
 * read (else ungrouped). Built before attaching: reading kcore takes time. */
static struct json_object *census_json(const struct wc_plan *plan, const struct ksyms *ks)
{
	struct json_object *o = json_object_new_object();
	struct wc_census c;
	char err[256];

	wc_census_init(&c);
	if (!wc_census_from_plan(&c, plan)) {
		wc_census_group(&c, ks, NULL, NULL, err, sizeof(err));	/* else ungrouped */
		wc_census_header_add(o, &c);
	}
	wc_census_free(&c);
	return o;
}

struct json_object *wc_session_header(const struct wc_session_info *info)
{
	const char *mech = wc_mech_name(info->mech);
	struct json_object *hdr = wc_hdr_new(info->argc, info->argv, mech);
	int n = 0;

	/* event times count from the session's own clock reading */
	json_object_object_add(hdr, "monotonic_start_ns", json_object_new_uint64(info->mono_start_ns));
	while (info->cmd && info->cmd[n])
		n++;
	wc_hdr_set_command(hdr, n, (char **)info->cmd);
	if (info->filter)
		json_object_object_add(hdr, "filters", wc_filter_json(info->filter));
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		int i = info->slot_target[slot];
		const struct wc_target *t = i >= 0 ? &info->plan->t[i] : NULL;

		if (t)
			wc_hdr_add_slot(hdr, slot, t->name, t->module, t->slot.role,
					wc_role_name(t->slot.role), t->slot.kind, mech);
	}
	if (info->census) {
		json_object_object_foreach(info->census, key, val)
			json_object_object_add(hdr, key, json_object_get(val));
	}
	return hdr;
}

struct json_object *wc_session_trailer(const struct wc_lost *lost,
				       const struct wc_session_result *res,
				       uint64_t events, uint64_t duration_ns,
				       uint64_t unnamed_ops_events, struct wc_rec_end *end)
{
	struct json_object *o = json_object_new_object(), *pm = json_object_new_object();

	*end = (struct wc_rec_end){
		.events = events,
		.ringbuf_drops = lost->ringbuf_drops,
		.recursion_misses = lost->recursion_misses,
		.duration_ns = duration_ns,
	};
	for (int i = 0; i < lost->n_per_prog; i++)
		json_object_object_add(pm, lost->per_prog[i].name,
				       json_object_new_uint64(lost->per_prog[i].misses));
	json_object_object_add(o, "prog_misses", pm);
	json_object_object_add(o, "stash_drops", json_object_new_uint64(lost->stash_drops));
	json_object_object_add(o, "unnamed_ops_events", json_object_new_uint64(unnamed_ops_events));
	json_object_object_add(o, "cmd_status", json_object_new_int(res->cmd_status));
	json_object_object_add(o, "cmd_signal", json_object_new_int(res->cmd_signal));
	return o;
}

/* --prog-stats, on stderr: the report goes to stdout. */
static void print_prog_stats(struct wc_tracer *t)
{
	struct wc_prog_stat *st = NULL;
	int n = wc_tracer_prog_stats(t, &st);

	if (n < 0)
		wc_err("cannot read the BPF programs' statistics: %s", strerror(-n));
	else
		wc_prog_stats_print(stderr, st, n);
	free(st);
}

/* The workload ended by itself: keep how. */
static void workload_ended(struct wc_session_result *res, int status)
{
	if (WIFEXITED(status))
		res->cmd_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->cmd_signal = WTERMSIG(status);
}

/* Drain, take the final counters and close the stream: with its trailer,
 * or without one if the sink fails on the way. */
static int finish(struct wc_tracer *t, struct relay *relay, const struct wc_session_result *res,
		  uint64_t start_ns)
{
	struct wc_lost lost;
	struct wc_rec_lost l;
	struct wc_rec_end end;
	struct json_object *extra;
	uint64_t duration_ns;
	int ret = 0;

	while (!relay->sink_ret && wc_tracer_poll(t, 0) > 0)
		;
	if (relay->sink_ret) {
		wc_sink_end(relay->sink, NULL, NULL);
		return relay->sink_ret;
	}
	if (relay->judge && (ret = send_summary(t, relay, true))) {
		wc_sink_end(relay->sink, NULL, NULL);
		return ret;
	}
	duration_ns = wc_now_ns(CLOCK_MONOTONIC) - start_ns;
	wc_tracer_lost(t, &lost);
	if (relay->sink->periodic_lost) {
		rec_lost(&lost, &l);
		ret = wc_sink_lost(relay->sink, &l);
	}
	extra = wc_session_trailer(&lost, res, relay->events, duration_ns, relay->unnamed_events, &end);
	free(lost.per_prog);
	if (relay->unnamed_events)
		wc_err("warning: %" PRIu64 " events have an unnamed ops struct (more than %d seen)",
		       relay->unnamed_events, WC_SYMTAB_MAX);
	if (!ret)
		ret = wc_sink_end(relay->sink, &end, extra);
	else
		wc_sink_end(relay->sink, NULL, NULL);
	json_object_put(extra);
	return ret;
}

int wc_session_run(const struct wc_session_opts *o, struct wc_sink *sink,
		   struct wc_session_result *res)
{
	struct wc_tracer_opts topts = {};
	struct wc_filter filter = o->filter;
	struct wc_session_info info = { .argc = o->argc, .argv = o->argv, .cmd = o->cmd,
					.filter = &filter };
	struct relay relay = { .sink = sink, .info = &info };
	struct wc_tracer *t = NULL;
	struct wc_plan plan = {};
	struct sigaction sa = {};
	struct json_object *hdr;
	uint64_t deadline = 0, last_tick = 0, last_summary = 0;
	int ret = WC_EXIT_FAIL, go_fd = -1, status;
	bool begun = false;
	char err[512];
	pid_t child = 0;

	memset(res, 0, sizeof(*res));
	res->cmd_status = -1;
	stop_requested = 0;
	relay.named = wc_symtab_new();
	if (!relay.named) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	relay.ks = wc_plan_for_kernel(&plan, err, sizeof(err));
	if (!relay.ks) {
		wc_err("%s", err);
		wc_symtab_free(relay.named);
		return WC_EXIT_FAIL;
	}
	info.census = census_json(&plan, relay.ks);
	if (o->role_mask)
		wc_plan_restrict(&plan, o->role_mask);
	filter.pid = o->pid;
	if (wc_filter_resolve_ops(&filter, relay.ks, &plan, err, sizeof(err))) {
		wc_err("%s", err);
		goto cleanup;
	}
	if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
		wc_err("no process with PID %d", o->pid);
		goto cleanup;
	}
	if (o->cmd) {
		child = start_child(o->cmd, &go_fd);
		if (child < 0) {
			wc_err("cannot start '%s': %m", o->cmd[0]);
			goto cleanup;
		}
	}

	topts.plan = &plan;
	topts.target_tgid = child ? child : o->pid;
	topts.filter = &filter;
	topts.ring_size = o->ring_size ? o->ring_size : WC_RING_SIZE_DEFAULT;
	if (!o->ring_size && o->mode == WC_MODE_SUMMARY)
		topts.ring_size = RING_SIZE_SUMMARY;	/* only anomalies cross it */
	topts.force_mech = o->force_mech;
	topts.verbose = o->verbose;
	topts.prog_stats = o->prog_stats;
	topts.mode = o->mode ? o->mode : WC_MODE_FULL;
	topts.livelock = o->livelock;
	relay.judge = topts.mode & WC_MODE_F_JUDGE;
	topts.on_stack = relay_stack;
	if (relay.judge && (!(relay.stack_sent = calloc(WC_STACK_ENTRIES, 1)) ||
			    !(relay.stacks = calloc(WC_STACK_ENTRIES, sizeof(*relay.stacks))))) {
		wc_err("out of memory");
		goto cleanup;
	}
	topts.on_event = relay_event;
	topts.ctx = &relay;
	t = wc_tracer_open(&topts, err, sizeof(err));
	if (!t) {
		wc_err("%s", err);
		goto cleanup;
	}
	relay.t = t;

	info.plan = &plan;
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		info.slot_target[i] = wc_tracer_slot_target(t, i);
	info.mech = wc_tracer_mech(t);
	info.mono_start_ns = wc_now_ns(CLOCK_MONOTONIC);
	/* the first summary one interval after the start, not at once: a
	 * consumer's rates over a few milliseconds would mean nothing */
	last_summary = info.mono_start_ns;
	hdr = wc_session_header(&info);
	begun = !wc_sink_begin(sink, hdr);
	json_object_put(hdr);
	if (!begun)
		goto cleanup;	/* the sink said why */

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->duration > 0)
		deadline = info.mono_start_ns + (uint64_t)(o->duration * 1e9);
	if (child) {
		if (write(go_fd, "g", 1) != 1) {
			wc_err("cannot start the workload: %m");
			goto cleanup;
		}
		close(go_fd);
		go_fd = -1;
	}

	for (;;) {
		uint64_t now;
		int n = wc_tracer_poll(t, 100);

		if (relay.sink_ret)
			goto cleanup;	/* the sink said why */
		if (n < 0) {
			wc_err("ring buffer: %s", strerror(-n));
			goto cleanup;
		}
		now = wc_now_ns(CLOCK_MONOTONIC);
		if (now - last_tick >= 100000000ULL) {
			if ((relay.sink_ret = tick(t, sink)))
				goto cleanup;
			last_tick = now;
		}
		if (relay.judge && sink->summary_interval_ms &&
		    now - last_summary >= sink->summary_interval_ms * 1000000ULL) {
			if ((relay.sink_ret = send_summary(t, &relay, false)))
				goto cleanup;
			last_summary = now;
		}
		if (stop_requested) {
			res->interrupted = true;
			break;
		}
		if (deadline && now >= deadline)
			break;
		if (child && waitpid(child, &status, WNOHANG) == child) {
			workload_ended(res, status);
			child = 0;
			break;
		}
		if (o->pid && kill(o->pid, 0) && errno == ESRCH)
			break;
	}
	begun = false;
	ret = finish(t, &relay, res, info.mono_start_ns) ? WC_EXIT_FAIL : 0;
	if (o->prog_stats)
		print_prog_stats(t);
cleanup:
	if (begun)
		wc_sink_end(sink, NULL, NULL);	/* stopped early: no trailer */
	if (go_fd >= 0)
		close(go_fd);	/* the child sees EOF and exits 127 */
	if (child > 0) {
		/* walkcov stops the workload (duration, Ctrl-C, an error): its
		 * status is not the workload's own, so it is not kept */
		stop_workload(child);
	}
	wc_tracer_close(t);
	wc_plan_free(&plan);
	json_object_put(info.census);
	ksyms_free((struct ksyms *)relay.ks);
	wc_symtab_free(relay.named);
	free(relay.stack_sent);
	free(relay.stacks);
	return ret;
}
