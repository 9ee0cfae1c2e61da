// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The grow-by-doubling helper (grow.h): nothing allocated for what already
 * fits, doubling from the first capacity, contents kept, and every size
 * that would overflow refused before anything is allocated, with the
 * array and its capacity left as they were.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "grow.h"

struct item {
	uint64_t a, b;
};

int main(void)
{
	struct item *v = NULL, *before;
	size_t cap = 0, n;
	int ok;

	/* zero: nothing needed, nothing allocated */
	check(wc_grow(&v, &cap, 0, sizeof(*v), 64) == 0 && !v && cap == 0,
	      "need 0: 0, nothing allocated");
	check(wc_grow(&v, &cap, 1, 0, 64) == -1 && errno == EINVAL && !v && cap == 0,
	      "element size 0: -1 (EINVAL), unchanged");

	/* growth: the first capacity, then doubling */
	check(wc_grow(&v, &cap, 1, sizeof(*v), 64) == 0 && v && cap == 64,
	      "need 1: the first capacity, 64");
	for (n = 0; n < 64; n++)
		v[n] = (struct item){ n, ~n };
	before = v;
	check(wc_grow(&v, &cap, 64, sizeof(*v), 64) == 0 && v == before && cap == 64,
	      "need 64 of 64: 0, not reallocated");
	check(wc_grow(&v, &cap, 65, sizeof(*v), 64) == 0 && cap == 128, "need 65: doubled to 128");
	check(wc_grow(&v, &cap, 1000, sizeof(*v), 64) == 0 && cap == 1024,
	      "need 1000 at 128: doubled until it fits, 1024");
	ok = 1;
	for (n = 0; n < 64; n++)
		ok &= v[n].a == n && v[n].b == ~n;
	check(ok, "the elements survive each reallocation");
	v[1023] = (struct item){ 1, 2 };	/* ASan: the whole capacity is there */
	free(v);

	v = NULL;
	cap = 0;
	check(wc_grow(&v, &cap, 3, sizeof(*v), 0) == 0 && v && cap == 4,
	      "first 0 counts as 1: need 3 gives 4");
	free(v);

	/* overflow: refused before allocating, array and capacity unchanged */
	v = NULL;
	cap = 0;
	check(wc_grow(&v, &cap, SIZE_MAX, 1, 64) == -1 && errno == ENOMEM && !v && cap == 0,
	      "need SIZE_MAX: doubling would overflow, -1 (ENOMEM), unchanged");
	check(wc_grow(&v, &cap, SIZE_MAX / sizeof(*v) + 1, sizeof(*v), 64) == -1 && !v && cap == 0,
	      "need * size past SIZE_MAX: -1, unchanged");
	cap = SIZE_MAX / 2 + 1;	/* a capacity that cannot double (nothing is allocated) */
	check(wc_grow(&v, &cap, cap + 1, 1, 64) == -1 && !v && cap == SIZE_MAX / 2 + 1,
	      "capacity past SIZE_MAX / 2: no doubling, -1, unchanged");

	v = NULL;
	cap = 0;
	check(wc_grow(&v, &cap, 10, sizeof(*v), 16) == 0 && cap == 16, "16 allocated");
	v[0] = (struct item){ 7, 8 };
	before = v;
	check(wc_grow(&v, &cap, SIZE_MAX / sizeof(*v), sizeof(*v), 16) == -1 && v == before &&
	      cap == 16 && v[0].a == 7 && v[0].b == 8,
	      "a refused growth keeps the old array, valid and owned by the caller");
	free(v);

	return failures ? 1 : 0;
}
