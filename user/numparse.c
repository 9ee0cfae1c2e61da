// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Numbers on the command line: see numparse.h. */
#include <stdbool.h>
#include <stdlib.h>
#include "numparse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int wc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (!is_digit(*s) || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int wc_parse_decimal(const char *s, double *out)
{
	const char *p = s;
	unsigned digits = 0;

	if (!s)
		return -1;
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (*p || !digits)
		return -1;
	/* only digits and one '.' remain: strtod reads them all, and a long
	 * run of digits is at most inf, which no caller's range takes */
	*out = strtod(s, NULL);
	return 0;
}
