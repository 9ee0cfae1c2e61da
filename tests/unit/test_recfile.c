// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Record file tests: round trip, truncation at every byte, random
 * corruption, header validation, zcat compatibility, writer errors.
 * Run it under -fsanitize=address,undefined as well.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "check.h"
#include "evpack.h"
#include "grow.h"
#include "recfile.h"

static char dir[200];

static char *tmp(const char *name)
{
	static char bufs[8][256];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 256, "%s/%s", dir, name);
	return b;
}

/* deterministic PRNG, so failures reproduce */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void make_event(struct wc_event *ev, unsigned i)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1000000000ull + i * 1000ull;
	ev->walk = 0xffff888000000000ull + (i / 16) * 0x100;
	ev->mm = 0xffff888100000000ull;
	ev->ops = 0xffffffff82000000ull + (i % 3) * 0x40;
	ev->start = 0x7f0000000000ull + i * 4096ull;
	ev->end = ev->start + 4096;
	ev->value = rnd() & 0xffffffffffull;	/* some entropy against trivial compression */
	ev->ret = (i % 7) ? 0 : -11;
	ev->pid = 1234;
	ev->tid = 1235 + i % 2;
	ev->cpu = i % 2;
	ev->depth = -1;
	ev->type = WC_EV_VISIT;
	ev->slot = i % 10;
	ev->kind = WC_K_PTE_ENTRY;
	ev->action = WC_ACT_SUBTREE;
	ev->cls = WC_CLS_TABLE;
	ev->flags = WC_F_ENTRY_SEEN;
	snprintf(ev->comm, sizeof(ev->comm), "task%u", i % 5);
}

static struct json_object *make_header(void)
{
	char *argv[] = { "walkcov", "record", "-o", "x.data", "--", "./stress", NULL };
	struct json_object *h = wc_hdr_new(4, argv, "fentry");

	wc_hdr_set_command(h, 1, argv + 5);
	for (unsigned s = 0; s < 10; s++) {
		char name[32];

		snprintf(name, sizeof(name), "func_%u", s);
		wc_hdr_add_slot(h, s, name, NULL, s == 0 ? WC_R_WALK : WC_R_CALLBACK,
				s == 0 ? "walk" : "callback", WC_K_PTE_ENTRY, "fentry");
	}
	return h;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n = file_size(path);
	unsigned char *b;

	if (!f || n < 0)
		abort();
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const void *b, size_t len)
{
	FILE *f;

	/* a fresh inode: ext4 flushes a file truncated and rewritten on close */
	unlink(path);
	f = fopen(path, "wb");

	if (!f || fwrite(b, 1, len, f) != len || fclose(f))
		abort();
}

/* ---- the reference file ---- */

#define NEV 1200
static struct wc_event events[NEV];
/* file size after each explicit flush, and events written by then */
static long flush_size[NEV];
static unsigned flush_events[NEV];
static unsigned nflush;

static void write_reference(const char *path)
{
	char err[256];
	struct json_object *h = make_header();
	struct wc_writer *w = wc_writer_open(path, h, err, sizeof(err));
	struct wc_rec_end end = { 999, 5, 7, 123456789 };
	unsigned i;

	check(w != NULL, "writer opens %s", w ? path : err);
	json_object_put(h);
	if (!w)
		exit(1);
	for (i = 0; i < NEV; i++) {
		make_event(&events[i], i);
		if (i % 500 == 0)
			wc_writer_symbol(w, events[i].ops, "ops_a");
		wc_writer_symbol(w, 0xffffffff82000000ull, "walk_ops_0");
		wc_writer_symbol(w, 0xffffffff82000040ull, "walk_ops_1");
		wc_writer_event(w, &events[i]);
		if (i % 400 == 399) {
			struct wc_rec_lost l = { i, i / 2, events[i].ts_ns };

			wc_writer_lost(w, &l);
		}
		if (i % 40 == 39) {
			wc_writer_flush(w);
			flush_size[nflush] = file_size(path);
			flush_events[nflush++] = i + 1;
		}
	}
	check(wc_writer_events(w) == NEV, "writer counts events");
	check(wc_writer_close(w, &end, "{\"prog_misses\":{\"fentry/walk_page_range\":7}}",
			      err, sizeof(err)) == 0, "writer closes");
}

struct readout {
	unsigned events, symbols, lost, ends;
	bool prefix_ok;		/* every event equals the reference at its index */
	bool truncated;
	int ret;		/* 1: ok to end, -1 read error, -2 open error */
	char err[512];
	struct wc_rec_end end;
	char extra[256];
};

