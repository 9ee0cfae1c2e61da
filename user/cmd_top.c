// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * walkcov top: a live table of page walks per ops struct (or command), in
 * the style of perf top and bpftop, from summary mode (the kernel judges
 * each walk; only counters and anomalies reach user space).
 *
 * Two threads on a terminal: the session (main thread) hands each summary
 * snapshot and anomaly to the screen thread, which draws and reads keys
 * (q quits, s cycles the sort column, c toggles ops/comm). Without a
 * terminal on stdout, or with --once / -n N, the session thread prints
 * plain snapshots itself: one table per interval.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "kaddr.h"
#include "numparse.h"
#include "session.h"
#include "symtab.h"
#include "topview.h"
#include "toptext.h"

#define DELAY_MIN_S 0.1
#define DELAY_MAX_S 3600

static struct {
	/* options */
	struct wc_session_opts s;
	double delay;			/* -d: seconds between snapshots */
	long iterations;		/* -n: plain snapshots to print, 0: until the end */
	int group, sort;
	size_t max_rows;		/* --rows, 0: as many as fit (plain: all) */
	bool plain;

	/* the stream */
	struct wc_sink sink;
	struct wc_symtab *names;	/* ops names from symbol() */
	char kernel[128], mech[32];
	uint64_t start_ns;
	bool nomem;

	/* what the view is built from (screen: under lock) */
	struct wc_snapshot prev, cur;
	bool have_cur, final;
	struct wc_top_anomalies anomalies;	/* the latest, merged */
	uint64_t anomalies_printed;	/* plain: entries already printed */
	long printed;			/* plain: tables printed */

	/* the screen */
	pthread_t ui;
	bool ui_running;
	pthread_mutex_t lock;
	int wake[2];			/* the session tells the screen thread to draw */
	bool done;
	bool keys;			/* stdin is a terminal: keys work */
	struct termios saved;
	bool term_set;
} env = { .delay = 1, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 } };

enum { OPT_BY = 0x200, OPT_ROWS, OPT_ONCE };

static const struct argp_option options[] = {
	{ "delay", 'd', "SECS", 0, "Refresh every SECS seconds (default 1; --duration stops)", 0 },
	{ "iterations", 'n', "N", 0, "Print N plain snapshots, one per refresh, and stop", 0 },
	{ "once", OPT_ONCE, NULL, 0, "Print one plain snapshot and stop (-n 1)", 0 },
	{ "by", OPT_BY, "ops|comm", 0, "One row per ops struct (default) or per command", 0 },
	{ "sort", 's', "COL", 0,
	  "Sort by walks (default), bytes, retries, doubles, gaps, splits, incomplete or name", 0 },
	{ "rows", OPT_ROWS, "N", 0, "Show at most N rows, the rest folded into one", 0 },
	{},
};

static long parse_count(const char *arg, long max, const char *what, struct argp_state *state)
{
	uint64_t v = 0;

	if (wc_parse_u64(arg, 1, (uint64_t)max, &v))
		argp_error(state, "invalid %s '%s' (1 to %ld)", what, arg, max);
	return (long)v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'd':
		if (wc_parse_decimal(arg, &env.delay) || !(env.delay >= DELAY_MIN_S) ||
		    env.delay > DELAY_MAX_S)
			argp_error(state, "invalid delay '%s' (seconds, %.1f to %d)", arg, DELAY_MIN_S,
				   DELAY_MAX_S);
		return 0;
	case 'n':
		env.iterations = parse_count(arg, 1000000000L, "number of snapshots", state);
		return 0;
	case OPT_ONCE:
		env.iterations = 1;
		return 0;
	case OPT_BY:
		env.group = wc_top_group_parse(arg);
		if (env.group < 0)
			argp_error(state, "invalid grouping '%s' (ops or comm)", arg);
		return 0;
	case 's':
		env.sort = wc_top_sort_parse(arg);
		if (env.sort < 0)
			argp_error(state, "invalid sort column '%s' (walks, bytes, retries, doubles, gaps, "
				   "splits, incomplete or name)", arg);
		return 0;
	case OPT_ROWS:
		env.max_rows = parse_count(arg, 100000, "number of rows", state);
		return 0;
	default:
		return wc_session_parent_parse(&env.s, key, state);
	}
}

/* ---- the stream (session thread) */

static int on_begin(struct wc_sink *sink, struct json_object *hdr);

