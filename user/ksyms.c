// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "ksyms.h"
#include "fmt.h"

struct ksyms {
	struct ksym *syms;	/* sorted by address */
	size_t n, cap;
	struct ksym **by_name;	/* sorted by name */
	char **mods;		/* module names, each once (ksym.mod points here) */
	size_t nmods;
};

/* The module name of a line's "[name]" suffix, kept once: NULL for
 * vmlinux, or on a malformed suffix or no memory (then only .module). */
static const char *module_name(struct ksyms *ks, const char *line)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
	size_t len;
	char **p, *m;

	if (!a || !b || b == a + 1)
		return NULL;
	len = (size_t)(b - a - 1);
	if (ks->nmods && strlen(ks->mods[ks->nmods - 1]) == len &&
	    !strncmp(ks->mods[ks->nmods - 1], a + 1, len))
		return ks->mods[ks->nmods - 1];	/* kallsyms lists a module's symbols together */
	for (size_t i = 0; i < ks->nmods; i++)
		if (strlen(ks->mods[i]) == len && !strncmp(ks->mods[i], a + 1, len))
			return ks->mods[i];
	p = realloc(ks->mods, (ks->nmods + 1) * sizeof(*p));
	if (!p)
		return NULL;
	ks->mods = p;
	m = strndup(a + 1, len);
	if (!m)
		return NULL;
	ks->mods[ks->nmods++] = m;
	return m;
}

/* A symbol name as kept: escaped (wc_escape) if it has bytes a terminal
 * would act on, so no printed name can forge output. Kernel names are C
 * identifiers in practice; lookups by such names are unchanged. */
static char *escaped_name(const char *name)
{
	size_t len = strlen(name), n;
	char *s;

	if (!wc_needs_escape(name, len))
		return strdup(name);
	n = wc_escape(NULL, 0, name, len);
	s = malloc(n + 1);
	if (s)
		wc_escape(s, n + 1, name, len);
	return s;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_name(const void *a, const void *b)
{
	const struct ksym *x = *(struct ksym * const *)a, *y = *(struct ksym * const *)b;

	return strcmp(x->name, y->name);
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

struct ksyms *ksyms_load(const char *path)
{
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	struct ksyms *ks;
	int e;

	if (!f)
		return NULL;
	ks = ksyms_parse(f);
	e = errno;
	fclose(f);
	errno = e;
	return ks;
}

struct ksyms *ksyms_parse(FILE *f)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], name[256], type;
	unsigned long long addr;

	if (!ks)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		struct ksym *s;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (wc_grow(&ks->syms, &ks->cap, ks->n + 1, sizeof(*ks->syms), 65536))
			goto nomem;
		s = &ks->syms[ks->n];
		s->name = escaped_name(name);
		if (!s->name)
			goto nomem;
		s->addr = addr;
		s->type = type;
		s->module = strchr(line, '[') != NULL;
		s->mod = s->module ? module_name(ks, line) : NULL;
		ks->n++;
	}
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	ks->by_name = malloc((ks->n ? ks->n : 1) * sizeof(*ks->by_name));
	if (!ks->by_name) {
		ksyms_free(ks);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < ks->n; i++)
		ks->by_name[i] = &ks->syms[i];
	qsort(ks->by_name, ks->n, sizeof(*ks->by_name), cmp_name);
	return ks;
nomem:
	ksyms_free(ks);
	errno = ENOMEM;
	return NULL;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
	for (size_t i = 0; i < ks->nmods; i++)
		free(ks->mods[i]);
	free(ks->mods);
	free(ks->syms);
	free(ks->by_name);
	free(ks);
}

/* Index of the first by_name entry >= NAME. */
static size_t lower_bound(const struct ksyms *ks, const char *name)
{
	size_t lo = 0, hi = ks->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ks->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ksyms_count_text(const struct ksyms *ks, const char *name)
{
	int n = 0;

	for (size_t i = lower_bound(ks, name); i < ks->n; i++) {
		if (strcmp(ks->by_name[i]->name, name))
			break;
		if (is_text(ks->by_name[i]->type))
			n++;
	}
	return n;
}

const char *ksyms_renamed(const struct ksyms *ks, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = lower_bound(ks, name); i < ks->n; i++) {
		const char *s = ks->by_name[i]->name;

		if (strncmp(s, name, len))
			break;
		if (s[len] == '.' && is_text(ks->by_name[i]->type))
			return s;
	}
	return NULL;
}

size_t ksyms_named(const struct ksyms *ks, const char *name, const struct ksym **out, size_t max)
{
	size_t len = strlen(name), n = 0;

	for (size_t i = lower_bound(ks, name); i < ks->n; i++) {
		const char *s = ks->by_name[i]->name;

		if (strncmp(s, name, len))
			break;
		if (s[len] && s[len] != '.')
			continue;
		if (n < max)
			out[n] = ks->by_name[i];
		n++;
	}
	return n;
}

const struct ksym *ksyms_at(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;

	if (!addr || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

const struct ksym *ksyms_nth(const struct ksyms *ks, size_t i)
{
	return ks && i < ks->n ? &ks->syms[i] : NULL;
}