static void read_all(const char *path, struct readout *o)
{
	struct wc_reader *r;
	struct wc_record rec;
	int k;

	memset(o, 0, sizeof(*o));
	o->prefix_ok = true;
	r = wc_reader_open(path, o->err, sizeof(o->err));
	if (!r) {
		o->ret = -2;
		return;
	}
	while ((k = wc_reader_next(r, &rec)) > 0) {
		switch (rec.type) {
		case WC_REC_EVENT:
			if (o->events >= NEV || memcmp(rec.data, &events[o->events], sizeof(events[0])))
				o->prefix_ok = false;
			o->events++;
			break;
		case WC_REC_SYMBOL: {
			uint64_t a;
			const char *n;

			if (wc_rec_symbol(&rec, &a, &n) == 0)
				o->symbols++;
			break;
		}
		case WC_REC_LOST:
			o->lost++;
			break;
		case WC_REC_END: {
			struct json_object *x;

			o->ends++;
			wc_rec_end(&rec, &o->end, &x);
			if (x)
				snprintf(o->extra, sizeof(o->extra), "%s",
					 json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN));
			json_object_put(x);
			break;
		}
		}
	}
	o->ret = k == 0 ? 1 : -1;
	if (k < 0)
		snprintf(o->err, sizeof(o->err), "%s", wc_reader_error(r));
	o->truncated = wc_reader_truncated(r);
	if (o->events != wc_reader_events(r))
		o->prefix_ok = false;
	wc_reader_close(r);
}

static void test_roundtrip(const char *path)
{
	struct readout o;
	char err[256], buf[256];
	struct wc_reader *r = wc_reader_open(path, err, sizeof(err));
	struct json_object *h;

	check(r != NULL, "roundtrip: reopen (%s)", r ? "" : err);
	if (!r)
		return;
	h = wc_reader_header(r);
	check(wc_hdr_u64(h, "event_size") == sizeof(struct wc_event), "roundtrip: event_size");
	check(wc_hdr_u64(h, "version") == WC_FILE_VERSION, "roundtrip: version");
	check(wc_hdr_u64(h, "monotonic_start_ns") > 0, "roundtrip: monotonic start");
	check(wc_hdr_str(h, "kernel") && wc_hdr_str(h, "machine") && wc_hdr_str(h, "hostname"),
	      "roundtrip: kernel, machine, hostname");
	check(wc_hdr_str(h, "start_time") && strlen(wc_hdr_str(h, "start_time")) == 27,
	      "roundtrip: ISO start time %s", wc_hdr_str(h, "start_time"));
	check(wc_hdr_str(h, "mechanism") && !strcmp(wc_hdr_str(h, "mechanism"), "fentry"),
	      "roundtrip: mechanism");
	check(!strcmp(wc_hdr_argv(h, "cmdline", buf, sizeof(buf)), "walkcov record -o x.data"),
	      "roundtrip: cmdline '%s'", buf);
	check(!strcmp(wc_hdr_argv(h, "command", buf, sizeof(buf)), "./stress"),
	      "roundtrip: command '%s'", buf);
	check(wc_hdr_slot_name(h, 7) && !strcmp(wc_hdr_slot_name(h, 7), "func_7"),
	      "roundtrip: plan slot 7 name");
	check(wc_hdr_slot_name(h, 70) == NULL, "roundtrip: absent slot gives NULL");
	check(wc_hdr_u64(wc_hdr_slot(h, 0), "role") == WC_R_WALK, "roundtrip: slot role");
	wc_reader_close(r);

	read_all(path, &o);
	check(o.ret == 1 && !o.truncated, "roundtrip: clean end (%s)", o.err);
	check(o.events == NEV && o.prefix_ok, "roundtrip: %u events identical", o.events);
	/* ops_a once, walk_ops_0 and walk_ops_1 once each: dedup by address */
	check(o.symbols == 3, "roundtrip: symbols deduplicated (%u)", o.symbols);
	check(o.lost == NEV / 400, "roundtrip: %u lost records", o.lost);
	check(o.ends == 1 && o.end.events == NEV && o.end.ringbuf_drops == 5 &&
	      o.end.recursion_misses == 7 && o.end.duration_ns == 123456789,
	      "roundtrip: trailer values (events from the writer's count)");
	check(strstr(o.extra, "walk_page_range") != NULL, "roundtrip: trailer JSON '%s'", o.extra);
}

/* Parse a raw record stream (what zcat prints). Returns events or -1. */
static long count_stream(const unsigned char *p, size_t n)
{
	size_t off = 0;
	long ev = 0;

	while (off + 8 <= n) {
		uint32_t t, l;

		memcpy(&t, p + off, 4);
		memcpy(&l, p + off + 4, 4);
		t = le32toh(t);
		l = le32toh(l);
		if (off + 8 + l > n)
			return -1;
		if (t == WC_REC_EVENTS) {
			/* u32 count, then packed events (evpack.h) */
			static struct wc_evpack pk;
			struct wc_event e;
			uint32_t k;
			size_t at = off + 12, used;

			if (l < 4)
				return -1;
			memcpy(&k, p + off + 8, 4);
			wc_evpack_reset(&pk);
			for (k = le32toh(k); k; k--, ev++, at += used) {
				used = wc_evpack_decode(&pk, p + at, off + 8 + l - at, &e);
				if (!used || ev >= NEV || memcmp(&e, &events[ev], sizeof(e)))
					return -1;
			}
			if (at != off + 8 + l)
				return -1;
		}
		off += 8 + l;
		if (t == WC_REC_END)
			return off == n ? ev : -1;
	}
	return -1;
}

