// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov script output: see script.h and docs/file-format.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "coverage.h"
#include "errors.h"
#include "fmt.h"
#include "grow.h"
#include "kaddr.h"
#include "recfile.h"
#include "script.h"

#define MAX_SLOTS 65536		/* wc_event.slot is a u16 */

struct wc_script {
	bool json;
	uint64_t start_ns;
	char **slot_names;	/* indexed by slot, grown on demand */
	size_t nslots;
	struct wc_symtab *syms;
};

static const char *const type_names[] = {
	[WC_EV_WALK_BEGIN] = "walk_begin", [WC_EV_WALK_END] = "walk_end",
	[WC_EV_CHUNK_BEGIN] = "chunk_begin", [WC_EV_CHUNK_END] = "chunk_end",
	[WC_EV_VMA_SKIP] = "vma_skip", [WC_EV_VISIT] = "visit",
	[WC_EV_LEVEL] = "level", [WC_EV_SPLIT] = "split", [WC_EV_ANOMALY] = "anomaly",
	[WC_EV_QUIET] = "quiet",
};

const char *wc_event_type_name(unsigned type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

static void set_slot_name(struct wc_script *s, unsigned slot, const char *name)
{
	if (slot >= MAX_SLOTS || !name)
		return;
	if (slot >= s->nslots) {
		size_t old = s->nslots;

		if (wc_grow(&s->slot_names, &s->nslots, (size_t)slot + 1, sizeof(*s->slot_names),
			    128))
			return;
		memset(s->slot_names + old, 0, (s->nslots - old) * sizeof(*s->slot_names));
	}
	free(s->slot_names[slot]);
	s->slot_names[slot] = strdup(name);
}

struct wc_script *wc_script_new(struct json_object *hdr, bool json)
{
	struct wc_script *s = calloc(1, sizeof(*s));
	struct json_object *plan;

	if (!s)
		return NULL;
	s->json = json;
	s->syms = wc_symtab_new();
	if (!s->syms) {
		free(s);
		return NULL;
	}
	s->start_ns = wc_hdr_u64(hdr, "monotonic_start_ns");
	if (hdr && json_object_object_get_ex(hdr, "plan", &plan) &&
	    json_object_is_type(plan, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(plan); i++) {
			struct json_object *e = json_object_array_get_idx(plan, i), *v;

			if (json_object_object_get_ex(e, "slot", &v) &&
			    json_object_is_type(v, json_type_int))
				set_slot_name(s, (unsigned)json_object_get_int(v),
							wc_hdr_str(e, "name"));
		}
	}
	return s;
}

void wc_script_free(struct wc_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		free(s->slot_names[i]);
	free(s->slot_names);
	wc_symtab_free(s->syms);
	free(s);
}

void wc_script_symbol(struct wc_script *s, uint64_t addr, const char *name)
{
	wc_symtab_add(s->syms, addr, name);
}

/* ---- formatting helpers ---- */

static const char *slot_name(const struct wc_script *s, unsigned slot, char *buf, size_t size)
{
	if (slot < s->nslots && s->slot_names[slot])
		return s->slot_names[slot];
	snprintf(buf, size, "slot%u", slot);
	return buf;
}

static const char *ops_name(const struct wc_script *s, uint64_t ops, char *buf, size_t size)
{
	return wc_ops_name(s->syms, ops, "-", buf, size);
}

static const char *nz(const char *s)
{
	return s ? s : "?";
}

static double rel_s(const struct wc_script *s, uint64_t ts)
{
	return wc_rel_s(ts, s->start_ns);
}

static bool has_action(unsigned type)
{
	return type == WC_EV_VISIT || type == WC_EV_LEVEL;
}

static bool has_class(unsigned type)
{
	return type == WC_EV_VISIT || type == WC_EV_SPLIT || type == WC_EV_QUIET;
}

/* WALK_BEGIN, CHUNK_BEGIN: value is the ops' callbacks (WC_OPS_*) */
static bool has_ops_mask(const struct wc_event *ev)
{
	return (ev->type == WC_EV_WALK_BEGIN || ev->type == WC_EV_CHUNK_BEGIN) &&
	       (ev->flags & WC_F_OPS_MASK);
}

/* "pmd,pte_hole,hugetlb": the callbacks of an ops mask ("-": none) */
static const char *ops_mask_text(uint64_t mask, char *buf, size_t size)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ WC_OPS_PGD, "pgd" }, { WC_OPS_P4D, "p4d" }, { WC_OPS_PUD, "pud" },
		{ WC_OPS_PMD, "pmd" }, { WC_OPS_PTE, "pte" }, { WC_OPS_HOLE, "pte_hole" },
		{ WC_OPS_HUGETLB, "hugetlb" }, { WC_OPS_TEST, "test_walk" },
		{ WC_OPS_INSTALL, "install_pte" }, { WC_OPS_VMA_HUGETLB, "vma_hugetlb" },
		{ WC_OPS_VMA_PFNMAP, "vma_pfnmap" },
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(mask & bits[i].bit) || n >= size)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", bits[i].name);
		mask &= ~bits[i].bit;
	}
	if (mask && n < size)	/* bits this walkcov does not know */
		snprintf(buf + n, size - n, "%s0x%" PRIx64, n ? "," : "", mask);
	else if (!n)
		snprintf(buf, size, "-");
	return buf;
}

