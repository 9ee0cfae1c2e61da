/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one grow-by-doubling array helper. A caller keeps a pointer and a
 * capacity in elements, and asks for room for at least NEED elements:
 *
 *	if (wc_grow(&v->items, &v->cap, v->n + 1, sizeof(*v->items), 64))
 *		return -1;	(the caller's own error: the array is as it was)
 *	v->items[v->n++] = x;
 *
 * A limit that protects against crafted input stays with the caller, and
 * is checked before calling this (which allocates).
 */
#ifndef WALKCOV_GROW_H
#define WALKCOV_GROW_H

#include <stddef.h>

/*
 * ARRP points to the array pointer (any object pointer type; NULL when
 * nothing is allocated yet), *CAP is its capacity in elements of SIZE
 * bytes. When NEED > *CAP the capacity becomes FIRST (when *CAP is 0) or
 * twice *CAP, doubled again until it holds NEED, and the array is
 * reallocated to it; new elements are not initialised. Returns 0, or -1
 * with the array and *CAP unchanged (the old array still valid and owned
 * by the caller) when SIZE is 0, the byte count would overflow size_t or
 * realloc fails (errno ENOMEM, EINVAL for SIZE 0). FIRST 0 counts as 1.
 */
int wc_grow(void *arrp, size_t *cap, size_t need, size_t size, size_t first);

#endif