static void test_zcat(const char *path)
{
	size_t len, cap = 1 << 20, got = 0;
	unsigned char *b = slurp(path, &len), *out = malloc(cap);
	uint32_t hlen;
	char cmd[512];
	FILE *p;
	z_stream zs = { 0 };
	int ret;

	memcpy(&hlen, b + 12, 4);
	hlen = le32toh(hlen);
	/* the exact command docs/file-format.md gives */
	snprintf(cmd, sizeof(cmd), "tail -c +$((16+%u+1)) '%s' | zcat", hlen, path);
	p = popen(cmd, "r");
	while (p && !feof(p)) {
		if (wc_grow(&out, &cap, got + 1, 1, cap))
			abort();
		got += fread(out + got, 1, cap - got, p);
	}
	check(p && pclose(p) == 0, "zcat: exits 0");
	check(count_stream(out, got) == NEV, "zcat: record stream parses with %d events",
	      (int)count_stream(out, got));

	/* and with plain zlib, independently of the reader */
	inflateInit2(&zs, 15 + 16);
	zs.next_in = b + 16 + hlen;
	zs.avail_in = (uInt)(len - 16 - hlen);
	got = 0;
	do {
		if (wc_grow(&out, &cap, got + 1, 1, cap))
			abort();
		zs.next_out = out + got;
		zs.avail_out = (uInt)(cap - got);
		ret = inflate(&zs, Z_NO_FLUSH);
		got = cap - zs.avail_out;
	} while (ret == Z_OK);
	check(ret == Z_STREAM_END && zs.avail_in == 0, "zlib: one gzip member ends the file");
	check(count_stream(out, got) == NEV, "zlib: record stream has the events");
	inflateEnd(&zs);
	free(out);
	free(b);
}

/*
 * Every byte of the header, the first 4 KiB of data, the last 64 bytes and
 * 16 bytes around each flush; every 11th byte elsewhere (all of them take
 * a minute, this takes seconds and keeps the boundaries).
 */
static bool interesting_cut(size_t n, size_t len, size_t data)
{
	if (n < data + 4096 || n + 64 >= len || n % 11 == 0)
		return true;
	for (unsigned f = 0; f < nflush; f++) {
		if ((long)n >= flush_size[f] - 16 && (long)n <= flush_size[f] + 16)
			return true;
	}
	return false;
}

static void test_truncation(const char *path)
{
	size_t len;
	unsigned char *b = slurp(path, &len);
	const char *cut = tmp("cut.data");
	uint32_t hlen;
	unsigned bad = 0, header_errs = 0, truncs = 0, full = 0, flush_bad = 0, tested = 0;

	memcpy(&hlen, b + 12, 4);
	hlen = le32toh(hlen);
	for (size_t n = 0; n <= len; n++) {
		struct readout o;

		if (!interesting_cut(n, len, 16 + hlen))
			continue;
		tested++;

		spit(cut, b, n);
		read_all(cut, &o);
		if (n < 16 + hlen) {
			/* inside the uncompressed header: must refuse to open */
			if (o.ret != -2)
				bad++;
			else
				header_errs++;
			continue;
		}
		/* a cut gzip stream is never reported as corrupt */
		if (o.ret != 1 || !o.prefix_ok || o.events > NEV) {
			if (bad++ < 5)
				printf("# cut at %zu: ret %d events %u prefix %d err %s\n", n,
				       o.ret, o.events, o.prefix_ok, o.err);
			continue;
		}
		if (o.truncated)
			truncs++;
		else
			full++;
		/* everything flushed before the cut point is readable */
		for (unsigned f = 0; f < nflush; f++) {
			if (flush_size[f] <= (long)n && o.events < flush_events[f])
				flush_bad++;
		}
		/* a complete END implies all the events */
		if (!o.truncated && (o.events != NEV || o.ends != 1))
			bad++;
	}
	check(bad == 0, "truncation: %u of %zu cut points, %u header errors, %u truncated, %u complete, %u bad",
	      tested, len + 1, header_errs, truncs, full, bad);
	check(flush_bad == 0 && nflush > 10, "truncation: data before each of %u flushes survives a cut",
	      nflush);
	/* the cut right after the last explicit flush has exactly those events */
	spit(cut, b, (size_t)flush_size[nflush - 1]);
	{
		struct readout o;

		read_all(cut, &o);
		check(o.truncated && o.events == flush_events[nflush - 1],
		      "truncation: cut at last flush gives %u events", o.events);
	}
	free(b);
}

