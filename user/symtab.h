/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Address -> name (ops struct symbols), bounded; shared by the writer, the
 * report, script and the session's ops naming. */
#ifndef WALKCOV_SYMTAB_H
#define WALKCOV_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#define WC_SYMTAB_MAX 65536	/* entries kept; more are refused */
#define WC_SYM_MAX_NAME 4096	/* name limit, NUL included (longer ones are cut) */
#define WC_SYMTAB_NAME_BYTES (4u << 20)	/* all names together; more are refused */

struct wc_symtab;
struct wc_symtab *wc_symtab_new(void);
/* 1 added, 0 already known (name unchanged), -1 full (WC_SYMTAB_MAX
 * entries or WC_SYMTAB_NAME_BYTES of names) or out of memory. */
int wc_symtab_add(struct wc_symtab *t, uint64_t addr, const char *name);
/* NULL when unknown (or T is NULL). */
const char *wc_symtab_name(const struct wc_symtab *t, uint64_t addr);
size_t wc_symtab_count(const struct wc_symtab *t);
void wc_symtab_free(struct wc_symtab *t);

#endif
