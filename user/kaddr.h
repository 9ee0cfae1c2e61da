/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Kernel pointers in what walkcov prints (report, script): ops, mm, vma and
 * mm_walk pointers, symbol addresses and raw page-table values (physical
 * addresses). Shown as they are only to a reader who could read them from
 * /proc/kallsyms anyway (root, or kptr_restrict allows it); anyone else sees
 * "#" and 12 hex digits: a keyed hash (SipHash-2-4) under a random key drawn
 * once per run, so one output keeps equal pointers equal while nothing in
 * it, or in the file, lets a reader undo the hash. User-space addresses
 * (the ranges walked) are not secret and always print as they are.
 */
#ifndef WALKCOV_KADDR_H
#define WALKCOV_KADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define WC_KADDR_LEN 24		/* buffer size for wc_kaddr */

/* true when the first line of PATH (normally /proc/kallsyms) shows a
 * non-zero address: this reader may see kernel addresses. */
bool wc_kaddr_allowed(const char *path);

/* The report and script commands: raw addresses if /proc/kallsyms shows
 * them; with RAW_REQUESTED (--raw-addresses) refuse with one line and -1
 * when it does not. Before any call, addresses are hashed. */
int wc_kaddr_setup(bool raw_requested);
void wc_kaddr_set_raw(bool raw);
/* Whether addresses are shown raw: what is written then holds kernel
 * addresses and is made mode 0600 (outfile.h). */
bool wc_kaddr_raw(void);

/* "0x..." (raw, or 0), else "#" + 12 hex digits, into BUF. */
const char *wc_kaddr(uint64_t v, char *buf, size_t size);
/* The same as a JSON string. */
struct json_object *wc_kaddr_json(uint64_t v);

#endif