static void test_corruption(const char *path)
{
	size_t len;
	unsigned char *b = slurp(path, &len), *c = malloc(len);
	const char *cor = tmp("corrupt.data");
	unsigned open_err = 0, read_err = 0, tolerated = 0, bad_msg = 0, bad_tolerated = 0;

	for (int it = 0; it < 1500; it++) {
		struct readout o;
		int flips = 1 + (int)(rnd() % 4);

		memcpy(c, b, len);
		for (int k = 0; k < flips; k++)
			c[rnd() % len] ^= (unsigned char)(1 + rnd() % 255);
		spit(cor, c, len);
		read_all(cor, &o);
		if (o.ret == -2) {
			open_err++;
		} else if (o.ret == -1) {
			read_err++;
			if (!strstr(o.err, "offset"))
				bad_msg++;
		} else {
			/* only unchecked bytes (header values, gzip mtime/OS) can be hit */
			tolerated++;
			/* a file read as truncated was warned about (its last
			 * deflate block can be cut short before the CRC is
			 * reached); one read as complete must be intact */
			if (!o.truncated && (o.events != NEV || !o.prefix_ok))
				bad_tolerated++;
		}
	}
	check(bad_tolerated == 0, "corruption: a tolerated file reads all events intact");
	check(bad_msg == 0, "corruption: read errors name a byte offset");
	check(read_err > 0 && open_err > 0, "corruption: 1500 files: %u open errors, %u read errors, %u tolerated",
	      open_err, read_err, tolerated);
	free(c);
	free(b);
}

/* Build a file from a header JSON text and a raw record stream. */
static void craft(const char *path, uint32_t version, const char *json,
		  const void *stream, size_t slen, bool gz)
{
	FILE *f = fopen(path, "wb");
	uint32_t v = htole32(version), n = htole32((uint32_t)strlen(json));

	fwrite(WC_FILE_MAGIC, 1, 8, f);
	fwrite(&v, 4, 1, f);
	fwrite(&n, 4, 1, f);
	fwrite(json, 1, strlen(json), f);
	if (gz) {
		z_stream zs = { 0 };
		unsigned char out[1 << 16];

		deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)(uintptr_t)stream;
		zs.avail_in = (uInt)slen;
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		deflate(&zs, Z_FINISH);
		fwrite(out, 1, sizeof(out) - zs.avail_out, f);
		deflateEnd(&zs);
	}
	fclose(f);
}

static size_t put_rec(unsigned char *p, uint32_t type, uint32_t len, const void *data,
		      size_t dlen)
{
	uint32_t t = htole32(type), l = htole32(len);

	memcpy(p, &t, 4);
	memcpy(p + 4, &l, 4);
	memcpy(p + 8, data, dlen);
	return 8 + dlen;
}

static char good_json[256];

static void expect_open_error(const char *name, const char *want)
{
	struct readout o;

	read_all(tmp(name), &o);
	check(o.ret == -2 && strstr(o.err, want), "%s: '%s'", name, o.err);
}

