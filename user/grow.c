// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Grow-by-doubling arrays: see grow.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"

int wc_grow(void *arrp, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : first ? first : 1;
	void *arr;

	if (need <= *cap)
		return 0;
	if (!size) {
		errno = EINVAL;
		return -1;
	}
	while (n < need) {
		if (n > SIZE_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		n *= 2;
	}
	if (n > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	/* *arrp is a T *, read and written as bytes: no cast to void ** */
	memcpy(&arr, arrp, sizeof(arr));
	arr = realloc(arr, n * size);
	if (!arr)
		return -1;
	memcpy(arrp, &arr, sizeof(arr));
	*cap = n;
	return 0;
}
