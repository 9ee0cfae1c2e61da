/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* /proc/kallsyms: name lookups (is a function a real, unique symbol?) and
 * address lookups (which ops struct does walk->ops point to?). */
#ifndef WALKCOV_KSYMS_H
#define WALKCOV_KSYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	char *name;
	char type;		/* t, T, d, D, r, R, b, ... */
	bool module;		/* from a module ([name] suffix) */
	const char *mod;	/* that module's name, NULL for vmlinux */
};

struct ksyms;

/* Load a kallsyms file (NULL: /proc/kallsyms). NULL and errno on failure. */
struct ksyms *ksyms_load(const char *path);
/* The same from an open stream ("addr type name [module]" lines). */
struct ksyms *ksyms_parse(FILE *f);
void ksyms_free(struct ksyms *ks);

/* Text symbols named exactly NAME (functions). */
int ksyms_count_text(const struct ksyms *ks, const char *name);
/* First text symbol whose name is NAME followed by a compiler suffix
 * (".isra.0", ".constprop.0", ".part.0", ...), or NULL. */
const char *ksyms_renamed(const struct ksyms *ks, const char *name);
/* Symbols named NAME, or NAME with a compiler suffix (".75", ".isra.0"):
 * how many, the first MAX of them in OUT. */
size_t ksyms_named(const struct ksyms *ks, const char *name, const struct ksym **out, size_t max);
/* The Ith symbol in address order, or NULL past the last. */
const struct ksym *ksyms_nth(const struct ksyms *ks, size_t i);
/* The symbol at or below ADDR (data or text), or NULL. */
const struct ksym *ksyms_at(const struct ksyms *ks, uint64_t addr);

#endif