static void wake_screen(void)
{
	if (env.wake[1] >= 0 && write(env.wake[1], "w", 1) < 0) {
		/* the pipe is full: the screen thread has a draw pending anyway */
	}
}

static int on_event(struct wc_sink *sink, const struct wc_event *e)
{
	char buf[WC_KADDR_LEN];
	const char *ops;

	(void)sink;
	if (e->type != WC_EV_ANOMALY)
		return 0;
	ops = wc_ops_name(env.names, e->ops, "-", buf, sizeof(buf));
	pthread_mutex_lock(&env.lock);
	wc_top_anomaly_add(&env.anomalies, e, ops);
	pthread_mutex_unlock(&env.lock);
	wake_screen();
	return 0;
}

static int on_symbol(struct wc_sink *sink, uint64_t addr, const char *name)
{
	(void)sink;
	if (wc_symtab_add(env.names, addr, name) < 0) {
		/* full: the ops stays an address, as in every other command */
	}
	return 0;
}

/* Plain: the anomalies that arrived since the last print. */
static void print_new_anomalies(void)
{
	uint64_t first = env.anomalies_printed, n = env.anomalies.n;

	if (n - first > WC_TOP_ANOMALIES) {
		printf("(%" PRIu64 " anomalies not shown)\n", n - first - WC_TOP_ANOMALIES);
		first = n - WC_TOP_ANOMALIES;
	}
	for (uint64_t i = first; i < n; i++) {
		const struct wc_top_anomaly *a = wc_top_anomaly_get(&env.anomalies, i);

		wc_top_print_anomaly(stdout, &a->e, a->ops, env.start_ns);
	}
	env.anomalies_printed = n;
}

static int print_plain(const struct wc_snapshot *snap, bool final)
{
	struct wc_top_view v;
	struct wc_top_head h = {
		.kernel = env.kernel, .mechanism = env.mech, .group = env.group, .sort = env.sort,
		.elapsed_s = wc_rel_s(snap->ts_ns, env.start_ns), .final = final,
		.anomalies = env.anomalies.n,
	};

	if (wc_top_view_build(&v, &env.prev, snap, env.group, env.sort, env.max_rows))
		return -1;
	if (env.printed)
		printf("\n");
	wc_top_print_head(stdout, &h, &v);
	wc_top_print_table(stdout, &v, env.group);
	print_new_anomalies();
	fflush(stdout);
	wc_top_view_free(&v);
	env.printed++;
	return 0;
}

static int on_summary(struct wc_sink *sink, const struct wc_snapshot *snap, bool final)
{
	int ret = 0;

	(void)sink;
	if (env.plain) {
		/* the final snapshot only when -n N has not been met */
		if (!final || !env.iterations || env.printed < env.iterations)
			ret = print_plain(snap, final);
		if (!ret && wc_snapshot_copy(&env.prev, snap))
			ret = -1;
		if (!final && env.iterations && env.printed >= env.iterations)
			wc_session_stop();
		if (ret) {
			env.nomem = true;
			return ret;
		}
		return 0;
	}
	pthread_mutex_lock(&env.lock);
	if (env.have_cur)
		ret = wc_snapshot_copy(&env.prev, &env.cur);
	if (!ret)
		ret = wc_snapshot_copy(&env.cur, snap);
	env.have_cur = !ret;
	env.final = final;
	pthread_mutex_unlock(&env.lock);
	if (ret)
		env.nomem = true;
	wake_screen();
	return ret;
}

static int on_end(struct wc_sink *sink, const struct wc_rec_end *e, struct json_object *extra)
{
	(void)sink;
	(void)e;
	(void)extra;
	if (env.plain && env.anomalies_printed < env.anomalies.n && env.printed)
		print_new_anomalies();	/* arrived after the last table */
	return 0;
}

/* ---- the screen (its own thread) */

static void term_restore(void)
{
	static const char leave[] = "\033[?25h\033[?1049l";	/* cursor on, main screen */

	if (!env.term_set)
		return;
	env.term_set = false;
	if (write(STDOUT_FILENO, leave, sizeof(leave) - 1) < 0) {
		/* the terminal is gone: nothing to restore on it */
	}
	if (env.keys)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &env.saved);
}

/* Alternate screen, no cursor; keys one by one without echo (Ctrl-C still
 * sends SIGINT, which stops the session). */
