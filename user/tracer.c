// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "walkcov.skel.h"

struct wc_tracer {
	struct walkcov_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **links;
	int n_links;
	int mech;
	int attached;
	int slot_target[WC_MAX_SLOTS];	/* plan index of each slot, -1 if free */
	struct wc_plan *plan;
	const struct wc_tracer_opts *opts;
};

/* libbpf's messages: kept quiet unless verbose, but the last failing program
 * is remembered so a single bad target can be dropped and the load retried. */
static bool print_verbose;
static char failed_prog[64];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[256];
	const char *p;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (level == LIBBPF_WARN && (p = strstr(line, "prog '"))) {
		size_t n = strcspn(p + 6, "'");

		if (n < sizeof(failed_prog)) {
			memcpy(failed_prog, p + 6, n);
			failed_prog[n] = '\0';
		}
	}
	if (print_verbose && level != LIBBPF_DEBUG)
		vfprintf(stderr, fmt, ap);	/* whole verifier logs, not cut */
	return 0;
}

static struct bpf_program *slot_prog(struct walkcov_bpf *skel, const char *kind, int slot)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%d", kind, slot);
	return bpf_object__find_program_by_name(skel->obj, name);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct wc_tracer *t = ctx;

	if (size < sizeof(struct wc_event))
		return 0;
	return t->opts->on_event ? t->opts->on_event(data, t->opts->ctx) : 0;
}

/* Open the skeleton and give every used target a slot. */
static int prepare(struct wc_tracer *t)
{
	struct wc_plan *plan = t->plan;
	struct bpf_program *prog;
	bool need_kprobe = false;
	int slot = 0;

	t->skel = walkcov_bpf__open();
	if (!t->skel)
		return -errno;
	bpf_map__set_max_entries(t->skel->maps.events, t->opts->ring_size);
	t->skel->rodata->target_tgid = t->opts->target_tgid;
	/* debugging aid: report splits of non-huge pmds too */
	t->skel->rodata->emit_all_splits = getenv("WALKCOV_ALL_SPLITS") != NULL;
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		t->slot_target[i] = -1;

	bpf_object__for_each_program(prog, t->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (int i = 0; i < plan->n; i++) {
		struct wc_target *tg = &plan->t[i];

		if (!tg->use)
			continue;
		if (slot == WC_MAX_SLOTS) {
			tg->use = false;
			snprintf(tg->why, sizeof(tg->why), "no free slot (%d max)", WC_MAX_SLOTS);
			continue;
		}
		t->skel->rodata->slots[slot] = tg->slot;
		t->slot_target[slot] = i;
		if (wc_tracer_target_mech(t, tg) == WC_MECH_KPROBE)
			need_kprobe = true;
		else {
			const char *kinds[] = { "fentry", "fexit" };

			for (int k = 0; k < 2; k++) {
				prog = slot_prog(t->skel, kinds[k], slot);
				bpf_program__set_autoload(prog, true);
				bpf_program__set_attach_target(prog, 0, tg->name);
			}
		}
		slot++;
	}
	if (need_kprobe) {
		bpf_program__set_autoload(t->skel->progs.kprobe_entry, true);
		bpf_program__set_autoload(t->skel->progs.kretprobe_exit, true);
	}
	bpf_program__set_autoload(t->skel->progs.follow_fork, t->opts->target_tgid != 0);
	bpf_program__set_autoload(t->skel->progs.forget_task, true);
	return slot ? 0 : -ENOENT;
}

static int attach_all(struct wc_tracer *t)
{
	t->links = calloc(2 * WC_MAX_SLOTS + 2, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	/* exiting tasks leave the tracer's task table (bpf: forget_task) */
	t->links[t->n_links] = bpf_program__attach(t->skel->progs.forget_task);
	if (!t->links[t->n_links])
		return -errno;
	t->n_links++;
	if (t->opts->target_tgid) {
		__u32 tgid = t->opts->target_tgid;
		__u8 one = 1;
		struct bpf_link *l;

		/* follow the target's children before any walk is traced */
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tracked_tgids), &tgid, &one, BPF_ANY))
			return -errno;
		l = bpf_program__attach(t->skel->progs.follow_fork);
		if (!l)
			return -errno;
		t->links[t->n_links++] = l;
	}
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		int i = t->slot_target[slot];
		struct bpf_link *l[2] = { NULL, NULL };

		if (i < 0)
			continue;
		if (wc_tracer_target_mech(t, &t->plan->t[i]) == WC_MECH_FENTRY) {
			l[0] = bpf_program__attach(slot_prog(t->skel, "fentry", slot));
			l[1] = bpf_program__attach(slot_prog(t->skel, "fexit", slot));
		} else {
			LIBBPF_OPTS(bpf_kprobe_opts, o, .bpf_cookie = slot);

			l[0] = bpf_program__attach_kprobe_opts(t->skel->progs.kprobe_entry,
							       t->plan->t[i].name, &o);
			o.retprobe = true;
			l[1] = bpf_program__attach_kprobe_opts(t->skel->progs.kretprobe_exit,
							       t->plan->t[i].name, &o);
		}
		if (!l[0] || !l[1]) {
			int e = errno;

			bpf_link__destroy(l[0]);
			bpf_link__destroy(l[1]);
			t->plan->t[i].use = false;
			snprintf(t->plan->t[i].why, sizeof(t->plan->t[i].why),
				 "%s attach failed: %s",
				 wc_mech_name(wc_tracer_target_mech(t, &t->plan->t[i])), strerror(e));
			continue;
		}
		t->links[t->n_links++] = l[0];
		t->links[t->n_links++] = l[1];
		t->attached++;
	}
	return t->attached ? 0 : -ENOENT;
}

