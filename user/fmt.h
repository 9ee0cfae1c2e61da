/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Formatting helpers shared by the report and the script output. */
#ifndef WALKCOV_FMT_H
#define WALKCOV_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "symtab.h"

/* A task's comm (WC_COMM_LEN bytes from the kernel) into DST, which has
 * room for WC_COMM_LEN + 1: NUL-terminated, unprintable bytes as '?'. */
void wc_clean_comm(char *dst, const char *src);

/*
 * A string from a file or the kernel made safe for a terminal and for JSON:
 * every byte outside printable ASCII (controls, DEL, bytes >= 0x80, NULs
 * inside LEN) as \xNN and a backslash as \\, so nothing can move the
 * cursor or forge a line, and the result is ASCII. Writes at most SIZE
 * bytes with the NUL (never half an escape) and returns the length the
 * whole result needs, as snprintf does.
 */
size_t wc_escape(char *dst, size_t size, const char *src, size_t len);
/* Whether SRC (LEN bytes) has any byte wc_escape changes. */
bool wc_needs_escape(const char *src, size_t len);

/* JSON values: addresses as "0x..." strings, NULL strings as "". */
struct json_object *wc_json_hex(uint64_t v);
void wc_json_add_u64(struct json_object *o, const char *k, uint64_t v);
void wc_json_add_str(struct json_object *o, const char *k, const char *v);

/* An ops pointer's symbol, else NONE for 0, else its address (kaddr.h:
 * raw or hashed) in BUF (at least WC_KADDR_LEN bytes). */
const char *wc_ops_name(const struct wc_symtab *syms, uint64_t ops, const char *none,
			char *buf, size_t size);
/* Seconds from START_NS to TS (negative if TS is earlier). */
double wc_rel_s(uint64_t ts, uint64_t start_ns);

#endif