static void term_setup(void)
{
	static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";

	if (env.keys) {
		struct termios t = env.saved;

		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	env.term_set = true;
	atexit(term_restore);
	if (write(STDOUT_FILENO, enter, sizeof(enter) - 1) < 0) {
		/* shows up at the first draw */
	}
}

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* the terminal is gone; the session ends by Ctrl-C or hangup */
		p += w, n -= (size_t)w;
	}
}

/* Copy TEXT to the screen from the top left, each line cut at COLS and its
 * rest cleared, at most LINES lines, and the rest of the screen cleared. */
static void show(const char *text, int cols, int lines)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int n = 0;

	if (!f)
		return;
	fputs("\033[H", f);
	for (const char *p = text; *p && n < lines; n++) {
		size_t l = strcspn(p, "\n");

		fwrite(p, 1, l < (size_t)cols ? l : (size_t)cols, f);
		fputs(n + 1 < lines ? "\033[K\n" : "\033[K", f);	/* the tty adds \r */
		p += l + (p[l] == '\n');
	}
	fputs("\033[J", f);
	fclose(f);
	write_all(out, len);
	free(out);
}

/* Everything on one screen: header, table, the latest anomalies, keys.
 * Lines: head 2, blank, column header, the rows, total, blank, anomaly
 * title, the anomalies, keys. */
static void draw(void)
{
	struct winsize ws = {};
	int cols = 80, lines = 24, n_anom;
	struct wc_top_head h = {
		.kernel = env.kernel, .mechanism = env.mech, .group = env.group, .sort = env.sort,
		.final = env.final, .anomalies = env.anomalies.n,
	};
	struct wc_top_view v = {};
	char *text = NULL;
	size_t len = 0, rows;
	FILE *f;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row)
		cols = ws.ws_col, lines = ws.ws_row;
	/* the table gives up rows (folded) so that up to 10 anomalies show */
	n_anom = env.anomalies.n < 10 ? (int)env.anomalies.n : 10;
	rows = lines - 8 - n_anom > 2 ? (size_t)(lines - 8 - n_anom) : 2;
	if (env.max_rows && env.max_rows < rows)
		rows = env.max_rows;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	if (env.have_cur && !wc_top_view_build(&v, &env.prev, &env.cur, env.group, env.sort, rows)) {
		h.elapsed_s = wc_rel_s(env.cur.ts_ns, env.start_ns);
		wc_top_print_head(f, &h, &v);
		fputc('\n', f);
		wc_top_print_table(f, &v, env.group);
		n_anom = lines - 8 - (int)(v.n + (v.n_folded ? 1 : 0));
		wc_top_view_free(&v);
	} else {
		fprintf(f, "walkcov top  kernel %s  %s\n\nwaiting for the first snapshot (every %.1f s)\n",
			env.kernel, env.mech, env.delay);
		n_anom = lines - 7;
	}
	fprintf(f, "\nANOMALIES (%" PRIu64 ")\n", env.anomalies.n);
	if (n_anom < 0)
		n_anom = 0;
	if ((uint64_t)n_anom > env.anomalies.n)
		n_anom = (int)env.anomalies.n;
	if (n_anom > WC_TOP_ANOMALIES)
		n_anom = WC_TOP_ANOMALIES;
	for (uint64_t i = env.anomalies.n - n_anom; i < env.anomalies.n; i++) {
		const struct wc_top_anomaly *a = wc_top_anomaly_get(&env.anomalies, i);

		wc_top_print_anomaly(f, &a->e, a->ops, env.start_ns);
	}
	fprintf(f, "%s\n", env.keys ? "q quit  s sort column  c ops/comm" :
		"Ctrl-C quits (stdin is not a terminal: no keys)");
	fclose(f);
	show(text ? text : "", cols, lines);
	free(text);
}

static void on_key(char c)
{
	switch (c) {
	case 'q':
	case 'Q':
		wc_session_stop();
		break;
	case 's':
		env.sort = (env.sort + 1) % WC_TOP_SORT_N;
		break;
	case 'c':
		env.group = env.group == WC_TOP_BY_OPS ? WC_TOP_BY_COMM : WC_TOP_BY_OPS;
		break;
	}
}