/* Attach and detach one kprobe, if any target needs kprobes: 0 or -errno. */
static int try_kprobe(struct wc_tracer *t)
{
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		int i = t->slot_target[slot];
		struct bpf_link *l;

		if (i < 0 || wc_tracer_target_mech(t, &t->plan->t[i]) != WC_MECH_KPROBE)
			continue;
		l = bpf_program__attach_kprobe(t->skel->progs.kprobe_entry, false, t->plan->t[i].name);
		if (!l)
			return -errno;
		bpf_link__destroy(l);
		return 0;
	}
	return 0;
}

/* The kernel refused fentry for one function (e.g. its BTF prototype): that
 * target falls back to the kprobe pair. False if no single program failed. */
static bool fallback_failed_prog(struct wc_tracer *t, int err)
{
	struct wc_target *tg;
	int slot;

	if (sscanf(failed_prog, "fentry_%d", &slot) != 1 &&
	    sscanf(failed_prog, "fexit_%d", &slot) != 1)
		return false;
	if (slot < 0 || slot >= WC_MAX_SLOTS || t->slot_target[slot] < 0)
		return false;
	tg = &t->plan->t[t->slot_target[slot]];
	tg->mech = WC_MECH_KPROBE;
	snprintf(tg->why, sizeof(tg->why), "fentry refused (%s), kprobe used", strerror(-err));
	return true;
}

/* Load with MECH. A function whose fentry program alone fails moves to
 * kprobes and the load is retried; a global refusal (EPERM) is returned. */
static int load(struct wc_tracer *t, int mech)
{
	int err;

	for (int tries = 0; tries < 16; tries++) {
		t->mech = mech;
		err = prepare(t);
		if (err)
			return err;
		failed_prog[0] = '\0';
		err = walkcov_bpf__load(t->skel);
		if (!err)
			return 0;
		err = -errno;
		walkcov_bpf__destroy(t->skel);
		t->skel = NULL;
		if (err == -EPERM || err == -EACCES || mech != WC_MECH_FENTRY ||
		    !fallback_failed_prog(t, err))
			return err;
	}
	return err;
}

static void lockdown_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char line[128] = "", *a, *b;

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) && (b = strchr(a, ']'))) {
		*b = '\0';
		snprintf(buf, len, "%s", a + 1);
	}
	fclose(f);
}

/* Why the kernel refused fentry (EPERM has three usual causes). */
static void fentry_reason(int err, char *buf, size_t len)
{
	char lock[32];

	if (err != -EPERM && err != -EACCES) {
		snprintf(buf, len, "fentry/fexit load failed (%s)", strerror(-err));
		return;
	}
	if (geteuid() != 0) {
		snprintf(buf, len, "fentry/fexit refused (%s): not root (needs CAP_BPF and CAP_PERFMON)",
			 strerror(-err));
		return;
	}
	lockdown_mode(lock, sizeof(lock));
	if (strcmp(lock, "none") && strcmp(lock, "unknown"))
		snprintf(buf, len, "fentry/fexit refused (%s): kernel lockdown is '%s'",
			 strerror(-err), lock);
	else if (!strcmp(lock, "unknown"))
		snprintf(buf, len, "fentry/fexit refused (%s; lockdown state unknown: "
			 "securityfs not mounted at /sys/kernel/security)", strerror(-err));
	else
		snprintf(buf, len, "fentry/fexit refused (%s)", strerror(-err));
}

/* The one line for a kernel that refuses both mechanisms. */
static void refused(char *err, size_t errlen, const char *why_f, const char *why_k)
{
	snprintf(err, errlen, "cannot trace on this kernel: %s%s%s", why_f, *why_f ? "; " : "", why_k);
}

static void kprobe_reason(int err, char *buf, size_t len)
{
	if (access("/sys/bus/event_source/devices/kprobe", F_OK) &&
	    access("/sys/kernel/tracing/kprobe_events", F_OK) &&
	    access("/sys/kernel/debug/tracing/kprobe_events", F_OK))
		snprintf(buf, len, "kprobes unavailable (kernel built without CONFIG_KPROBES)");
	else
		snprintf(buf, len, "kprobes failed (%s)", strerror(-err));
}