/* A page-table level by number: 0 pgd .. 4 pte (pte_hole and quiet depths). */
static const char *level_name(int depth)
{
	static const char *const names[] = { "pgd", "p4d", "pud", "pmd", "pte" };

	return depth >= 0 && depth <= 4 ? names[depth] : "?";
}

/* WC_EV_QUIET: what the tracer found in the page tables of the range:
 * "none depth=pmd", "present(huge)@0x7f..." or "not read" */
static const char *quiet_text(const struct wc_event *ev, char *buf, size_t size)
{
	if (ev->cls == WC_CLS_NONE)
		snprintf(buf, size, "none depth=%s", level_name(ev->depth));
	else if (ev->cls == WC_CLS_UNKNOWN)
		snprintf(buf, size, "not read");
	else
		snprintf(buf, size, "present(%s)@0x%" PRIx64 " depth=%s", nz(wc_class_name(ev->cls)),
			 (uint64_t)ev->value, level_name(ev->depth));
	return buf;
}

static bool has_ret(unsigned type)
{
	return type == WC_EV_WALK_END || type == WC_EV_CHUNK_END || type == WC_EV_VISIT ||
	       type == WC_EV_LEVEL;
}

static const char *flags_text(unsigned flags, char *buf, size_t size)
{
	static const char *const names[] = { "lower", "novma", "seen", "kprobe", "nested", "nowalk",
					     "opsmask", "inferred" };
	const unsigned nnames = sizeof(names) / sizeof(names[0]);
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < 8 && n < size; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (i < nnames)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", names[i]);
		else
			n += (size_t)snprintf(buf + n, size - n, "%s0x%x", n ? "," : "", 1u << i);
	}
	return buf;
}

static int done(FILE *out)
{
	return ferror(out) ? -1 : 0;
}

static int put_json(FILE *out, struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), out);
	fputc('\n', out);
	json_object_put(o);
	return done(out);
}

/* ---- records ---- */

