/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#include <unistd.h>
#include "geometry.h"

struct wc_geometry wc_geo = { .page_shift = 12, .pmd_shift = 21 };

int wc_geometry_set(uint64_t page_size)
{
	uint32_t shift;

	for (shift = 12; shift <= 16; shift++) {
		if (page_size == 1ULL << shift) {
			wc_geo.page_shift = shift;
			/* a pte table is one page of 8-byte entries */
			wc_geo.pmd_shift = shift + shift - 3;
			return 0;
		}
	}
	return -1;
}

void wc_geometry_from_kernel(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (ps > 0)
		wc_geometry_set((uint64_t)ps);
}
