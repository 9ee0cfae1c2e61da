/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The walkcov record file (walkcov record -o FILE): an uncompressed header
 * (magic, version, JSON metadata) followed by one gzip member that holds a
 * stream of typed records. docs/file-format.md gives the byte layout.
 *
 * The writer flushes the gzip stream often so that a killed recorder leaves
 * a file readable up to the last flush; the reader streams records with
 * bounded memory and tells truncation apart from corruption.
 */
#ifndef WALKCOV_RECFILE_H
#define WALKCOV_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "sink.h"
#include "symtab.h"
#include "walkcov.h"

#define WC_FILE_MAGIC		"WALKCOV"	/* 8 bytes with its NUL */
#define WC_FILE_MAGIC_LEN	8
#define WC_FILE_VERSION		3		/* written; version 2 (raw EVENT records) is read too */
#define WC_FILE_VERSION_OLDEST	2
#define WC_FILE_PREFIX_LEN	16		/* magic + version + header length */
#define WC_HDR_MAX_LEN		(256u << 10)	/* limit on the JSON header (memory: docs/file-format.md) */
#define WC_REC_MAX_LEN		(1u << 20)	/* sanity limit on one record */
#define WC_END_JSON_MAX_LEN	(64u << 10)	/* limit on the END record's JSON */
#define WC_DEFAULT_FILE		"walkcov.data"

enum wc_rec_type {
	WC_REC_EVENT = 1,	/* struct wc_event, exactly event_size bytes */
	WC_REC_SYMBOL = 2,	/* u64 address, NUL-terminated name */
	WC_REC_LOST = 3,	/* struct wc_rec_lost (cumulative counters) */
	WC_REC_END = 4,		/* struct wc_rec_end, then optional JSON text */
	WC_REC_EVENTS = 5,	/* u32 count, then count packed events (evpack.h) */
};

/* An EVENTS block ends at this many events or bytes, at a flush and before
 * any other record (so records keep their order). */
#define WC_BLOCK_EVENTS		4096
#define WC_BLOCK_BYTES		(64u << 10)

/* Every record starts with this (both fields little-endian). */
struct wc_rec_hdr {
	uint32_t type;
	uint32_t len;		/* bytes that follow */
};

/* LOST and END payloads: struct wc_rec_lost and struct wc_rec_end (sink.h);
 * a SYMBOL name is at most WC_SYM_MAX_NAME bytes (symtab.h). */

/* ---- header helpers ---- */

/*
 * A header with format, version, event_size, event_version, kernel release,
 * machine, hostname, walkcov's command line (argc/argv), start time (realtime
 * ISO-8601 UTC and ns), monotonic start ns and mechanism, and an empty plan.
 * Take it as close as possible to attaching: event ts are relative to
 * "monotonic_start_ns".
 */
struct json_object *wc_hdr_new(int argc, char **argv, const char *mechanism);
/* The traced command (argv of the child), stored as an array of strings. */
void wc_hdr_set_command(struct json_object *hdr, int argc, char **argv);
/* Append one attach slot to "plan". role: enum wc_role and its name
 * (wc_role_name), kind: enum wc_kind, module: "" or NULL for vmlinux. */
void wc_hdr_add_slot(struct json_object *hdr, unsigned slot, const char *name,
		     const char *module, unsigned role, const char *role_name, unsigned kind,
		     const char *mechanism);

/* Queries; NULL or 0 when the key is absent or has another type. */
const char *wc_hdr_str(struct json_object *hdr, const char *key);
uint64_t wc_hdr_u64(struct json_object *hdr, const char *key);
/* A string array (cmdline, command) joined with spaces into buf. */
const char *wc_hdr_argv(struct json_object *hdr, const char *key, char *buf, size_t size);
/* The plan entry of a slot and its function name. */
struct json_object *wc_hdr_slot(struct json_object *hdr, unsigned slot);
const char *wc_hdr_slot_name(struct json_object *hdr, unsigned slot);

/* ---- writer ---- */

#define WC_FLUSH_INTERVAL_NS	(100ull * 1000 * 1000)	/* at least every 100 ms */
#define WC_FLUSH_RECORDS	8192
#define WC_FLUSH_BYTES		(2u << 20)		/* uncompressed */

struct wc_writer;

/*
 * Create PATH ("-" is stdout) and write the header. PATH is made mode 0600
 * (it holds kernel pointers), never through a symbolic link; an existing
 * regular file is first renamed PATH.old; a device or FIFO is written in
 * place. The writer sets format,
 * version, event_size and event_version in HDR (so they are always right)
 * and serializes the rest as given. On failure returns NULL with a message
 * in err.
 */
struct wc_writer *wc_writer_open(const char *path, struct json_object *hdr,
				 char *err, size_t errlen);