static int event_json(FILE *out, struct wc_script *s, const struct wc_event *ev)
{
	struct json_object *o = json_object_new_object();
	char comm[WC_COMM_LEN + 1], nb[32], sb[32], fb[160], tb[32];

	wc_clean_comm(comm, ev->comm);
	wc_json_add_str(o, "record", "event");
	snprintf(tb, sizeof(tb), "%.9f", rel_s(s, ev->ts_ns));
	json_object_object_add(o, "time", json_object_new_double_s(rel_s(s, ev->ts_ns), tb));
	wc_json_add_u64(o, "ts_ns", ev->ts_ns);
	wc_json_add_str(o, "comm", comm);
	wc_json_add_u64(o, "pid", ev->pid);
	wc_json_add_u64(o, "tid", ev->tid);
	wc_json_add_u64(o, "cpu", ev->cpu);
	wc_json_add_u64(o, "walk_id", ev->walk_id);
	wc_json_add_u64(o, "seq", ev->seq);
	wc_json_add_str(o, "type", wc_event_type_name(ev->type));
	wc_json_add_u64(o, "slot", ev->slot);
	wc_json_add_str(o, "func", slot_name(s, ev->slot, sb, sizeof(sb)));
	wc_json_add_str(o, "kind", nz(wc_kind_name(ev->kind)));
	json_object_object_add(o, "start", wc_json_hex(ev->start));
	json_object_object_add(o, "end", wc_json_hex(ev->end));
	wc_json_add_str(o, "action", nz(wc_action_name(ev->action)));
	wc_json_add_str(o, "cls", nz(wc_class_name(ev->cls)));
	json_object_object_add(o, "ret", json_object_new_int64(ev->ret));
	wc_json_add_str(o, "ops", ops_name(s, ev->ops, nb, sizeof(nb)));
	json_object_object_add(o, "ops_addr", wc_kaddr_json(ev->ops));
	json_object_object_add(o, "walk", wc_kaddr_json(ev->walk));
	json_object_object_add(o, "mm", wc_kaddr_json(ev->mm));
	json_object_object_add(o, "vma", wc_kaddr_json(ev->vma));
	json_object_object_add(o, "value", wc_kaddr_json(ev->value));
	json_object_object_add(o, "depth", json_object_new_int(ev->depth));
	wc_json_add_str(o, "flags", flags_text(ev->flags, fb, sizeof(fb)));
	if (has_ops_mask(ev))
		wc_json_add_str(o, "ops_mask", ops_mask_text(ev->value, fb, sizeof(fb)));
	if (ev->type == WC_EV_ANOMALY)
		wc_json_add_str(o, "anomaly", nz(wc_anomaly_name((uint32_t)ev->value)));
	if (ev->type == WC_EV_QUIET)
		wc_json_add_str(o, "found", quiet_text(ev, fb, sizeof(fb)));
	return put_json(out, o);
}

int wc_script_print_event(FILE *out, struct wc_script *s, const struct wc_event *ev)
{
	char comm[WC_COMM_LEN + 1], nb[WC_KADDR_LEN], sb[32], fb[160], rb[32], wb[WC_KADDR_LEN];
	unsigned t = ev->type;

	if (s->json)
		return event_json(out, s, ev);
	wc_clean_comm(comm, ev->comm);
	if (has_ret(t))
		snprintf(rb, sizeof(rb), "%" PRId64, (int64_t)ev->ret);
	else
		snprintf(rb, sizeof(rb), "-");
	fprintf(out, "%16s %7u/%-7u [%03u] %14.9f: %-11s %-26s %-12s [0x%" PRIx64 ", 0x%" PRIx64
		") %-8s %-7s ret=%s ops=%s walk=%s wid=%" PRIu64 " seq=%u",
		*comm ? comm : "-", ev->pid, ev->tid, ev->cpu, rel_s(s, ev->ts_ns),
		wc_event_type_name(t), slot_name(s, ev->slot, sb, sizeof(sb)),
		ev->kind ? nz(wc_kind_name(ev->kind)) : "-", (uint64_t)ev->start, (uint64_t)ev->end,
		has_action(t) ? nz(wc_action_name(ev->action)) : "-",
		has_class(t) ? nz(wc_class_name(ev->cls)) : "-", rb,
		ops_name(s, ev->ops, nb, sizeof(nb)), wc_kaddr(ev->walk, wb, sizeof(wb)),
		(uint64_t)ev->walk_id, ev->seq);
	if (has_ops_mask(ev))
		fprintf(out, " opsmask=%s", ops_mask_text(ev->value, fb, sizeof(fb)));
	else if (t == WC_EV_ANOMALY)
		fprintf(out, " anomaly=%s count=%" PRId64, nz(wc_anomaly_name((uint32_t)ev->value)),
			(int64_t)ev->ret);
	else if (t == WC_EV_QUIET)
		fprintf(out, " quiet %s", quiet_text(ev, fb, sizeof(fb)));
	else if (ev->value)
		fprintf(out, " val=%s", wc_kaddr(ev->value, wb, sizeof(wb)));
	if (ev->kind == WC_K_PTE_HOLE)
		fprintf(out, " depth=%d", ev->depth);
	if (ev->flags)
		fprintf(out, " flags=%s", flags_text(ev->flags, fb, sizeof(fb)));
	fputc('\n', out);
	return done(out);
}

