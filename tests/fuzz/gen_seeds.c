// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Writes the fuzzers' seed corpora (tests/fuzz/corpus-*): a few small,
 * valid inputs that reach deep into the code, from which libFuzzer mutates.
 *   gen_seeds DIR_RECFILE DIR_ENGINE
 * Engine seeds are raw struct wc_event arrays; record seeds are files
 * written by the real writer (complete, truncated, with symbols and LOST).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evgen.h"
#include "recfile.h"

/* A walk with a pmd, ptes, a hole, a retry and a double. */
static void walk_double(struct evgen *g)
{
	eg_begin(g, 0x400000, 0x800000);
	eg_chunk(g, 0x400000, 0x800000);
	eg_pmd(g, 0x400000, WC_ACT_SUBTREE, WC_CLS_TABLE, 0);
	eg_ptes(g, 0x400000, 0x403000);
	eg_visit(g, WC_K_PTE_ENTRY, 0x402000, 0x403000, WC_ACT_AGAIN, WC_CLS_UNKNOWN, 0);
	eg_ptes(g, 0x402000, 0x404000);
	eg_hole(g, 0x600000, 0x800000, 3);
	eg_split(g, 200, 0x600000, 1);
	eg_chunk_end(g, 0);
	eg_end(g, 0);
}

/* A clean walk of one huge pmd. */
static void walk_huge(struct evgen *g)
{
	eg_begin(g, 0x200000, 0x400000);
	eg_chunk(g, 0x200000, 0x400000);
	eg_pmd(g, 0x200000, WC_ACT_CONTINUE, WC_CLS_HUGE, 0);
	eg_chunk_end(g, 0);
	eg_end(g, 0);
}

static void write_raw(const char *dir, const char *name, const struct evgen *g)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(g->ev, sizeof(*g->ev), g->n, f) != g->n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void write_rec(const char *dir, const char *name, const struct evgen *g, bool trailer)
{
	char path[512], err[256], *argv[] = { "walkcov", "record", NULL };
	struct json_object *hdr = wc_hdr_new(2, argv, "fentry");
	struct wc_rec_lost l = { 3, 1, 5000 };
	struct wc_rec_end e = { 0, 3, 1, 1000000 };
	struct wc_writer *w;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	remove(path);
	wc_hdr_add_slot(hdr, 1, "walk_page_range", NULL, 0, "entry", WC_K_NONE, "fentry");
	wc_hdr_add_slot(hdr, 2, "pmd_entry", NULL, 2, "callback", WC_K_PMD_ENTRY, "fentry");
	w = wc_writer_open(path, hdr, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	wc_writer_symbol(w, 0xffffffff82000000ULL, "pagemap_ops");
	for (size_t i = 0; i < g->n; i++)
		wc_writer_event(w, &g->ev[i]);
	wc_writer_lost(w, &l);
	if (wc_writer_close(w, trailer ? &e : NULL,
			    trailer ? "{\"stash_drops\":1,\"cmd_status\":0}" : NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	json_object_put(hdr);
	/* a later run must not leave PATH.old behind in the tree */
	snprintf(path, sizeof(path), "%s/%s.old", dir, name);
	remove(path);
}

int main(int argc, char **argv)
{
	struct evgen a, b;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_seeds DIR_RECFILE DIR_ENGINE\n");
		return 2;
	}
	eg_init(&a);
	eg_init(&b);
	walk_double(&a);
	walk_huge(&b);
	write_raw(argv[2], "walk-double", &a);
	write_raw(argv[2], "walk-huge", &b);
	write_rec(argv[1], "double.wc", &a, true);
	write_rec(argv[1], "huge-truncated.wc", &b, false);
	eg_free(&a);
	eg_free(&b);
	return 0;
}
