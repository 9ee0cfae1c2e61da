// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Address -> name map on uthash: see symtab.h. */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "symtab.h"

struct sym {
	uint64_t addr;
	char *name;
	UT_hash_handle hh;
};

struct wc_symtab {
	struct sym *head;
	size_t name_bytes;	/* bounded: a crafted file cannot grow it */
};

struct wc_symtab *wc_symtab_new(void)
{
	return calloc(1, sizeof(struct wc_symtab));
}

static struct sym *find(const struct wc_symtab *t, uint64_t addr)
{
	struct sym *s = NULL;

	if (t)
		HASH_FIND(hh, t->head, &addr, sizeof(addr), s);
	return s;
}

int wc_symtab_add(struct wc_symtab *t, uint64_t addr, const char *name)
{
	struct sym *s;

	if (find(t, addr))
		return 0;
	if (HASH_COUNT(t->head) >= WC_SYMTAB_MAX ||
	    t->name_bytes + strnlen(name, WC_SYM_MAX_NAME - 1) + 1 > WC_SYMTAB_NAME_BYTES)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strndup(name, WC_SYM_MAX_NAME - 1))) {
		free(s);
		return -1;
	}
	t->name_bytes += strlen(s->name) + 1;
	s->addr = addr;
	HASH_ADD(hh, t->head, addr, sizeof(s->addr), s);
	return 1;
}

const char *wc_symtab_name(const struct wc_symtab *t, uint64_t addr)
{
	const struct sym *s = find(t, addr);

	return s ? s->name : NULL;
}

size_t wc_symtab_count(const struct wc_symtab *t)
{
	return HASH_COUNT(t->head);
}

void wc_symtab_free(struct wc_symtab *t)
{
	struct sym *s, *tmp;

	if (!t)
		return;
	HASH_ITER(hh, t->head, s, tmp) {
		HASH_DEL(t->head, s);
		free(s->name);
		free(s);
	}
	free(t);
}