int wc_script_print_header(FILE *out, struct wc_script *s, struct json_object *hdr)
{
	char cmd[512];

	if (!hdr)
		return 0;
	if (s->json) {
		struct json_object *o = json_object_new_object();

		wc_json_add_str(o, "record", "header");
		json_object_object_add(o, "header", json_object_get(hdr));
		return put_json(out, o);
	}
	fprintf(out, "# walkcov recording, started %s on %s\n", nz(wc_hdr_str(hdr, "start_time")),
		nz(wc_hdr_str(hdr, "hostname")));
	fprintf(out, "# kernel: %s %s, mechanism: %s\n", nz(wc_hdr_str(hdr, "kernel")),
		nz(wc_hdr_str(hdr, "machine")), nz(wc_hdr_str(hdr, "mechanism")));
	wc_hdr_argv(hdr, "command", cmd, sizeof(cmd));
	fprintf(out, "# command: %s\n", *cmd ? cmd : "(system-wide)");
	fprintf(out, "# %16s %15s %5s %14s  %-11s %-26s %-12s %s\n", "comm", "pid/tid", "cpu",
		"time", "event", "function", "kind", "[start, end) action class ret ops walk wid seq");
	return done(out);
}

int wc_script_print_symbol(FILE *out, struct wc_script *s, uint64_t addr, const char *name)
{
	char ab[WC_KADDR_LEN];

	wc_script_symbol(s, addr, name);
	if (s->json) {
		struct json_object *o = json_object_new_object();

		wc_json_add_str(o, "record", "symbol");
		json_object_object_add(o, "addr", wc_kaddr_json(addr));
		wc_json_add_str(o, "name", name);
		return put_json(out, o);
	}
	fprintf(out, "# symbol %s %s\n", wc_kaddr(addr, ab, sizeof(ab)), name);
	return done(out);
}

int wc_script_print_lost(FILE *out, struct wc_script *s, const struct wc_rec_lost *l)
{
	if (s->json) {
		struct json_object *o = json_object_new_object();

		wc_json_add_str(o, "record", "lost");
		wc_json_add_u64(o, "ringbuf_drops", l->ringbuf_drops);
		wc_json_add_u64(o, "recursion_misses", l->recursion_misses);
		wc_json_add_u64(o, "ts_ns", l->ts_ns);
		return put_json(out, o);
	}
	fprintf(out, "# lost at %.9f: %" PRIu64 " ring buffer drops, %" PRIu64
		" programs skipped (cumulative)\n", rel_s(s, l->ts_ns), l->ringbuf_drops,
		l->recursion_misses);
	return done(out);
}

