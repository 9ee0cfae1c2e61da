// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The runner: sets up the arenas, probes the units, then runs reader
 * threads (round-robin over the walkers) and one thread per splitter until
 * the deadline; every thread checks the shared stop flag between two
 * bounded operations, so all stop within one operation of the deadline. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "errors.h"
#include "internal.h"

/* Runs one operation of u and counts it. */
static void run_op(struct unit *u, struct worker *w)
{
	uint64_t t0 = wc_now_ns(CLOCK_MONOTONIC);
	int r;

	w->errop = NULL;
	r = u->d->op(w);
	atomic_fetch_add(&u->ns, wc_now_ns(CLOCK_MONOTONIC) - t0);
	atomic_fetch_add(&u->calls, 1);
	if (r == OP_BUSY) {
		atomic_fetch_add(&u->soft, 1);
		if (!atomic_exchange(&u->have_busy, true))
			snprintf(u->first_busy, TEXT, "busy: %s: %s", w->errop ? w->errop : "?",
				 strerrorname_np(w->busy_errno) ? strerrorname_np(w->busy_errno) : "?");
	} else if (r < 0) {
		atomic_fetch_add(&u->errors, 1);
		if (!atomic_exchange(&u->have_err, true))
			snprintf(u->first_err, TEXT, "%s: %s", w->errop ? w->errop : "?", strerror(-r));
	}
}

static void *reader_main(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;
	size_t i = rnd(w, c->nunits);

	while (!atomic_load(&c->stop)) {
		bool any = false, ran = false;

		for (size_t k = 0; k < c->nunits && !atomic_load(&c->stop); k++, i++) {
			struct unit *u = &c->units[i % c->nunits];

			if (u->d->kind != WALKER || !runnable(u))
				continue;
			any = true;
			if (u->d->exclusive && atomic_flag_test_and_set(&u->busy))
				continue;
			/* the walkers measured to retry on 6.5+ run more often */
			for (unsigned int n = 0; n < (u->d->weight ? u->d->weight : 1); n++)
				run_op(u, w);
			ran = true;
			if (u->d->exclusive)
				atomic_flag_clear(&u->busy);
		}
		if (!any)
			break;	/* no walker to run: the splitters still do */
		if (!ran)
			usleep(100);	/* only exclusive walkers, all busy */
	}
	return NULL;
}

struct splitter_arg {
	struct worker w;
	struct unit *u;
};

static void *splitter_main(void *arg)
{
	struct splitter_arg *a = arg;
	struct ctx *c = a->w.c;
	unsigned int duty = a->u->d->duty ? a->u->d->duty : 100;

	while (!atomic_load(&c->stop)) {
		uint64_t t0 = wc_now_ns(CLOCK_MONOTONIC), rest;

		run_op(a->u, &a->w);
		rest = (wc_now_ns(CLOCK_MONOTONIC) - t0) * (100 - duty) / duty / 1000;
		if (rest)
			usleep(rest > 100000 ? 100000 : (useconds_t)rest);
	}
	return NULL;
}


/* Probes every unit that may run (all of them for --list). */
static void probe_units(struct ctx *c)
{
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		if (!u->enabled && !c->o->list)
			continue;
		u->present = u->d->probe(c, u->why, u->note) == 0;
	}
}

/* A reader's buffer: pagemap entries, the mincore vector of the largest
 * region, PAGEMAP_SCAN regions, file reads. */
static size_t reader_buf_len(struct ctx *c)
{
	size_t n = c->all.len / PG;

	if (n < MAX_PAGEMAP_ENTRIES * 8)
		n = MAX_PAGEMAP_ENTRIES * 8;
	return n < 65536 ? 65536 : n;
}

/* secs seconds from now on CLOCK_MONOTONIC */
static struct timespec deadline_in(double secs)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)secs;
	t.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (t.tv_nsec >= 1000000000L)
		t.tv_sec++, t.tv_nsec -= 1000000000L;
	return t;
}

/* Starts the splitter and reader threads, sleeps until the deadline, then
 * stops and joins them; s gets the start values. 0, or -1 when the threads
 * could not start (said). */
