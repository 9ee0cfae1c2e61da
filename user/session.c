// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "cli.h"
#include <sys/wait.h>
#include "commands.h"
#include "ksyms.h"
#include "session.h"

#define SYMTAB_SIZE 1024	/* ops pointers remembered (open addressing) */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

enum { OPT_RING = 0x100, OPT_KPROBE };

static const struct argp_option session_options[] = {
	{ "pid", 'p', "PID", 0, "Trace walks of this process only", 1 },
	{ "all-cpus", 'a', NULL, 0, "Trace the whole system (the default without -p or CMD)", 1 },
	{ "duration", 'd', "SECS", 0, "Stop after SECS seconds", 1 },
	{ "ring-size", OPT_RING, "BYTES", 0, "Ring buffer size (power of two, default 16M; K/M suffix)", 1 },
	{ "kprobe", OPT_KPROBE, NULL, 0, "Use kprobes even where fentry works", 1 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages", 1 },
	{},
};

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || v < 4096 || v > (1ULL << 30) || (v & (v - 1)))
		return -1;
	*out = v;
	return 0;
}

int wc_session_parse(struct wc_session_opts *o, int key, char *arg, struct argp_state *state)
{
	char *end;
	long pid;

	switch (key) {
	case 'p':
		errno = 0;
		pid = strtol(arg, &end, 10);
		if (errno || *end || pid <= 0 || pid > 0x3fffffff)
			argp_error(state, "invalid PID '%s'", arg);
		o->pid = pid;
		break;
	case 'a':
		break;
	case 'd':
		o->duration = wc_cli_duration(arg, state);
		break;
	case OPT_RING:
		if (parse_size(arg, &o->ring_size))
			argp_error(state, "invalid ring size '%s' (a power of two from 4K to 1G)", arg);
		break;
	case OPT_KPROBE:
		o->force_mech = WC_MECH_KPROBE;
		break;
	case 'v':
		o->verbose = true;
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

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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
		execvp(cmd[0], cmd);
		fprintf(stderr, "walkcov: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return pid;
}

struct relay {
	const struct wc_session_opts *o;
	const struct ksyms *ks;
	const struct wc_session_info *info;
	uint64_t seen[SYMTAB_SIZE];	/* ops pointers already named */
	int nseen;
};

/* Name each ops id once, before the first event that uses it. Static ops
 * have a symbol ("mlock_walk_ops.75" loses its compiler suffix). Ops built
 * on the kernel stack arrive as their first callback (the tracer's ops_id):
 * a function, named "ops of <callback>". Ops inside a bigger object (a
 * module's array of ops) are named after the callback of their first visit. */
static void name_ops(struct relay *r, const struct wc_event *e)
{
	char name[160];
	const struct ksym *s;
	unsigned int h;

	if (!e->ops || !r->o->on_symbol || r->nseen >= SYMTAB_SIZE / 2)
		return;
	for (h = (e->ops >> 4) % SYMTAB_SIZE; r->seen[h]; h = (h + 1) % SYMTAB_SIZE)
		if (r->seen[h] == e->ops)
			return;
	s = ksyms_at(r->ks, e->ops);
	if (s && s->addr == e->ops) {
		bool fn = s->type == 't' || s->type == 'T';

		snprintf(name, sizeof(name), "%s%.*s", fn ? "ops of " : "",
			 (int)strcspn(s->name, "."), s->name);
	} else {
		int i = e->slot < WC_MAX_SLOTS ? r->info->slot_target[e->slot] : -1;

		if (e->type != WC_EV_VISIT || i < 0)
			return;	/* wait for a visit to say whose ops they are */
		snprintf(name, sizeof(name), "ops of %s", r->info->plan->t[i].name);
	}
	r->seen[h] = e->ops;
	r->nseen++;
	r->o->on_symbol(e->ops, name, r->o->ctx);
}

static int relay_event(const struct wc_event *e, void *ctx)
{
	struct relay *r = ctx;

	name_ops(r, e);
	return r->o->on_event ? r->o->on_event(e, r->o->ctx) : 0;
}

static void tick(struct wc_tracer *t, const struct wc_session_opts *o)
{
	struct wc_lost lost;

	if (!o->on_tick)
		return;
	wc_tracer_lost(t, &lost);
	o->on_tick(&lost, o->ctx);
	free(lost.per_prog);
}

int wc_session_run(const struct wc_session_opts *o, struct wc_session_result *res)
{
	struct wc_tracer_opts topts = {};
	struct wc_session_info info = {};
	struct relay relay = { .o = o, .info = &info };
	struct wc_tracer *t = NULL;
	struct wc_plan plan = {};
	struct sigaction sa = {};
	uint64_t deadline = 0, last_tick = 0;
	int ret = WC_EXIT_FAIL, go_fd = -1, status;
	char err[512];
	struct utsname u;
	pid_t child = 0;

	memset(res, 0, sizeof(*res));
	res->cmd_status = -1;
	stop_requested = 0;
	relay.ks = wc_plan_for_kernel(&plan, err, sizeof(err));
	if (!relay.ks) {
		wc_err("%s", err);
		return WC_EXIT_FAIL;
	}
	if (o->role_mask)
		wc_plan_restrict(&plan, o->role_mask);
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
	topts.ring_size = o->ring_size ? o->ring_size : 16 << 20;
	topts.force_mech = o->force_mech;
	topts.verbose = o->verbose;
	topts.on_event = relay_event;
	topts.ctx = &relay;
	t = wc_tracer_open(&topts, err, sizeof(err));
	if (!t) {
		wc_err("%s", err);
		goto cleanup;
	}
	res->mech = wc_tracer_mech(t);

	uname(&u);
	info.plan = &plan;
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		info.slot_target[i] = wc_tracer_slot_target(t, i);
	info.mech = res->mech;
	snprintf(info.kernel, sizeof(info.kernel), "%s", u.release);
	snprintf(info.machine, sizeof(info.machine), "%s", u.machine);
	info.mono_start_ns = now_ns(CLOCK_MONOTONIC);
	info.realtime_start_ns = now_ns(CLOCK_REALTIME);
	info.target_pid = topts.target_tgid;
	info.cmd = o->cmd;
	if (o->on_start && o->on_start(&info, o->ctx))
		goto cleanup;

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

		if (n < 0) {
			wc_err("ring buffer: %s", strerror(-n));
			goto cleanup;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (now - last_tick >= 100000000ULL) {
			tick(t, o);
			last_tick = now;
		}
		if (stop_requested) {
			res->interrupted = true;
			break;
		}
		if (deadline && now >= deadline)
			break;
		if (child && waitpid(child, &status, WNOHANG) == child) {
			res->cmd_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			child = 0;
			break;
		}
		if (o->pid && kill(o->pid, 0) && errno == ESRCH)
			break;
	}
	/* drain what the kernel already wrote */
	while (wc_tracer_poll(t, 0) > 0)
		;
	res->duration_ns = now_ns(CLOCK_MONOTONIC) - info.mono_start_ns;
	wc_tracer_lost(t, &res->lost);
	if (o->on_tick)
		o->on_tick(&res->lost, o->ctx);
	ret = 0;
cleanup:
	if (go_fd >= 0)
		close(go_fd);	/* the child sees EOF and exits 127 */
	if (child > 0) {
		kill(child, SIGTERM);
		if (waitpid(child, &status, 0) == child && res->cmd_status < 0 && WIFEXITED(status))
			res->cmd_status = WEXITSTATUS(status);
	}
	wc_tracer_close(t);
	wc_plan_free(&plan);
	ksyms_free((struct ksyms *)relay.ks);
	return ret;
}

void wc_session_result_free(struct wc_session_result *r)
{
	free(r->lost.per_prog);
	r->lost.per_prog = NULL;
}