int wc_script_print_end(FILE *out, struct wc_script *s, const struct wc_rec_end *e,
			struct json_object *extra)
{
	if (s->json) {
		struct json_object *o = json_object_new_object();

		wc_json_add_str(o, "record", "end");
		wc_json_add_u64(o, "events", e->events);
		wc_json_add_u64(o, "ringbuf_drops", e->ringbuf_drops);
		wc_json_add_u64(o, "recursion_misses", e->recursion_misses);
		wc_json_add_u64(o, "duration_ns", e->duration_ns);
		if (extra)
			json_object_object_add(o, "extra", json_object_get(extra));
		return put_json(out, o);
	}
	fprintf(out, "# end: %" PRIu64 " events, %" PRIu64 " ring buffer drops, %" PRIu64
		" programs skipped, %.3f s%s%s\n", e->events, e->ringbuf_drops,
		e->recursion_misses, (double)e->duration_ns / 1e9, extra ? ", " : "",
		extra ? json_object_to_json_string_ext(extra, JSON_C_TO_STRING_PLAIN) : "");
	return done(out);
}

/* ---- the sink ---- */

static struct wc_script_sink *script_sink(struct wc_sink *sink)
{
	return wc_container_of(sink, struct wc_script_sink, sink);
}

/* A failed write (closed pipe) stops the source quietly: returns 2. */
static int out_status(struct wc_script_sink *c, int ret)
{
	if (ret) {
		c->out_failed = true;
		return 2;
	}
	return 0;
}

static int s_begin(struct wc_sink *sink, struct json_object *hdr)
{
	struct wc_script_sink *c = script_sink(sink);

	c->s = wc_script_new(hdr, c->json);
	if (!c->s) {
		wc_err("out of memory");
		return -1;
	}
	return out_status(c, wc_script_print_header(c->out, c->s, hdr));
}

/* the --limit was reached: stops the source */
#define STOP_LIMIT 3

static int s_event(struct wc_sink *sink, const struct wc_event *ev)
{
	struct wc_script_sink *c = script_sink(sink);

	if (c->limit && c->events == c->limit)
		return STOP_LIMIT;
	c->events++;
	return out_status(c, wc_script_print_event(c->out, c->s, ev));
}

static int s_symbol(struct wc_sink *sink, uint64_t addr, const char *name)
{
	struct wc_script_sink *c = script_sink(sink);

	return out_status(c, wc_script_print_symbol(c->out, c->s, addr, name));
}

static int s_lost(struct wc_sink *sink, const struct wc_rec_lost *l)
{
	struct wc_script_sink *c = script_sink(sink);

	return out_status(c, wc_script_print_lost(c->out, c->s, l));
}

static int s_end(struct wc_sink *sink, const struct wc_rec_end *e, struct json_object *extra)
{
	struct wc_script_sink *c = script_sink(sink);

	if (!e || c->out_failed)
		return 0;	/* no trailer: nothing to print */
	return out_status(c, wc_script_print_end(c->out, c->s, e, extra));
}

void wc_script_sink_init(struct wc_script_sink *c, FILE *out, bool json)
{
	*c = (struct wc_script_sink){
		.sink = { .begin = s_begin, .event = s_event, .symbol = s_symbol,
			  .lost = s_lost, .end = s_end, .periodic_lost = true },
		.out = out,
		.json = json,
	};
}

void wc_script_sink_free(struct wc_script_sink *c)
{
	wc_script_free(c->s);
	c->s = NULL;
}

/* ---- replay ---- */

int wc_script_replay(const char *path, bool json, FILE *out)
{
	return wc_script_replay_limit(path, json, 0, out);
}

int wc_script_replay_limit(const char *path, bool json, uint64_t limit, FILE *out)
{
	struct wc_script_sink c;
	int ret;

	wc_script_sink_init(&c, out, json);
	c.limit = limit;
	ret = wc_replay(path, &c.sink);
	if (ret == STOP_LIMIT) {
		wc_err("%s: stopped after %" PRIu64 " events (--limit)", path, limit);
		ret = 0;
	}
	if (!ret || ret == 1) {
		fflush(out);
		if (ferror(out))
			c.out_failed = true;
	}
	wc_script_sink_free(&c);
	if (c.out_failed)
		return -1;	/* main judges the output once (errors.h) */
	return ret == 2 ? -1 : ret;
}
