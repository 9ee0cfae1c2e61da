/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Synthetic wc_event streams for the coverage engine's tests and benchmark:
 * small builders for single events, and a model of a correct kernel walk
 * (VMAs, gaps, holes, THPs, retries) that the property test and the
 * benchmark replay, with random event loss and interleaved tasks.
 *
 * Every builder gives its event the walk identity (walk_id, seq) the tracer
 * would (bpf/walkcov.bpf.c): leaving a builder call out is a program the
 * kernel skipped (no index used), eg_drop() is a full ring buffer (the
 * index was used, the event is gone).
 */
#ifndef WALKCOV_EVGEN_H
#define WALKCOV_EVGEN_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "walkcov.h"
#include "coverage.h"

#define EG_PAGE	4096ULL
#define EG_PMD	(2ULL << 20)
#define EG_PUD	(1ULL << 30)

/* The tracer's per-task walk state, as bpf/walkcov.bpf.c keeps it. */
struct eg_task_walk {
	int open;
	uint64_t walk_id, walk;
	uint32_t seq;
	int depth, active;
	int chunks, stopped;	/* chunk functions open; the outermost returned non-zero */
	uint16_t nest[WC_MAX_NEST];
};

struct evgen {
	struct wc_event *ev;
	size_t n, cap;
	uint64_t ts, step;	/* next timestamp and increment */
	struct wc_event tmpl;	/* pid, tid, comm, mm, ops, walk, vma, slot */
	struct eg_task_walk tw;	/* tmpl.tid's walk identity */
	/* programs the kernel skips (fentry recursion): each chunk, skip, visit
	 * or level event is left out with probability p_skip, using no index */
	double p_skip;
	uint64_t skip_rng;
	struct wc_event scratch;	/* what eg_add returns for a skipped event */
	/* the ops' callbacks (WC_OPS_*) that WALK_BEGIN and CHUNK_BEGIN carry
	 * (WC_F_OPS_MASK) when mask_on; chunk_bits adds to chunks' (a hugetlb VMA) */
	int mask_on;
	uint32_t ops_mask, chunk_bits;
};

void eg_init(struct evgen *g);
void eg_free(struct evgen *g);
/* Append an event from the template, with its walk identity (splits get
 * theirs in eg_split). Never fails (aborts on no memory). */
struct wc_event *eg_add(struct evgen *g, uint16_t type, uint64_t start, uint64_t end);
/* The walk id the next event of g's task would carry (0: none open). */
uint64_t eg_walk_id(const struct evgen *g);

void eg_begin(struct evgen *g, uint64_t start, uint64_t end);	/* walk = 0 */
void eg_end(struct evgen *g, int64_t ret);
void eg_chunk(struct evgen *g, uint64_t start, uint64_t end);
void eg_chunk_end(struct evgen *g, int64_t ret);
void eg_skip(struct evgen *g, uint64_t start, uint64_t end);
/* A callback exit; cls != WC_CLS_UNKNOWN sets WC_F_ENTRY_SEEN. */
struct wc_event *eg_visit(struct evgen *g, uint8_t kind, uint64_t start, uint64_t end,
			  uint8_t action, uint8_t cls, uint8_t flags);
struct wc_event *eg_pmd(struct evgen *g, uint64_t addr, uint8_t action, uint8_t cls,
			uint8_t flags);	/* [addr, next pmd boundary) */
void eg_ptes(struct evgen *g, uint64_t start, uint64_t end);	/* one pte_entry per page */
struct wc_event *eg_hole(struct evgen *g, uint64_t start, uint64_t end, int32_t depth);
/* The tracer's reading of an unvisited range: cls WC_CLS_NONE, all none. */
void eg_quiet(struct evgen *g, uint64_t start, uint64_t end, uint8_t cls, int32_t depth);
/* Callbacks of a model ops kind, as WC_OPS_* bits. */
uint32_t eg_ops_mask(int ops_kind);
/* A split by TID (part of g's walk if TID is g's walking task). */
void eg_split(struct evgen *g, uint32_t tid, uint64_t addr, int huge);

void eg_feed(struct wc_engine *e, const struct evgen *g);

/* ---- the model ---- */

uint64_t eg_rand(uint64_t *state);		/* xorshift64*, state != 0 */
int eg_chance(uint64_t *state, double p);

enum eg_vma_type { EG_NORMAL, EG_PFNMAP, EG_HUGETLB, EG_TESTSKIP };
enum eg_ops_kind {
	EG_OPS_PMD,		/* pmd_entry, pte_hole (pagemap-like) */
	EG_OPS_PMD_ONLY,	/* pmd_entry only: none pmds leave gaps (mlock-like) */
	EG_OPS_PMD_PTE,		/* pmd_entry + pte_entry + pte_hole (ptdump-like) */
	EG_OPS_PTE,		/* pte_entry + pte_hole */
	EG_OPS_PUD,		/* pud_entry + pmd_entry + pte_entry + pte_hole */
	EG_OPS_KINDS
};

struct eg_vma {
	uint64_t start, end, ptr;
	int type;		/* enum eg_vma_type */
};

struct eg_layout {
	uint64_t start, end;	/* the walk's range */
	int nvma;
	struct eg_vma vma[8];	/* sorted, inside [start, end) */
};

struct eg_model {
	int ops_kind;		/* enum eg_ops_kind */
	uint64_t ops;		/* ops pointer */
	int nested;		/* walk_page_range -> walk_page_range_mm */
	double p_none, p_huge, p_again, p_own_retry, p_vanish, p_stop;
	/* the outer WALK_BEGIN or WALK_END skipped by the kernel (never both
	 * for two walks in a row: that boundary would be invisible) */
	double p_skip_bound;
	int end_skipped;
	/* what the generated walk should produce (accumulated) */
	uint64_t exp_bytes, exp_retries, exp_walks;
	/* and per walk, for the first EG_MAX_EXP walks */
	struct { uint64_t walk_id, bytes, retries; } exp[16];
	int nexp;
};
#define EG_MAX_EXP 16

/* A random layout of up to 8 VMAs in [base, base + span). */
void eg_layout_random(struct eg_layout *l, uint64_t *rng, uint64_t base, uint64_t span,
		      int allow_special);
/* One correct walk of l by g's task, appended to g. */
void eg_model_walk(struct evgen *g, uint64_t *rng, struct eg_model *m,
		   const struct eg_layout *l);
/* Drop each event with probability p (in place): a full ring buffer.
 * Returns events dropped. */
size_t eg_drop(struct evgen *g, uint64_t *rng, double p);
/* Merge per-task streams in a random order that keeps each one's order, with
 * fresh increasing timestamps. */
void eg_interleave(struct evgen *out, struct evgen *in, int n, uint64_t *rng);

#endif /* WALKCOV_EVGEN_H */