static int run_threads(struct ctx *c, struct summary *s)
{
	const struct stress_opts *o = c->o;
	struct worker *readers = calloc(o->threads, sizeof(*readers));
	struct splitter_arg *splitters = calloc(c->nunits, sizeof(*splitters));
	pthread_t *tids = calloc(o->threads + c->nunits, sizeof(*tids));
	uint64_t seed = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)c->pid;
	size_t nthreads = 0, bufl = reader_buf_len(c);
	struct timespec deadline;
	int rc = 0;

	if (!readers || !splitters || !tids) {
		wc_err("stress: out of memory");
		rc = -1;
		goto out;
	}
	s->ahp0 = anon_huge_kb(c);
	read_vmstat(s->vm0);
	deadline = deadline_in(o->duration);
	for (size_t i = 0; i < c->nunits && !rc; i++) {
		struct splitter_arg *a = &splitters[i];

		if (c->units[i].d->kind != SPLITTER || !runnable(&c->units[i]))
			continue;
		a->u = &c->units[i];
		a->w = (struct worker){ .c = c, .rng = seed + 7919 * (i + 1) };
		rc = pthread_create(&tids[nthreads], NULL, splitter_main, a) ? -1 : 0;
		nthreads += !rc;
	}
	for (int i = 0; i < o->threads && !rc; i++) {
		struct worker *w = &readers[i];

		*w = (struct worker){ .c = c, .rng = seed + 104729 * (i + 1), .buflen = bufl };
		w->buf = malloc(bufl);
		rc = !w->buf || pthread_create(&tids[nthreads], NULL, reader_main, w) ? -1 : 0;
		nthreads += !rc;
	}
	if (rc)
		wc_err("stress: cannot start a thread");
	while (!rc && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR)
		;
	atomic_store(&c->stop, true);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
out:
	for (int i = 0; readers && i < o->threads; i++)
		free(readers[i].buf);
	free(readers);
	free(splitters);
	free(tids);
	return rc;
}

/* A non-zero xorshift64* state from the seed and a stream number. */
static uint64_t seed_state(uint64_t seed, uint64_t stream)
{
	uint64_t x = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ (stream + 1) * 0xBF58476D1CE4E5B9ULL;

	return x ? x : 1;
}

/*
 * --seed: one thread, o->ops draws among the units that do not depend on
 * timing, in the order the seed picks; s gets the start values. Every
 * enabled unit takes part in the draw, present or not, and each unit has
 * its own random stream, so that the same seed runs the same operations of
 * the units two kernels share (a unit this kernel lacks draws a no-op).
 */
static int run_seeded(struct ctx *c, struct summary *s)
{
	struct worker draw = { .c = c, .rng = seed_state(c->o->seed, 0) };
	struct worker *w = calloc(c->nunits, sizeof(*w));
	struct unit **pick = calloc(c->nunits, sizeof(*pick));
	size_t n = 0, buflen = reader_buf_len(c);
	char *buf = malloc(buflen);

	if (!w || !pick || !buf) {
		wc_err("stress: out of memory");
		free(w);
		free(pick);
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < c->nunits; i++) {
		struct unit *u = &c->units[i];

		w[i] = (struct worker){ .c = c, .rng = seed_state(c->o->seed, i + 1), .buf = buf,
					.buflen = buflen };
		if (!u->enabled)
			continue;
		if (u->d->timing) {
			if (u->present) {
				u->enabled = false;
				snprintf(u->note, TEXT, "not in a seeded run: its effect depends on timing");
			}
			continue;
		}
		pick[n++] = u;
	}
	s->ahp0 = anon_huge_kb(c);
	read_vmstat(s->vm0);
	for (unsigned long k = 0; n && k < c->o->ops; k++) {
		struct unit *u = pick[rnd(&draw, n)];

		if (runnable(u))
			run_op(u, &w[u - c->units]);
	}
	free(w);
	free(pick);
	free(buf);
	return 0;
}

int stress_run(const struct stress_opts *o)
{
	struct ctx c = { .o = o, .pagemap_fd = -1, .pid = getpid() };
	struct summary s = { .ok = true };
	int rc = WC_EXIT_FAIL;

	if (units_init(&c))
		goto out;
	read_thp_state(&c);
	if (map_arenas(&c)) {
		wc_err("stress: cannot map the %zu MiB arena: %s", o->size >> 20, strerror(errno));
		goto out;
	}
	c.pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	probe_units(&c);
	if (o->list) {
		print_list(&c);
		rc = WC_EXIT_OK;
		goto out;
	}
	if (o->seeded ? run_seeded(&c, &s) : run_threads(&c, &s))
		goto out;
	read_vmstat(s.vm1);
	s.ahp1 = anon_huge_kb(&c);
	for (size_t i = 0; i < c.nunits; i++)
		if (runnable(&c.units[i]) && atomic_load(&c.units[i].errors))
			s.ok = false;
	if (!o->quiet || o->json)
		print_summary(&c, &s);
	else
		print_failures(&c);
	rc = s.ok ? WC_EXIT_OK : WC_EXIT_ANOMALY;
out:
	if (c.pagemap_fd >= 0)
		close(c.pagemap_fd);
	if (c.resv)
		munmap(c.resv, c.resv_len);
	free(c.units);
	return rc;
}
