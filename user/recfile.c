// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The walkcov record file: see recfile.h and docs/file-format.md. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "geometry.h"
#include "clock.h"
#include "errors.h"
#include "evpack.h"
#include "fmt.h"
#include "jsonin.h"
#include "recfile.h"

/* ------------------------------------------------------------------ */
/* header                                                              */

static struct json_object *argv_json(int argc, char **argv)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	return a;
}

/* A string the host gives (uname, hostname) as a JSON string, escaped like
 * everything read from a file: a live report prints it too. */
static json_object *host_string(const char *s)
{
	size_t len = strlen(s), n = wc_escape(NULL, 0, s, len);
	char buf[512];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	wc_escape(buf, n + 1, s, len);
	return json_object_new_string(buf);
}

static void set_fixed_fields(struct json_object *hdr)
{
	json_object_object_add(hdr, "format", json_object_new_string("walkcov"));
	json_object_object_add(hdr, "version", json_object_new_int(WC_FILE_VERSION));
	json_object_object_add(hdr, "event_size",
			       json_object_new_int((int)sizeof(struct wc_event)));
	json_object_object_add(hdr, "event_version", json_object_new_int(WC_EVENT_VERSION));
}

struct json_object *wc_hdr_new(int argc, char **argv, const char *mechanism)
{
	struct json_object *hdr = json_object_new_object();
	struct utsname u;
	char host[256] = "";
	char iso[64] = "";
	uint64_t rt, mono;
	struct tm tm;
	time_t sec;

	set_fixed_fields(hdr);
	if (uname(&u) == 0) {
		json_object_object_add(hdr, "kernel", host_string(u.release));
		json_object_object_add(hdr, "kernel_version", host_string(u.version));
		json_object_object_add(hdr, "machine", host_string(u.machine));
	}
	/* the geometry the events were judged by (user/geometry.h) */
	wc_geometry_from_kernel();
	json_object_object_add(hdr, "page_size", json_object_new_uint64(WC_PAGE_SIZE));
	if (gethostname(host, sizeof(host) - 1) == 0)
		json_object_object_add(hdr, "hostname", host_string(host));
	json_object_object_add(hdr, "cmdline", argv_json(argc, argv));
	json_object_object_add(hdr, "command", NULL);

	/* taken back to back: together they map event ts to wall time */
	rt = wc_now_ns(CLOCK_REALTIME);
	mono = wc_now_ns(CLOCK_MONOTONIC);
	sec = (time_t)(rt / 1000000000ull);
	if (gmtime_r(&sec, &tm)) {
		size_t n = strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);

		snprintf(iso + n, sizeof(iso) - n, ".%06uZ",
			 (unsigned)(rt % 1000000000ull / 1000));
	}
	json_object_object_add(hdr, "start_time", json_object_new_string(iso));
	json_object_object_add(hdr, "start_realtime_ns", json_object_new_uint64(rt));
	json_object_object_add(hdr, "monotonic_start_ns", json_object_new_uint64(mono));
	json_object_object_add(hdr, "mechanism",
			       json_object_new_string(mechanism ? mechanism : "unknown"));
	json_object_object_add(hdr, "plan", json_object_new_array());
	return hdr;
}

void wc_hdr_set_command(struct json_object *hdr, int argc, char **argv)
{
	json_object_object_add(hdr, "command", argc > 0 ? argv_json(argc, argv) : NULL);
}

void wc_hdr_add_slot(struct json_object *hdr, unsigned slot, const char *name,
		     const char *module, unsigned role, const char *role_name, unsigned kind,
		     const char *mechanism)
{
	struct json_object *plan, *s = json_object_new_object();

	if (!json_object_object_get_ex(hdr, "plan", &plan) ||
	    !json_object_is_type(plan, json_type_array)) {
		plan = json_object_new_array();
		json_object_object_add(hdr, "plan", plan);
	}
	json_object_object_add(s, "slot", json_object_new_int((int)slot));
	json_object_object_add(s, "name", json_object_new_string(name ? name : ""));
	if (module && *module)
		json_object_object_add(s, "module", json_object_new_string(module));
	json_object_object_add(s, "role", json_object_new_int((int)role));
	json_object_object_add(s, "role_name", json_object_new_string(role_name ? role_name : "unknown"));
	json_object_object_add(s, "kind", json_object_new_int((int)kind));
	json_object_object_add(s, "mechanism",
			       json_object_new_string(mechanism ? mechanism : ""));
	json_object_array_add(plan, s);
}