static void *screen_thread(void *arg)
{
	sigset_t mask;

	(void)arg;
	/* signals go to the session thread */
	sigfillset(&mask);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = env.wake[0], .events = POLLIN },
			{ .fd = env.keys ? STDIN_FILENO : -1, .events = POLLIN },
		};
		char buf[64];
		ssize_t n;
		bool done;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			if (read(env.wake[0], buf, sizeof(buf)) < 0) {
				/* nothing to drain */
			}
		}
		pthread_mutex_lock(&env.lock);
		if (p[1].revents & POLLIN) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			for (ssize_t i = 0; i < n; i++)
				on_key(buf[i]);
			if (n <= 0)
				env.keys = false;	/* stdin closed: no more keys */
		} else if (p[1].revents & (POLLHUP | POLLERR)) {
			env.keys = false;
		}
		done = env.done;
		if (!done)
			draw();
		pthread_mutex_unlock(&env.lock);
		if (done)
			break;
	}
	return NULL;
}

static int on_begin(struct wc_sink *sink, struct json_object *hdr)
{
	struct json_object *o;

	(void)sink;
	if (json_object_object_get_ex(hdr, "kernel", &o))
		snprintf(env.kernel, sizeof(env.kernel), "%s", json_object_get_string(o));
	if (json_object_object_get_ex(hdr, "mechanism", &o))
		snprintf(env.mech, sizeof(env.mech), "%s", json_object_get_string(o));
	if (json_object_object_get_ex(hdr, "monotonic_start_ns", &o))
		env.start_ns = json_object_get_uint64(o);
	/* the first interval starts with the session */
	wc_snapshot_free(&env.prev);
	env.prev.ts_ns = env.start_ns;
	if (env.plain)
		return 0;
	/* tracing is attached: from here on the screen is ours */
	if (pipe2(env.wake, O_CLOEXEC | O_NONBLOCK)) {
		wc_err("cannot create a pipe: %m");
		return -1;
	}
	term_setup();
	if (pthread_create(&env.ui, NULL, screen_thread, NULL)) {
		term_restore();
		wc_err("cannot start the screen thread");
		return -1;
	}
	env.ui_running = true;
	wake_screen();	/* the "waiting" screen */
	return 0;
}

static void screen_stop(void)
{
	if (env.ui_running) {
		pthread_mutex_lock(&env.lock);
		env.done = true;
		pthread_mutex_unlock(&env.lock);
		wake_screen();
		pthread_join(env.ui, NULL);
		env.ui_running = false;
	}
	term_restore();
}

/* A live screen needs a terminal that understands the usual escape
 * sequences (VT100/xterm, as every terminal emulator does). */
static int check_terminal(void)
{
	const char *term = getenv("TERM");

	if (!term || !*term || !strcmp(term, "dumb")) {
		wc_err("the terminal (TERM=%s) cannot show top's live table; use --once or -n N",
		       term && *term ? term : "unset");
		return -1;
	}
	env.keys = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &env.saved);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &wc_session_argp, 0, "Tracing:", 1 },
		{},
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "A live table of page walks per mm_walk_ops struct (or per command): "
		       "walks/s, bytes/s, retries, doubles, gaps, THP splits, and each anomaly as it is "
		       "found, from summary mode (judged in the kernel). Keys: q quits, s changes "
		       "the sort column, c switches between ops and comm. With --once, -n N or "
		       "when stdout is not a terminal, plain snapshots (one table per refresh). "
		       "Here -d is the refresh delay; --duration stops.",
		.children = children,
	};
	struct wc_session_result res;
	int ret;

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &env.s))
		return WC_EXIT_FAIL;
	env.plain = env.iterations || !isatty(STDOUT_FILENO);
	if (!env.plain && check_terminal())
		return WC_EXIT_FAIL;
	if (wc_kaddr_setup(false))
		return WC_EXIT_FAIL;
	env.names = wc_symtab_new();
	if (!env.names) {
		wc_err("out of memory");
		return WC_EXIT_FAIL;
	}
	env.sink = (struct wc_sink){
		.begin = on_begin, .event = on_event, .symbol = on_symbol, .end = on_end,
		.summary = on_summary, .summary_interval_ms = (unsigned int)(env.delay * 1000),
	};
	env.s.mode = WC_MODE_SUMMARY;
	env.s.argc = argc;
	env.s.argv = argv;
	ret = wc_session_run(&env.s, &env.sink, &res);
	screen_stop();
	if (env.nomem)
		wc_err("out of memory");
	wc_snapshot_free(&env.prev);
	wc_snapshot_free(&env.cur);
	wc_symtab_free(env.names);
	if (env.wake[0] >= 0) {
		close(env.wake[0]);
		close(env.wake[1]);
	}
	return ret || env.nomem ? WC_EXIT_FAIL : WC_EXIT_OK;
}