/* Each returns 0, or -1 after a write error (see wc_writer_error). */
int wc_writer_event(struct wc_writer *w, const struct wc_event *ev);
/* Writes a SYMBOL record the first time ADDR is given; later calls are no-ops. */
int wc_writer_symbol(struct wc_writer *w, uint64_t addr, const char *name);
int wc_writer_lost(struct wc_writer *w, const struct wc_rec_lost *lost);
/* Z_SYNC_FLUSH if anything was written since the last flush. Call it every
 * 100 ms or so; record calls also flush on record/byte counts and time. */
int wc_writer_flush(struct wc_writer *w);
/*
 * Write the END trailer (END->events is replaced by the number of EVENT
 * records written; extra_json, if not NULL, follows it), finish the gzip
 * member and close. END == NULL finishes without a trailer (readers then see
 * a truncated recording). Frees W; returns 0 or -1 (message in err).
 */
int wc_writer_close(struct wc_writer *w, const struct wc_rec_end *end,
		    const char *extra_json, char *err, size_t errlen);
const char *wc_writer_error(const struct wc_writer *w);
/* true if open created a new regular file; its identity in dev, ino */
bool wc_writer_created(const struct wc_writer *w, dev_t *dev, ino_t *ino);
uint64_t wc_writer_events(const struct wc_writer *w);

/* ---- reader ---- */

/* EVENTS blocks are handed out one event at a time, as WC_REC_EVENT records
 * whose offset is the block's. */
struct wc_record {
	uint32_t type;
	uint32_t len;
	const void *data;	/* valid until the next wc_reader_next() */
	uint64_t offset;	/* of the record header in the uncompressed stream */
};

struct wc_reader;

/*
 * Open PATH ("-" is stdin), check magic, version, event_size and
 * event_version and parse the header. NULL on failure with a message
 * ("not a walkcov file", "unsupported version 7", "event size 96, expected
 * 112", ...) in err.
 */
struct wc_reader *wc_reader_open(const char *path, char *err, size_t errlen);
struct json_object *wc_reader_header(const struct wc_reader *r);
/*
 * Next record: 1 with *rec filled, 0 at the end of the stream (check
 * wc_reader_truncated), -1 on corrupt data (wc_reader_error gives the reason
 * and the byte offset). Unknown record types are skipped.
 */
int wc_reader_next(struct wc_reader *r, struct wc_record *rec);
/* No END record was found: the recording stopped early or was cut. */
bool wc_reader_truncated(const struct wc_reader *r);
uint64_t wc_reader_events(const struct wc_reader *r);
const char *wc_reader_error(const struct wc_reader *r);
void wc_reader_close(struct wc_reader *r);

/* Decoders of record payloads (checked lengths; 0 ok, -1 malformed). */
int wc_rec_symbol(const struct wc_record *rec, uint64_t *addr, const char **name);
int wc_rec_lost(const struct wc_record *rec, struct wc_rec_lost *lost);
/* *extra: the optional JSON (parsed, strings escaped as wc_json_read does;
 * caller puts it) or NULL. The reader has already refused an END record
 * whose JSON is invalid or past the caps of jsonin.h. */
int wc_rec_end(const struct wc_record *rec, struct wc_rec_end *end,
	       struct json_object **extra);

/* ---- the writer as a sink (walkcov record) ---- */

/* begin opens PATH with the header, end writes the trailer and closes (no
 * trailer when end gets NULL). Errors are printed as one line; the first
 * one stops the source. */
struct wc_file_sink {
	struct wc_sink sink;
	const char *path;
	struct wc_writer *w;	/* open between begin and end */
	struct wc_rec_end end;	/* the trailer written (events filled in) */
	bool opened;		/* begin opened PATH */
	bool created;		/* ... as a new regular file (dev, ino) */
	dev_t dev;
	ino_t ino;
	bool failed;		/* a write failed (printed) */
};

void wc_file_sink_init(struct wc_file_sink *f, const char *path);
/* Remove PATH if begin created it and it is still that file: never a
 * device, a FIFO or a file someone put there since. */
void wc_file_sink_discard(struct wc_file_sink *f);

/* ---- whole-file replay ---- */

/*
 * Open PATH and drive SINK with its header and every record (sink.h). Returns
 * 0 (complete), 1 (truncated: a warning "walkcov: PATH: truncated after N
 * events (no trailer); results cover what was written" has been printed on
 * stderr), -1 (error printed on stderr as "walkcov: PATH: ..."), or a
 * callback's non-zero return.
 */
int wc_replay(const char *path, struct wc_sink *sink);
/* The same; WARN false leaves the truncation warning to the caller (one
 * line per failure: map). *EVENTS (if not NULL): the events read. */
int wc_replay_ex(const char *path, struct wc_sink *sink, bool warn, uint64_t *events);
/* The truncation warning wc_replay prints. */
void wc_replay_warn_truncated(const char *path, uint64_t events);

#endif /* WALKCOV_RECFILE_H */