const char *wc_hdr_str(struct json_object *hdr, const char *key)
{
	struct json_object *v;

	if (!hdr || !json_object_object_get_ex(hdr, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

uint64_t wc_hdr_u64(struct json_object *hdr, const char *key)
{
	struct json_object *v;

	if (!hdr || !json_object_object_get_ex(hdr, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_uint64(v);
}

const char *wc_hdr_argv(struct json_object *hdr, const char *key, char *buf, size_t size)
{
	struct json_object *a;
	size_t off = 0, n;

	if (!size)
		return NULL;
	buf[0] = 0;
	if (!hdr || !json_object_object_get_ex(hdr, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	n = json_object_array_length(a);
	for (size_t i = 0; i < n && off < size; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		int k = snprintf(buf + off, size - off, "%s%s", i ? " " : "", s ? s : "");

		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

struct json_object *wc_hdr_slot(struct json_object *hdr, unsigned slot)
{
	struct json_object *plan, *s, *v;
	size_t n;

	if (!hdr || !json_object_object_get_ex(hdr, "plan", &plan) ||
	    !json_object_is_type(plan, json_type_array))
		return NULL;
	n = json_object_array_length(plan);
	/* the plan is usually indexed by slot: try that first */
	if (slot < n) {
		s = json_object_array_get_idx(plan, slot);
		if (json_object_object_get_ex(s, "slot", &v) &&
		    json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == (int64_t)slot)
			return s;
	}
	for (size_t i = 0; i < n; i++) {
		s = json_object_array_get_idx(plan, i);
		if (json_object_object_get_ex(s, "slot", &v) &&
		    json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == (int64_t)slot)
			return s;
	}
	return NULL;
}

const char *wc_hdr_slot_name(struct json_object *hdr, unsigned slot)
{
	return wc_hdr_str(wc_hdr_slot(hdr, slot), "name");
}

/* ------------------------------------------------------------------ */
/* writer                                                              */

struct wc_writer {
	int fd;
	bool created;		/* a new regular file (dev, ino) walkcov made */
	dev_t dev;
	ino_t ino;
	char *path;
	z_stream zs;
	bool zinit;
	bool failed;
	bool dirty;		/* records since the last flush */
	uint64_t events;
	uint64_t flush_records, flush_bytes, flush_ns;
	struct wc_symtab *syms;
	struct wc_evpack *pack;	/* the open EVENTS block's encoder state */
	uint32_t bcount;	/* events in the open block */
	size_t blen;		/* its bytes, count included */
	char err[256];
	unsigned char out[1 << 16];
	unsigned char blk[WC_BLOCK_BYTES + WC_EVPACK_MAX];
};

static void werr(struct wc_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void werr(struct wc_writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	w->failed = true;
}

static int write_all(struct wc_writer *w, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t k = write(w->fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;	/* Ctrl-C arrives while writing */
		if (k <= 0) {
			werr(w, "%s: write: %s", w->path, k < 0 ? strerror(errno) : "short write");
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Feed len bytes to deflate with the given flush mode, writing output. */
static int deflate_out(struct wc_writer *w, const void *data, size_t len, int flush)
{
	int ret;

	if (w->failed)
		return -1;
	w->zs.next_in = (Bytef *)(uintptr_t)data;
	w->zs.avail_in = (uInt)len;
	do {
		w->zs.next_out = w->out;
		w->zs.avail_out = sizeof(w->out);
		ret = deflate(&w->zs, flush);
		if (ret == Z_STREAM_ERROR) {
			werr(w, "%s: deflate failed", w->path);
			return -1;
		}
		if (write_all(w, w->out, sizeof(w->out) - w->zs.avail_out))
			return -1;
	} while (w->zs.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
	return 0;
}

static int write_record(struct wc_writer *w, uint32_t type, const void *a, size_t alen,
			const void *b, size_t blen);

/* Write the open EVENTS block, if any: before any other record, at a flush
 * and at close, so the stream keeps the order records were given in. */
static int end_block(struct wc_writer *w)
{
	uint32_t n = htole32(w->bcount);
	size_t len = w->blen;

	if (!w->bcount)
		return w->failed ? -1 : 0;
	memcpy(w->blk, &n, 4);
	w->bcount = 0;
	w->blen = 0;
	return write_record(w, WC_REC_EVENTS, w->blk, len, NULL, 0);
}

int wc_writer_flush(struct wc_writer *w)
{
	if (end_block(w) || w->failed)
		return -1;
	w->flush_ns = wc_now_ns(CLOCK_MONOTONIC);
	if (!w->dirty)
		return 0;
	w->dirty = false;
	w->flush_records = w->flush_bytes = 0;
	return deflate_out(w, NULL, 0, Z_SYNC_FLUSH);
}

static int write_record(struct wc_writer *w, uint32_t type, const void *a, size_t alen,
			const void *b, size_t blen)
{
	struct wc_rec_hdr h = { htole32(type), htole32((uint32_t)(alen + blen)) };

	if (deflate_out(w, &h, sizeof(h), Z_NO_FLUSH) ||
	    deflate_out(w, a, alen, Z_NO_FLUSH) ||
	    (blen && deflate_out(w, b, blen, Z_NO_FLUSH)))
		return -1;
	w->dirty = true;
	if (type != WC_REC_EVENTS)
		w->flush_records++;	/* a block's events were counted one by one */
	w->flush_bytes += sizeof(h) + alen + blen;
	if (w->flush_records >= WC_FLUSH_RECORDS || w->flush_bytes >= WC_FLUSH_BYTES ||
	    ((w->flush_records & 63) == 0 &&
	     wc_now_ns(CLOCK_MONOTONIC) - w->flush_ns >= WC_FLUSH_INTERVAL_NS))
		return wc_writer_flush(w);
	return 0;
}

/*
 * The file holds kernel pointers: it is created 0600, never through a
 * symbolic link, and never over an existing file, which is kept as
 * PATH.old (as perf does). A device or FIFO (-o /dev/null, a named pipe) is
 * written in place and is never walkcov's to remove.
 */
static int create_output(struct wc_writer *w, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *old;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s: is a symbolic link; walkcov does not write "
				 "through one (give the target's path)", path);
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			w->fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			goto opened;
		}
		if (asprintf(&old, "%s.old", path) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		if (rename(path, old)) {
			snprintf(err, errlen, "%s: cannot keep the old file as %s: %s", path, old,
				 strerror(errno));
			free(old);
			return -1;
		}
		free(old);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd >= 0 && fstat(w->fd, &st) == 0) {
		w->created = true;
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
opened:
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct wc_writer *wc_writer_open(const char *path, struct json_object *hdr,
				 char *err, size_t errlen)
{
	struct wc_writer *w = calloc(1, sizeof(*w));
	const char *js;
	unsigned char pre[WC_FILE_PREFIX_LEN];
	uint32_t v;
	size_t jlen;
	char jerr[128];

	if (!w || !(w->path = strdup(path)) || !(w->syms = wc_symtab_new()) ||
	    !(w->pack = malloc(sizeof(*w->pack)))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	w->fd = -1;
	if (strcmp(path, "-") == 0)
		w->fd = STDOUT_FILENO;
	else if (create_output(w, path, err, errlen))
		goto fail;
	set_fixed_fields(hdr);
	js = json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN);
	jlen = strlen(js);
	/* never write a header readers refuse */
	if (wc_json_check_size(js, jlen, WC_HDR_MAX_LEN, jerr, sizeof(jerr))) {
		snprintf(err, errlen, "%s: header too large: %s", path, jerr);
		goto fail;
	}
	memcpy(pre, WC_FILE_MAGIC, WC_FILE_MAGIC_LEN);
	v = htole32(WC_FILE_VERSION);
	memcpy(pre + 8, &v, 4);
	v = htole32((uint32_t)jlen);
	memcpy(pre + 12, &v, 4);
	if (write_all(w, pre, sizeof(pre)) || write_all(w, js, jlen)) {
		snprintf(err, errlen, "%s", w->err);
		goto fail;
	}
	/* windowBits 15 + 16: a gzip wrapper, so zcat reads the stream */
	if (deflateInit2(&w->zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		snprintf(err, errlen, "%s: deflateInit2 failed", path);
		goto fail;
	}
	w->zinit = true;
	w->flush_ns = wc_now_ns(CLOCK_MONOTONIC);
	return w;
fail:
	if (w) {
		if (w->fd > STDOUT_FILENO)
			close(w->fd);
		if (w->created)
			unlink(path);	/* the empty file just made */
		wc_symtab_free(w->syms);
		free(w->pack);
		free(w->path);
		free(w);
	}
	return NULL;
}

int wc_writer_event(struct wc_writer *w, const struct wc_event *ev)
{
	if (w->failed)
		return -1;
	if (!w->bcount) {
		wc_evpack_reset(w->pack);	/* blocks decode on their own */
		w->blen = 4;
	}
	w->blen += wc_evpack_encode(w->pack, ev, w->blk + w->blen);
	w->bcount++;
	w->events++;
	w->flush_records++;	/* an event counts as a record for the flush rules */
	if ((w->bcount >= WC_BLOCK_EVENTS || w->blen >= WC_BLOCK_BYTES) && end_block(w))
		return -1;
	if (w->flush_records >= WC_FLUSH_RECORDS ||
	    ((w->flush_records & 63) == 0 &&
	     wc_now_ns(CLOCK_MONOTONIC) - w->flush_ns >= WC_FLUSH_INTERVAL_NS))
		return wc_writer_flush(w);
	return 0;
}

int wc_writer_symbol(struct wc_writer *w, uint64_t addr, const char *name)
{
	uint64_t le = htole64(addr);
	size_t n = strnlen(name, WC_SYM_MAX_NAME - 1);
	char buf[WC_SYM_MAX_NAME];

	/* a full table only costs duplicate records, never lost ones */
	if (wc_symtab_add(w->syms, addr, name) == 0)
		return w->failed ? -1 : 0;
	if (end_block(w))
		return -1;
	memcpy(buf, name, n);
	buf[n] = 0;
	return write_record(w, WC_REC_SYMBOL, &le, sizeof(le), buf, n + 1);
}

int wc_writer_lost(struct wc_writer *w, const struct wc_rec_lost *lost)
{
	struct wc_rec_lost le = {
		htole64(lost->ringbuf_drops), htole64(lost->recursion_misses),
		htole64(lost->ts_ns),
	};

	if (end_block(w))
		return -1;
	return write_record(w, WC_REC_LOST, &le, sizeof(le), NULL, 0);
}

int wc_writer_close(struct wc_writer *w, const struct wc_rec_end *end,
		    const char *extra_json, char *err, size_t errlen)
{
	int ret = 0;

	end_block(w);
	if (end) {
		struct wc_rec_end le = {
			htole64(w->events), htole64(end->ringbuf_drops),
			htole64(end->recursion_misses), htole64(end->duration_ns),
		};
		size_t xlen = extra_json ? strlen(extra_json) : 0;
		char jerr[128];

		/* never write a trailer readers refuse */
		if (xlen && wc_json_check_size(extra_json, xlen, WC_END_JSON_MAX_LEN, jerr,
					       sizeof(jerr)))
			xlen = 0;
		write_record(w, WC_REC_END, &le, sizeof(le), extra_json, xlen);
	}
	if (w->zinit) {
		deflate_out(w, NULL, 0, Z_FINISH);
		deflateEnd(&w->zs);
	}
	if (w->fd > STDOUT_FILENO && close(w->fd) && !w->failed)
		werr(w, "%s: close: %s", w->path, strerror(errno));
	if (w->failed) {
		snprintf(err, errlen, "%s", w->err);
		ret = -1;
	}
	wc_symtab_free(w->syms);
	free(w->pack);
	free(w->path);
	free(w);
	return ret;
}

bool wc_writer_created(const struct wc_writer *w, dev_t *dev, ino_t *ino)
{
	*dev = w->dev;
	*ino = w->ino;
	return w->created;
}

const char *wc_writer_error(const struct wc_writer *w)
{
	return w->err;
}

uint64_t wc_writer_events(const struct wc_writer *w)
{
	return w->events;
}

/* ------------------------------------------------------------------ */
/* reader                                                              */

struct wc_reader {
	FILE *f;
	char *path;
	struct json_object *hdr;
	uint64_t data_off;	/* file offset of the gzip member */
	z_stream zs;
	bool zinit;
	bool file_eof;
	bool stream_end;	/* the gzip member ended (trailer checked) */
	bool end_seen;		/* END record returned */
	bool truncated;
	bool failed;
	uint64_t events;
	unsigned char *buf;	/* record payload */
	size_t cap;
	uint64_t consumed;	/* stream bytes handed out */
	size_t opos, olen;	/* unread part of out */
	struct wc_evpack *pack;	/* the EVENTS block being read (in buf) */
	uint32_t bleft;		/* its events not read yet */
	uint32_t btotal;
	size_t bpos, blen;	/* next byte in buf, the block's length */
	uint64_t boff;		/* its stream offset */
	struct wc_event ev;	/* the event handed out */
	unsigned char sym[8 + WC_SYM_MAX_NAME];	/* a SYMBOL record with its name escaped */
	char err[320];
	unsigned char in[1 << 16];
	unsigned char out[1 << 16];	/* inflated, not yet read */
};

static void rerr(struct wc_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void rerr(struct wc_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->failed = true;
}

/* Position in the compressed file, for error messages. */
static uint64_t file_off(const struct wc_reader *r)
{
	return r->data_off + r->zs.total_in;
}

static void reader_free(struct wc_reader *r)
{
	if (!r)
		return;
	if (r->zinit)
		inflateEnd(&r->zs);
	if (r->f && r->f != stdin)
		fclose(r->f);
	json_object_put(r->hdr);
	free(r->pack);
	free(r->buf);
	free(r->path);
	free(r);
}

static int hdr_int(struct json_object *hdr, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(hdr, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

/*
 * PATH for reading, only if it is a regular file: a FIFO without a writer
 * would block the open forever, a directory or a device is no record file
 * ('-' reads stdin, whatever it is). NULL with one line in err.
 */
static FILE *open_input(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, S_ISDIR(st.st_mode) ? "a directory, not a record file" :
			 "not a regular file (give '-' to read a pipe or device on stdin)");
		close(fd);
		return NULL;
	}
	if (fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

struct wc_reader *wc_reader_open(const char *path, char *err, size_t errlen)
{
	struct wc_reader *r = calloc(1, sizeof(*r));
	unsigned char pre[WC_FILE_PREFIX_LEN];
	uint32_t version, jlen;
	size_t got;
	char *js = NULL, jerr[128];
	int64_t v;

	if (!r || !(r->path = strdup(path)) || !(r->pack = malloc(sizeof(*r->pack)))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	r->f = strcmp(path, "-") == 0 ? stdin : open_input(path, err, errlen);
	if (!r->f)
		goto fail;
	got = fread(pre, 1, sizeof(pre), r->f);
	if (ferror(r->f)) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
		goto fail;
	}
	if (got == 0) {
		snprintf(err, errlen, "%s: empty file, not a walkcov file", path);
		goto fail;
	}
	if (got < WC_FILE_MAGIC_LEN || memcmp(pre, WC_FILE_MAGIC, WC_FILE_MAGIC_LEN)) {
		snprintf(err, errlen, "%s: not a walkcov file (bad magic)", path);
		goto fail;
	}
	if (got < sizeof(pre)) {
		snprintf(err, errlen, "%s: truncated header (%zu of %zu bytes)", path, got,
			 sizeof(pre));
		goto fail;
	}
	memcpy(&version, pre + 8, 4);
	memcpy(&jlen, pre + 12, 4);
	version = le32toh(version);
	jlen = le32toh(jlen);
	if (version < WC_FILE_VERSION_OLDEST || version > WC_FILE_VERSION) {
		snprintf(err, errlen, "%s: unsupported version %" PRIu32
			 " (this walkcov reads versions %d to %d)",
			 path, version, WC_FILE_VERSION_OLDEST, WC_FILE_VERSION);
		goto fail;
	}
	if (jlen == 0 || jlen > WC_HDR_MAX_LEN) {
		snprintf(err, errlen, "%s: corrupt header: length %" PRIu32 " at offset 12", path, jlen);
		goto fail;
	}
	js = malloc(jlen);
	if (!js) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	got = fread(js, 1, jlen, r->f);
	if (got < jlen) {
		snprintf(err, errlen, "%s: truncated header (%zu of %" PRIu32 " JSON bytes)",
			 path, got, jlen);
		goto fail;
	}
	r->hdr = wc_json_read(js, jlen, WC_HDR_MAX_LEN, jerr, sizeof(jerr));
	if (!r->hdr) {
		snprintf(err, errlen, "%s: corrupt header: %s", path, jerr);
		goto fail;
	}
	if (hdr_int(r->hdr, "event_size", &v)) {
		snprintf(err, errlen, "%s: corrupt header: no event_size", path);
		goto fail;
	}
	/* json-c saturates what does not fit 64 bits: never print that */
	if (v < 0 || v > WC_REC_MAX_LEN) {
		snprintf(err, errlen, "%s: corrupt header: event_size out of range (0 to %u)", path,
			 WC_REC_MAX_LEN);
		goto fail;
	}
	if (v != (int64_t)sizeof(struct wc_event)) {
		snprintf(err, errlen, "%s: event size %" PRId64 ", expected %zu", path, v,
			 sizeof(struct wc_event));
		goto fail;
	}
	if (hdr_int(r->hdr, "event_version", &v)) {
		snprintf(err, errlen, "%s: corrupt header: no event_version", path);
		goto fail;
	}
	if (v < 0 || v > UINT32_MAX) {
		snprintf(err, errlen, "%s: corrupt header: event_version out of range", path);
		goto fail;
	}
	if (v != WC_EVENT_VERSION) {
		snprintf(err, errlen, "%s: unsupported event version %" PRId64 ", expected %d",
			 path, v, WC_EVENT_VERSION);
		goto fail;
	}
	/* the geometry the events were judged by; files before it: 4 KiB */
	if (hdr_int(r->hdr, "page_size", &v))
		v = 4096;
	if (v < 0 || wc_geometry_set((uint64_t)v)) {
		snprintf(err, errlen, "%s: unsupported page size %" PRId64, path, v);
		goto fail;
	}
	free(js);
	r->data_off = WC_FILE_PREFIX_LEN + (uint64_t)jlen;
	if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
		snprintf(err, errlen, "%s: inflateInit2 failed", path);
		r->zinit = false;
		goto fail;
	}
	r->zinit = true;
	return r;
fail:
	free(js);
	reader_free(r);
	return NULL;
}

/*
 * Inflate the next piece of the stream into r->out. Returns the bytes made,
 * 0 when the gzip member ended or the file ran out (truncation), -1 on a
 * data error. Records are then copied out of r->out: one inflate call per
 * 64 KiB, not per record, so a stream of tiny records (a compression bomb
 * of 8-byte records) costs what inflating it costs.
 */
static ssize_t inflate_more(struct wc_reader *r)
{
	r->zs.next_out = r->out;
	r->zs.avail_out = sizeof(r->out);
	while (r->zs.avail_out == sizeof(r->out) && !r->stream_end) {
		int ret;

		if (r->zs.avail_in == 0 && !r->file_eof) {
			size_t got = fread(r->in, 1, sizeof(r->in), r->f);

			if (ferror(r->f)) {
				rerr(r, "read error at file offset %" PRIu64 ": %s",
				     file_off(r), strerror(errno));
				return -1;
			}
			if (got == 0)
				r->file_eof = true;
			r->zs.next_in = r->in;
			r->zs.avail_in = (uInt)got;
		}
		ret = inflate(&r->zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END) {
			r->stream_end = true;
		} else if (ret == Z_BUF_ERROR) {
			/* no progress possible: only an error once the file is exhausted */
			if (r->zs.avail_in == 0 && r->file_eof)
				break;
		} else if (ret != Z_OK) {
			rerr(r, "corrupt compressed data at file offset %" PRIu64 ": %s",
			     file_off(r), r->zs.msg ? r->zs.msg : "inflate error");
			return -1;
		}
	}
	r->opos = 0;
	r->olen = sizeof(r->out) - r->zs.avail_out;
	return (ssize_t)r->olen;
}

/*
 * Exactly n bytes of the stream into dst. Returns n, fewer when the gzip
 * member ended or the file ran out (truncation), or -1 on a data error.
 */
static ssize_t inflate_n(struct wc_reader *r, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t take;

		if (r->opos == r->olen) {
			ssize_t k = inflate_more(r);

			if (k < 0)
				return -1;
			if (k == 0)
				break;
		}
		take = r->olen - r->opos < n - got ? r->olen - r->opos : n - got;
		memcpy((unsigned char *)dst + got, r->out + r->opos, take);
		r->opos += take;
		r->consumed += take;
		got += take;
	}
	return (ssize_t)got;
}

static bool sane_len(uint32_t type, uint32_t len)
{
	switch (type) {
	case WC_REC_EVENT:
		return len == sizeof(struct wc_event);
	case WC_REC_EVENTS:
		return len >= 4 + 2 && len <= WC_REC_MAX_LEN;	/* the smallest event takes 2 bytes */
	case WC_REC_SYMBOL:
		return len > 8 && len <= 8 + WC_SYM_MAX_NAME;
	case WC_REC_LOST:
		return len >= sizeof(struct wc_rec_lost) && len <= WC_REC_MAX_LEN;
	case WC_REC_END:
		return len >= sizeof(struct wc_rec_end) && len <= WC_REC_MAX_LEN;
	case 0:
		return false;	/* never written: zeros are corruption, not a record */
	default:
		return len <= WC_REC_MAX_LEN;
	}
}

static int rec_end(const struct wc_record *rec, struct wc_rec_end *end, struct json_object **extra,
		   char *err, size_t errlen);

/* A SYMBOL name with bytes a terminal would act on: hand out a copy with
 * them escaped (wc_escape), cut at a whole escape. */
static void escape_symbol(struct wc_reader *r, struct wc_record *rec)
{
	const char *name = (const char *)r->buf + 8;
	size_t len = strlen(name);

	if (!wc_needs_escape(name, len))
		return;
	memcpy(r->sym, r->buf, 8);
	wc_escape((char *)r->sym + 8, WC_SYM_MAX_NAME, name, len);
	rec->data = r->sym;
	rec->len = (uint32_t)(8 + strlen((char *)r->sym + 8) + 1);
}

static bool known_type(uint32_t type)
{
	return type >= WC_REC_EVENT && type <= WC_REC_EVENTS;
}

/* The next event of the EVENTS block in buf, as an EVENT record. */
static int block_next(struct wc_reader *r, struct wc_record *rec)
{
	size_t used = wc_evpack_decode(r->pack, r->buf + r->bpos, r->blen - r->bpos, &r->ev);

	if (!used) {
		rerr(r, "corrupt event block at stream offset %" PRIu64 ": event %" PRIu32
		     " of %" PRIu32 " malformed", r->boff, r->btotal - r->bleft + 1, r->btotal);
		return -1;
	}
	r->bpos += used;
	if (--r->bleft == 0 && r->bpos != r->blen) {
		rerr(r, "corrupt event block at stream offset %" PRIu64 ": %zu bytes after its %"
		     PRIu32 " events", r->boff, r->blen - r->bpos, r->btotal);
		return -1;
	}
	r->events++;
	rec->type = WC_REC_EVENT;
	rec->len = sizeof(r->ev);
	rec->data = &r->ev;
	rec->offset = r->boff;
	return 1;
}

/* An EVENTS record just read into buf: start handing out its events. */
static int block_start(struct wc_reader *r, uint64_t off, uint32_t len)
{
	uint32_t n;

	memcpy(&n, r->buf, 4);
	n = le32toh(n);
	if (n == 0 || n > (len - 4) / 2) {
		rerr(r, "corrupt event block at stream offset %" PRIu64 ": %" PRIu32
		     " events in %" PRIu32 " bytes", off, n, len);
		return -1;
	}
	wc_evpack_reset(r->pack);
	r->bleft = r->btotal = n;
	r->bpos = 4;
	r->blen = len;
	r->boff = off;
	return 0;
}

int wc_reader_next(struct wc_reader *r, struct wc_record *rec)
{
	struct wc_rec_hdr h;
	ssize_t got;

	if (r->failed)
		return -1;
	for (;;) {
		uint64_t off = r->consumed;

		if (r->bleft)
			return block_next(r, rec);

		if (r->end_seen) {
			unsigned char c;

			/* the END record is last: what follows must be the gzip trailer */
			got = inflate_n(r, &c, 1);
			if (got < 0)
				return -1;
			if (got > 0) {
				rerr(r, "data after the END record at stream offset %" PRIu64, off);
				return -1;
			}
			return 0;
		}
		got = inflate_n(r, &h, sizeof(h));
		if (got < 0)
			return -1;
		if ((size_t)got < sizeof(h)) {
			r->truncated = true;	/* the stream ended without END */
			return 0;
		}
		h.type = le32toh(h.type);
		h.len = le32toh(h.len);
		if (!sane_len(h.type, h.len)) {
			rerr(r, "corrupt record at stream offset %" PRIu64
			     " (file offset ~%" PRIu64 "): type %" PRIu32 ", length %" PRIu32,
			     off, file_off(r), h.type, h.len);
			return -1;
		}
		if (h.len > r->cap) {
			size_t ncap = h.len < 4096 ? 4096 : h.len;
			unsigned char *nb = realloc(r->buf, ncap);

			if (!nb) {
				rerr(r, "out of memory");
				return -1;
			}
			r->buf = nb;
			r->cap = ncap;
		}
		got = inflate_n(r, r->buf, h.len);
		if (got < 0)
			return -1;
		if ((size_t)got < h.len) {
			r->truncated = true;	/* cut inside a record: drop it */
			return 0;
		}
		if (!known_type(h.type))
			continue;	/* newer record type: skip it */
		if (h.type == WC_REC_SYMBOL && memchr(r->buf + 8, 0, h.len - 8) == NULL) {
			rerr(r, "corrupt SYMBOL record at stream offset %" PRIu64 ": name not terminated",
			     off);
			return -1;
		}
		if (h.type == WC_REC_EVENTS) {
			if (block_start(r, off, h.len))
				return -1;
			continue;
		}
		if (h.type == WC_REC_EVENT)
			r->events++;
		if (h.type == WC_REC_END) {
			uint64_t n;
			struct wc_record er = { h.type, h.len, r->buf, off };
			struct wc_rec_end e;
			struct json_object *x;
			char jerr[128];

			if (rec_end(&er, &e, &x, jerr, sizeof(jerr))) {
				rerr(r, "corrupt END record at stream offset %" PRIu64 ": %s", off, jerr);
				return -1;
			}
			json_object_put(x);
			memcpy(&n, r->buf, 8);
			n = le64toh(n);
			if (n != r->events) {
				rerr(r, "trailer at stream offset %" PRIu64 " counts %" PRIu64
				     " events but %" PRIu64 " were read", off, n, r->events);
				return -1;
			}
			r->end_seen = true;
		}
		rec->type = h.type;
		rec->len = h.len;
		rec->data = r->buf;
		rec->offset = off;
		if (h.type == WC_REC_SYMBOL)
			escape_symbol(r, rec);
		return 1;
	}
}

struct json_object *wc_reader_header(const struct wc_reader *r)
{
	return r->hdr;
}

bool wc_reader_truncated(const struct wc_reader *r)
{
	return r->truncated;
}

uint64_t wc_reader_events(const struct wc_reader *r)
{
	return r->events;
}

const char *wc_reader_error(const struct wc_reader *r)
{
	return r->err;
}

void wc_reader_close(struct wc_reader *r)
{
	reader_free(r);
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

int wc_rec_symbol(const struct wc_record *rec, uint64_t *addr, const char **name)
{
	const unsigned char *p = rec->data;

	if (rec->type != WC_REC_SYMBOL || rec->len <= 8 || !memchr(p + 8, 0, rec->len - 8))
		return -1;
	*addr = get_le64(p);
	*name = (const char *)p + 8;
	return 0;
}

int wc_rec_lost(const struct wc_record *rec, struct wc_rec_lost *lost)
{
	const unsigned char *p = rec->data;

	if (rec->type != WC_REC_LOST || rec->len < sizeof(*lost))
		return -1;
	lost->ringbuf_drops = get_le64(p);
	lost->recursion_misses = get_le64(p + 8);
	lost->ts_ns = get_le64(p + 16);
	return 0;
}

static int rec_end(const struct wc_record *rec, struct wc_rec_end *end, struct json_object **extra,
		   char *err, size_t errlen)
{
	const unsigned char *p = rec->data;
	size_t xlen;

	if (rec->type != WC_REC_END || rec->len < sizeof(*end)) {
		snprintf(err, errlen, "not an END record");
		return -1;
	}
	end->events = get_le64(p);
	end->ringbuf_drops = get_le64(p + 8);
	end->recursion_misses = get_le64(p + 16);
	end->duration_ns = get_le64(p + 24);
	if (!extra)
		return 0;
	*extra = NULL;
	xlen = rec->len - sizeof(*end);
	if (xlen && !(*extra = wc_json_read((const char *)p + sizeof(*end), xlen,
					     WC_END_JSON_MAX_LEN, err, errlen)))
		return -1;
	return 0;
}

int wc_rec_end(const struct wc_record *rec, struct wc_rec_end *end, struct json_object **extra)
{
	char err[128];

	return rec_end(rec, end, extra, err, sizeof(err));
}

/* ------------------------------------------------------------------ */
/* the writer as a sink                                                */

static struct wc_file_sink *file_sink(struct wc_sink *s)
{
	return wc_container_of(s, struct wc_file_sink, sink);
}

/* The first write error is printed and stops the source. */
static int file_status(struct wc_file_sink *f, int ret)
{
	if (ret && !f->failed) {
		wc_err("%s", wc_writer_error(f->w));
		f->failed = true;
	}
	return ret ? -1 : 0;
}

static int file_begin(struct wc_sink *s, struct json_object *hdr)
{
	struct wc_file_sink *f = file_sink(s);
	char err[256];

	f->w = wc_writer_open(f->path, hdr, err, sizeof(err));
	if (!f->w) {
		wc_err("%s", err);
		f->failed = true;
		return -1;
	}
	f->opened = true;
	f->created = wc_writer_created(f->w, &f->dev, &f->ino);
	return 0;
}

static int file_event(struct wc_sink *s, const struct wc_event *e)
{
	struct wc_file_sink *f = file_sink(s);

	return file_status(f, wc_writer_event(f->w, e));
}

static int file_symbol(struct wc_sink *s, uint64_t addr, const char *name)
{
	struct wc_file_sink *f = file_sink(s);

	return file_status(f, wc_writer_symbol(f->w, addr, name));
}

static int file_lost(struct wc_sink *s, const struct wc_rec_lost *l)
{
	struct wc_file_sink *f = file_sink(s);

	/* every LOST record (about every 100 ms) also flushes the stream, so a
	 * killed recorder leaves a readable file */
	return file_status(f, wc_writer_lost(f->w, l) || wc_writer_flush(f->w));
}

static int file_end(struct wc_sink *s, const struct wc_rec_end *e, struct json_object *extra)
{
	struct wc_file_sink *f = file_sink(s);
	char err[256];
	int ret;

	if (e)
		f->end = *e;
	f->end.events = wc_writer_events(f->w);
	ret = wc_writer_close(f->w, e, extra ? json_object_to_json_string_ext(extra,
						JSON_C_TO_STRING_PLAIN) : NULL, err, sizeof(err));
	f->w = NULL;
	if (ret && !f->failed) {
		wc_err("%s", err);
		f->failed = true;
	}
	return ret;
}

void wc_file_sink_discard(struct wc_file_sink *f)
{
	struct stat st;

	/* only the regular file walkcov created, if it is still that file */
	if (f->created && lstat(f->path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
	f->created = false;
}

void wc_file_sink_init(struct wc_file_sink *f, const char *path)
{
	*f = (struct wc_file_sink){
		.sink = { .begin = file_begin, .event = file_event, .symbol = file_symbol,
			  .lost = file_lost, .end = file_end, .periodic_lost = true },
		.path = path,
	};
}

/* ------------------------------------------------------------------ */
/* replay                                                              */

static int replay_record(const struct wc_record *rec, struct wc_sink *sink, bool *ended)
{
	switch (rec->type) {
	case WC_REC_EVENT: {
		struct wc_event ev;

		memcpy(&ev, rec->data, sizeof(ev));	/* aligned copy */
		return wc_sink_event(sink, &ev);
	}
	case WC_REC_SYMBOL: {
		uint64_t addr;
		const char *name;

		if (wc_rec_symbol(rec, &addr, &name))
			return 0;
		return wc_sink_symbol(sink, addr, name);
	}
	case WC_REC_LOST: {
		struct wc_rec_lost l;

		if (wc_rec_lost(rec, &l))
			return 0;
		return wc_sink_lost(sink, &l);
	}
	case WC_REC_END: {
		struct wc_rec_end e;
		struct json_object *extra = NULL;
		int ret;

		if (wc_rec_end(rec, &e, &extra))
			return 0;
		*ended = true;
		ret = wc_sink_end(sink, &e, extra);
		json_object_put(extra);
		return ret;
	}
	}
	return 0;
}

void wc_replay_warn_truncated(const char *path, uint64_t events)
{
	wc_err("%s: truncated after %" PRIu64
	       " events (no trailer); results cover what was written", path, events);
}

int wc_replay(const char *path, struct wc_sink *sink)
{
	return wc_replay_ex(path, sink, true, NULL);
}

int wc_replay_ex(const char *path, struct wc_sink *sink, bool warn, uint64_t *events)
{
	char err[512];
	struct wc_reader *r = wc_reader_open(path, err, sizeof(err));
	struct wc_record rec;
	bool ended = false;
	int ret, end_ret = 0;

	if (!r) {
		wc_err("%s", err);
		return -1;
	}
	ret = wc_sink_begin(sink, r->hdr);
	if (ret) {
		wc_reader_close(r);
		return ret;
	}
	while (!ret && wc_reader_next(r, &rec) > 0)
		ret = replay_record(&rec, sink, &ended);
	if (!ret && r->failed) {
		wc_err("%s: %s", path, r->err);
		ret = -1;
	}
	if (!ended)
		end_ret = wc_sink_end(sink, NULL, NULL);
	if (!ret)
		ret = end_ret;
	if (!ret && r->truncated) {
		if (warn)
			wc_replay_warn_truncated(path, r->events);
		ret = 1;
	}
	if (events)
		*events = r->events;
	wc_reader_close(r);
	return ret;
}