struct wc_tracer *wc_tracer_open(const struct wc_tracer_opts *opts, char *err, size_t errlen)
{
	struct wc_tracer *t = calloc(1, sizeof(*t));
	char why_f[200] = "", why_k[200] = "";
	int e = -ENOENT;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->opts = opts;
	t->plan = opts->plan;
	print_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

	if (!wc_plan_used(t->plan)) {
		snprintf(err, errlen, "no attach point found on this kernel (see 'walkcov probes')");
		goto fail;
	}
	if (opts->force_mech != WC_MECH_KPROBE) {
		e = load(t, WC_MECH_FENTRY);
		if (!e)
			goto loaded;
		fentry_reason(e, why_f, sizeof(why_f));
	}
	e = load(t, WC_MECH_KPROBE);
	if (!e)
		goto loaded;
	kprobe_reason(e, why_k, sizeof(why_k));
	refused(err, errlen, why_f, why_k);
	goto fail;
loaded:
	if (opts->load_only) {
		/* kprobe programs load even where kprobes cannot attach */
		e = try_kprobe(t);
		if (!e)
			return t;
		kprobe_reason(e, why_k, sizeof(why_k));
		if (t->mech == WC_MECH_KPROBE) {
			refused(err, errlen, why_f, why_k);
			goto fail;
		}
		for (int i = 0; i < t->plan->n; i++)
			if (t->plan->t[i].use && t->plan->t[i].mech == WC_MECH_KPROBE) {
				t->plan->t[i].use = false;
				snprintf(t->plan->t[i].why, sizeof(t->plan->t[i].why),
					 "fentry refused, and %s", why_k);
			}
		return t;
	}
	e = attach_all(t);
	if (e && t->mech == WC_MECH_KPROBE) {
		kprobe_reason(e, why_k, sizeof(why_k));
		refused(err, errlen, why_f, why_k);
		goto fail;
	}
	if (e) {
		snprintf(err, errlen, "cannot attach any program (%s)", strerror(-e));
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	wc_tracer_close(t);
	return NULL;
}

int wc_tracer_mech(const struct wc_tracer *t)
{
	return t->mech;
}

int wc_tracer_attached(const struct wc_tracer *t)
{
	return t->attached;
}

int wc_tracer_target_mech(const struct wc_tracer *t, const struct wc_target *tg)
{
	return t->mech == WC_MECH_KPROBE ? WC_MECH_KPROBE : tg->mech ? tg->mech : WC_MECH_FENTRY;
}

int wc_tracer_slot_target(const struct wc_tracer *t, int slot)
{
	return slot >= 0 && slot < WC_MAX_SLOTS ? t->slot_target[slot] : -1;
}

int wc_tracer_poll(struct wc_tracer *t, int timeout_ms)
{
	int n;

	if (!t->rb)
		return 0;
	n = ring_buffer__poll(t->rb, timeout_ms);

	return n == -EINTR ? 0 : n;
}

static __u64 prog_misses(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = prog ? bpf_program__fd(prog) : -1;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

void wc_tracer_lost(struct wc_tracer *t, struct wc_lost *lost)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wc_stats *st;
	__u32 zero = 0;

	memset(lost, 0, sizeof(*lost));
	if (!t || !t->skel || ncpu <= 0)
		return;
	st = calloc(ncpu, sizeof(*st));
	if (st && !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stats), &zero, st)) {
		for (int i = 0; i < ncpu; i++) {
			lost->ringbuf_drops += st[i].ringbuf_drops;
			lost->stash_drops += st[i].stash_drops;
			lost->events += st[i].events;
		}
	}
	free(st);

	lost->per_prog = calloc(WC_MAX_SLOTS + 1, sizeof(*lost->per_prog));
	for (int slot = 0; slot <= WC_MAX_SLOTS; slot++) {
		__u64 m;
		const char *name;

		if (slot == WC_MAX_SLOTS) {	/* the shared kprobe pair */
			if (bpf_program__fd(t->skel->progs.kprobe_entry) < 0)
				break;
			m = prog_misses(t->skel->progs.kprobe_entry) +
			    prog_misses(t->skel->progs.kretprobe_exit);
			name = "kprobe/kretprobe";
		} else {
			if (t->slot_target[slot] < 0 ||
			    wc_tracer_target_mech(t, &t->plan->t[t->slot_target[slot]]) != WC_MECH_FENTRY)
				continue;
			m = prog_misses(slot_prog(t->skel, "fentry", slot)) +
			    prog_misses(slot_prog(t->skel, "fexit", slot));
			name = t->plan->t[t->slot_target[slot]].name;
		}
		lost->recursion_misses += m;
		if (m && lost->per_prog) {
			struct wc_prog_miss *pm = &lost->per_prog[lost->n_per_prog++];

			snprintf(pm->name, sizeof(pm->name), "%s", name);
			pm->misses = m;
		}
	}
}

void wc_tracer_close(struct wc_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	for (int i = 0; i < t->n_links; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	walkcov_bpf__destroy(t->skel);
	free(t);
}