static void test_headers(void)
{
	struct readout o;
	unsigned char stream[4096];
	size_t n = 0;
	char js[256];
	struct wc_rec_end end = { 0 };

	snprintf(good_json, sizeof(good_json),
		 "{\"format\":\"walkcov\",\"version\":2,\"event_size\":%zu,\"event_version\":%d}",
		 sizeof(struct wc_event), WC_EVENT_VERSION);

	spit(tmp("empty"), "", 0);
	expect_open_error("empty", "not a walkcov file");
	spit(tmp("magic"), "GARBAGE\0\1\0\0\0\2\0\0\0{}", 18);
	expect_open_error("magic", "not a walkcov file");
	spit(tmp("short"), "WALK", 4);
	expect_open_error("short", "not a walkcov file");
	craft(tmp("version"), 7, good_json, NULL, 0, false);
	expect_open_error("version", "unsupported version 7");
	snprintf(js, sizeof(js), "{\"event_size\":96,\"event_version\":%d}", WC_EVENT_VERSION);
	craft(tmp("evsize"), WC_FILE_VERSION, js, NULL, 0, false);
	{
		char want[64];

		snprintf(want, sizeof(want), "event size 96, expected %zu", sizeof(struct wc_event));
		expect_open_error("evsize", want);
	}
	snprintf(js, sizeof(js), "{\"event_size\":%zu,\"event_version\":9}", sizeof(struct wc_event));
	craft(tmp("evversion"), WC_FILE_VERSION, js, NULL, 0, false);
	expect_open_error("evversion", "event version 9");
	craft(tmp("badjson"), WC_FILE_VERSION, "{\"event_size\":", NULL, 0, false);
	expect_open_error("badjson", "corrupt header");
	craft(tmp("notobject"), WC_FILE_VERSION, "[1,2]", NULL, 0, false);
	expect_open_error("notobject", "corrupt header");

	/* header only: opens, reads nothing, reports truncation */
	craft(tmp("hdronly"), WC_FILE_VERSION, good_json, NULL, 0, false);
	read_all(tmp("hdronly"), &o);
	check(o.ret == 1 && o.truncated && o.events == 0, "header-only: truncated, 0 events");

	/* not gzip after the header: a data error with an offset */
	{
		FILE *f;

		craft(tmp("notgz"), WC_FILE_VERSION, good_json, NULL, 0, false);
		f = fopen(tmp("notgz"), "ab");
		fputs("this is not gzip data at all, no no no", f);
		fclose(f);
		read_all(tmp("notgz"), &o);
		check(o.ret == -1 && strstr(o.err, "file offset"), "not gzip: '%s'", o.err);
	}

	/* unknown record types with a sane length are skipped */
	n = put_rec(stream, 99, 5, "abcde", 5);
	n += put_rec(stream + n, WC_REC_EVENT, sizeof(struct wc_event), &events[0],
		     sizeof(struct wc_event));
	end.events = htole64(1);
	n += put_rec(stream + n, WC_REC_END, sizeof(end), &end, sizeof(end));
	craft(tmp("unknown"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("unknown"), &o);
	check(o.ret == 1 && !o.truncated && o.events == 1 && o.prefix_ok && o.ends == 1,
	      "unknown record type skipped (%s)", o.err);

	/* unknown type with an insane length: error with an offset */
	n = put_rec(stream, WC_REC_EVENT, sizeof(struct wc_event), &events[0],
		    sizeof(struct wc_event));
	n += put_rec(stream + n, 1234, 0xfffffff0u, "", 0);
	craft(tmp("insane"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("insane"), &o);
	{
		char want[64];

		snprintf(want, sizeof(want), "stream offset %zu", 8 + sizeof(struct wc_event));
		check(o.ret == -1 && o.events == 1 && strstr(o.err, want),
		      "insane length: '%s'", o.err);
	}

	/* an EVENT of the wrong size */
	n = put_rec(stream, WC_REC_EVENT, 50, events, 50);
	craft(tmp("evlen"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("evlen"), &o);
	check(o.ret == -1 && strstr(o.err, "length 50"), "bad EVENT length: '%s'", o.err);

	/* a SYMBOL name without its NUL */
	n = put_rec(stream, WC_REC_SYMBOL, 12, "\1\2\3\4\5\6\7\10abcd", 12);
	craft(tmp("symnul"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("symnul"), &o);
	check(o.ret == -1 && strstr(o.err, "not terminated"), "unterminated SYMBOL: '%s'", o.err);

	/* a trailer that disagrees with the events read */
	end.events = htole64(5);
	n = put_rec(stream, WC_REC_END, sizeof(end), &end, sizeof(end));
	craft(tmp("badend"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("badend"), &o);
	check(o.ret == -1 && strstr(o.err, "counts 5 events"), "trailer count mismatch: '%s'", o.err);

	/* records after END */
	end.events = 0;
	n = put_rec(stream, WC_REC_END, sizeof(end), &end, sizeof(end));
	n += put_rec(stream + n, WC_REC_EVENT, sizeof(struct wc_event), &events[0],
		     sizeof(struct wc_event));
	craft(tmp("afterend"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("afterend"), &o);
	check(o.ret == -1 && strstr(o.err, "after the END"), "data after END: '%s'", o.err);

	/* a gzip member with no END record: truncated, not an error */
	n = put_rec(stream, WC_REC_EVENT, sizeof(struct wc_event), &events[0],
		    sizeof(struct wc_event));
	craft(tmp("noend"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("noend"), &o);
	check(o.ret == 1 && o.truncated && o.events == 1, "finished member without END: truncated");
}

/* Packed events (evpack.h): any bytes round-trip, a cut never decodes. */
static void test_evpack(void)
{
	static struct wc_evpack enc, dec;
	static struct wc_event in[4000], out;
	static unsigned char buf[4000 * WC_EVPACK_MAX];
	size_t len = 0, at = 0, n, max = 0;
	unsigned bad = 0, cuts_ok = 1;

	/* half realistic (a few tasks, shared fields), half random bytes */
	for (unsigned i = 0; i < 4000; i++) {
		if (i % 2) {
			for (size_t b = 0; b < sizeof(in[i]); b++)
				((unsigned char *)&in[i])[b] = (unsigned char)rnd();
		} else {
			make_event(&in[i], i);
			in[i].tid = 100 + rnd() % 5;
			in[i].seq = i / 7;
			in[i].walk_id = i / 70;
			in[i].pad[1] = (i % 200 == 0);
		}
	}
	wc_evpack_reset(&enc);
	wc_evpack_reset(&dec);
	for (unsigned i = 0; i < 4000; i++) {
		n = wc_evpack_encode(&enc, &in[i], buf + len);
		max = n > max ? n : max;
		len += n;
	}
	for (unsigned i = 0; i < 4000; i++) {
		n = wc_evpack_decode(&dec, buf + at, len - at, &out);
		if (!n || memcmp(&out, &in[i], sizeof(out)))
			bad++;
		at += n ? n : len;
	}
	check(!bad && at == len, "evpack: 4000 events (half random bytes) round-trip, %u differ", bad);
	check(max <= WC_EVPACK_MAX, "evpack: largest event %zu bytes <= %d", max, WC_EVPACK_MAX);

	/* every proper prefix of an event is refused (ASan: never read past it) */
	for (unsigned i = 1; i < 4000; i += 97) {
		unsigned char one[WC_EVPACK_MAX];

		wc_evpack_reset(&enc);
		n = wc_evpack_encode(&enc, &in[i], one);
		for (size_t cut = 0; cut < n; cut++) {
			unsigned char *copy = malloc(cut ? cut : 1);

			memcpy(copy, one, cut);
			wc_evpack_reset(&dec);
			if (wc_evpack_decode(&dec, copy, cut, &out))
				cuts_ok = 0;
			free(copy);
		}
	}
	check(cuts_ok, "evpack: a cut event never decodes");
}

/* EVENTS blocks: the reader checks their counts; old files still read. */
static void test_blocks(void)
{
	static struct wc_evpack pk;
	unsigned char stream[8192], blk[4 + 3 * WC_EVPACK_MAX];
	struct wc_rec_end end = { 0 };
	struct readout o;
	size_t n, b = 4;
	uint32_t cnt;
	char v2json[256];

	wc_evpack_reset(&pk);
	for (int i = 0; i < 2; i++)
		b += wc_evpack_encode(&pk, &events[i], blk + b);

	/* a block that claims 3 events but holds 2 */
	cnt = htole32(3);
	memcpy(blk, &cnt, 4);
	n = put_rec(stream, WC_REC_EVENTS, (uint32_t)b, blk, b);
	craft(tmp("blkshort"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("blkshort"), &o);
	check(o.ret == -1 && o.events == 2 && o.prefix_ok && strstr(o.err, "corrupt event block"),
	      "block with fewer events than its count: '%s'", o.err);

	/* ... one that holds more bytes than its events */
	cnt = htole32(1);
	memcpy(blk, &cnt, 4);
	n = put_rec(stream, WC_REC_EVENTS, (uint32_t)b, blk, b);
	craft(tmp("blklong"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("blklong"), &o);
	check(o.ret == -1 && strstr(o.err, "bytes after its 1 events"),
	      "block with bytes after its events: '%s'", o.err);

	/* ... and a count no block of that size can hold */
	cnt = htole32(0);
	memcpy(blk, &cnt, 4);
	n = put_rec(stream, WC_REC_EVENTS, (uint32_t)b, blk, b);
	craft(tmp("blkzero"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("blkzero"), &o);
	check(o.ret == -1 && o.events == 0 && strstr(o.err, "0 events in"),
	      "block of 0 events: '%s'", o.err);

	/* a good block, then the trailer */
	cnt = htole32(2);
	memcpy(blk, &cnt, 4);
	n = put_rec(stream, WC_REC_EVENTS, (uint32_t)b, blk, b);
	end.events = htole64(2);
	n += put_rec(stream + n, WC_REC_END, sizeof(end), &end, sizeof(end));
	craft(tmp("blkgood"), WC_FILE_VERSION, good_json, stream, n, true);
	read_all(tmp("blkgood"), &o);
	check(o.ret == 1 && !o.truncated && o.events == 2 && o.prefix_ok, "a crafted block reads");

	/* version 2 (raw EVENT records) is still read; version 1 is not */
	snprintf(v2json, sizeof(v2json),
		 "{\"format\":\"walkcov\",\"version\":2,\"event_size\":%zu,\"event_version\":%d}",
		 sizeof(struct wc_event), WC_EVENT_VERSION);
	n = 0;
	for (int i = 0; i < 3; i++)
		n += put_rec(stream + n, WC_REC_EVENT, sizeof(struct wc_event), &events[i],
			     sizeof(struct wc_event));
	end.events = htole64(3);
	n += put_rec(stream + n, WC_REC_END, sizeof(end), &end, sizeof(end));
	craft(tmp("v2"), 2, v2json, stream, n, true);
	read_all(tmp("v2"), &o);
	check(o.ret == 1 && !o.truncated && o.events == 3 && o.prefix_ok,
	      "version 2 file (raw events) reads: %u events (%s)", o.events, o.err);
	craft(tmp("v1"), 1, v2json, stream, n, true);
	expect_open_error("v1", "unsupported version 1 (this walkcov reads versions 2 to 3)");
}

/* A sink that counts what a replay gives it. */
static int cb_begins, cb_events, cb_ends, cb_trailers, cb_stop_at;

static int on_begin(struct wc_sink *s, struct json_object *hdr)
{
	(void)s;
	cb_begins += hdr != NULL;
	return 0;
}

static int on_event(struct wc_sink *s, const struct wc_event *ev)
{
	(void)s;
	(void)ev;
	return ++cb_events == cb_stop_at ? 42 : 0;
}

static int on_end(struct wc_sink *s, const struct wc_rec_end *e, struct json_object *extra)
{
	(void)s;
	(void)extra;
	cb_ends++;
	cb_trailers += e != NULL;
	return 0;
}

static void cb_reset(int stop_at)
{
	cb_begins = cb_events = cb_ends = cb_trailers = 0;
	cb_stop_at = stop_at;
}

/* run wc_replay with stderr captured */
static int replay_capture(const char *path, struct wc_sink *cb, char *msg, size_t size)
{
	const char *log = tmp("stderr.txt");
	int saved = dup(2), ret;
	FILE *f;
	size_t n;

	fflush(stderr);
	if (!freopen(log, "w", stderr))
		abort();
	ret = wc_replay(path, cb);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(log, "r");
	n = fread(msg, 1, size - 1, f);
	msg[n] = 0;
	fclose(f);
	return ret;
}

static void test_replay(const char *path)
{
	struct wc_sink cb = { .begin = on_begin, .event = on_event, .end = on_end };
	char msg[1024], want[512];
	size_t len;
	unsigned char *b = slurp(path, &len);
	int ret;

	cb_reset(0);
	ret = replay_capture(path, &cb, msg, sizeof(msg));
	check(ret == 0 && cb_begins == 1 && cb_events == NEV && cb_ends == 1 && cb_trailers == 1 &&
	      msg[0] == 0, "replay: complete file, silent, begin and end with the trailer once");

	spit(tmp("cut2.data"), b, (size_t)flush_size[4]);
	cb_reset(0);
	ret = replay_capture(tmp("cut2.data"), &cb, msg, sizeof(msg));
	snprintf(want, sizeof(want), "walkcov: %s: truncated after %u events (no trailer); "
		 "results cover what was written\n", tmp("cut2.data"), flush_events[4]);
	check(ret == 1 && cb_events == (int)flush_events[4] && !strcmp(msg, want),
	      "replay: truncation warning: %.*s", (int)strcspn(msg, "\n"), msg);
	check(cb_ends == 1 && cb_trailers == 0, "replay: truncated file ends without a trailer");

	cb_reset(0);
	ret = replay_capture(tmp("version"), &cb, msg, sizeof(msg));
	check(ret == -1 && !strncmp(msg, "walkcov: ", 9) && strchr(msg, '\n') == msg + strlen(msg) - 1,
	      "replay: one error line: %.*s", (int)strcspn(msg, "\n"), msg);
	check(cb_begins == 0 && cb_ends == 0, "replay: a file that does not open neither begins nor ends");

	cb_reset(10);
	ret = replay_capture(path, &cb, msg, sizeof(msg));
	check(ret == 42 && cb_events == 10 && cb_ends == 1 && cb_trailers == 0,
	      "replay: callback stops it, the sink still ends (without trailer)");
	free(b);
}

static void test_writer_errors(void)
{
	char err[256];
	struct json_object *h = make_header();
	struct wc_writer *w = wc_writer_open("/nonexistent/dir/x.data", h, err, sizeof(err));

	check(w == NULL && strstr(err, "No such file"), "writer: open error '%s'", err);
	w = wc_writer_open("/dev/full", h, err, sizeof(err));
	/* the header write fails at once on /dev/full */
	check(w == NULL && strstr(err, "No space"), "writer: /dev/full '%s'", err);
	json_object_put(h);
}

static void test_no_trailer_writer(void)
{
	char err[256];
	struct json_object *h = make_header();
	struct wc_writer *w = wc_writer_open(tmp("notrailer"), h, err, sizeof(err));
	struct readout o;

	for (int i = 0; i < 10; i++)
		wc_writer_event(w, &events[i]);
	wc_writer_close(w, NULL, NULL, err, sizeof(err));
	json_object_put(h);
	read_all(tmp("notrailer"), &o);
	check(o.ret == 1 && o.truncated && o.events == 10 && o.prefix_ok,
	      "writer closed without END: truncated with all 10 events");
}

static void test_size_flush(void)
{
	/* no explicit flush: the record count trigger must still sync */
	char err[256];
	struct json_object *h = make_header();
	const char *p = tmp("bigflush");
	struct wc_writer *w = wc_writer_open(p, h, err, sizeof(err));
	struct readout o;
	long sz;

	for (int i = 0; i < WC_FLUSH_RECORDS; i++)
		wc_writer_event(w, &events[i % NEV]);
	sz = file_size(p);
	{
		size_t len;
		unsigned char *b = slurp(p, &len);

		spit(tmp("bigflush.cut"), b, len);
		free(b);
	}
	wc_writer_close(w, NULL, NULL, err, sizeof(err));
	json_object_put(h);
	read_all(tmp("bigflush.cut"), &o);
	check(sz > 0 && o.truncated && o.events == WC_FLUSH_RECORDS && o.ret == 1,
	      "writer: record-count flush leaves %u of %d events readable while open",
	      o.events, WC_FLUSH_RECORDS);
}

static void test_time_flush(void)
{
	/* records written more than 100 ms after the last flush trigger one */
	char err[256];
	struct json_object *h = make_header();
	const char *p = tmp("timeflush");
	struct wc_writer *w = wc_writer_open(p, h, err, sizeof(err));
	struct readout o;
	size_t len;
	unsigned char *b;

	for (int i = 0; i < 100; i++)
		wc_writer_event(w, &events[i]);
	usleep(150 * 1000);
	for (int i = 100; i < 128; i++)
		wc_writer_event(w, &events[i]);
	b = slurp(p, &len);
	spit(tmp("timeflush.cut"), b, len);
	free(b);
	wc_writer_close(w, NULL, NULL, err, sizeof(err));
	json_object_put(h);
	read_all(tmp("timeflush.cut"), &o);
	check(o.truncated && o.events == 128, "writer: time flush after 100 ms (%u of 128 events)",
	      o.events);
}

static void test_symtab(void)
{
	struct wc_symtab *t = wc_symtab_new();
	int ok = 1;

	for (uint64_t i = 0; i < 1000; i++) {
		char n[32];

		snprintf(n, sizeof(n), "s%llu", (unsigned long long)i);
		ok &= wc_symtab_add(t, 0xffffffff81000000ull + i * 64, n) == 1;
	}
	ok &= wc_symtab_add(t, 0xffffffff81000000ull, "other") == 0;
	ok &= !strcmp(wc_symtab_name(t, 0xffffffff81000000ull + 999 * 64), "s999");
	ok &= !strcmp(wc_symtab_name(t, 0xffffffff81000000ull), "s0");
	ok &= wc_symtab_name(t, 1) == NULL;
	check(ok, "symtab: add, dedup, lookup");
	wc_symtab_free(t);
}

static unsigned file_mode(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode & 07777;
}

/* Issue 9: the output is 0600, never through a symlink, never over a file
 * (kept as .old); only a file walkcov created is ever removed. */
static void test_output_file(void)
{
	char err[256], old[300], target[300];
	struct json_object *h = make_header();
	const char *p = tmp("out.data");
	struct wc_file_sink f;
	struct wc_writer *w;
	struct stat st;
	long first;

	w = wc_writer_open(p, h, err, sizeof(err));
	wc_writer_close(w, NULL, NULL, err, sizeof(err));
	check(file_mode(p) == 0600, "output: created mode 0600 (got %o)", file_mode(p));
	first = file_size(p);
	chmod(p, 0666);
	w = wc_writer_open(p, h, err, sizeof(err));
	wc_writer_event(w, &events[0]);
	wc_writer_close(w, NULL, NULL, err, sizeof(err));
	snprintf(old, sizeof(old), "%s.old", p);
	check(file_mode(p) == 0600 && file_mode(old) == 0666 && file_size(old) == first &&
	      file_size(p) > first, "output: an existing 0666 file is kept as .old, the new one is 0600");

	snprintf(target, sizeof(target), "%s", tmp("precious"));
	spit(target, "precious", 8);
	chmod(target, 0644);
	if (symlink(target, tmp("link.data")))
		perror("symlink");
	w = wc_writer_open(tmp("link.data"), h, err, sizeof(err));
	check(w == NULL && strstr(err, "link.data: is a symbolic link; walkcov does not write "
				       "through one (give the target's path)") &&
	      file_size(target) == 8 && file_mode(target) == 0644,
	      "output: a symlink is refused, its target untouched ('%s')", err);

	wc_file_sink_init(&f, "/dev/null");
	check(wc_sink_begin(&f.sink, h) == 0 && !f.created, "output: /dev/null is written in place");
	wc_sink_end(&f.sink, NULL, NULL);
	wc_file_sink_discard(&f);
	check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode),
	      "output: discarding leaves /dev/null alone");

	wc_file_sink_init(&f, tmp("discard.data"));
	wc_sink_begin(&f.sink, h);
	wc_sink_end(&f.sink, NULL, NULL);
	wc_file_sink_discard(&f);
	check(file_mode(tmp("discard.data")) == 0, "output: a file walkcov created is discarded");

	wc_file_sink_init(&f, tmp("swapped.data"));
	wc_sink_begin(&f.sink, h);
	wc_sink_end(&f.sink, NULL, NULL);
	spit(tmp("other"), "other", 5);
	rename(tmp("other"), tmp("swapped.data"));
	wc_file_sink_discard(&f);
	check(file_size(tmp("swapped.data")) == 5,
	      "output: a file put there since is not discarded");
	json_object_put(h);
}

int main(void)
{
	char ref[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s/wc_test_recfile.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ref, sizeof(ref), "%s", tmp("ref.data"));
	write_reference(ref);
	test_roundtrip(ref);
	test_zcat(ref);
	test_truncation(ref);
	test_corruption(ref);
	test_headers();
	test_evpack();
	test_blocks();
	test_replay(ref);
	test_writer_errors();
	test_output_file();
	test_no_trailer_writer();
	test_size_flush();
	test_time_flush();
	test_symtab();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
