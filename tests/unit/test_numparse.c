// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The one number parser of the command line (numparse.h): plain decimal
 * digits only; every sign, space, prefix, exponent and overflow refused,
 * never wrapped ("-18446744073709551615" is not 1) or clamped.
 */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "numparse.h"

static void u64_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = 12345;

	check(wc_parse_u64(s, min, max, &v) == 0 && v == want, "u64 '%s' is %llu", s,
	      (unsigned long long)want);
}

static void u64_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 12345;

	check(wc_parse_u64(s, min, max, &v) == -1 && v == 12345, "u64 '%s' refused", s);
}

int main(void)
{
	static const char *const bad[] = {
		"", "-1", "-0", "+1", " 1", "1 ", "\t1", "0x10", "1e3", "1.0", "1,000",
		"-18446744073709551615", "18446744073709551616", "99999999999999999999999",
		"1k", "inf", "nan", "--1", "\xef\xbc\x91",
	};
	static const char *const dbad[] = {
		"", ".", "-1", "+1", " 1", "1 ", "1e1", "1E1", "0x1", "inf", "nan", "1..2", "1.2.3",
		"-0.5", ",5", "1,5",
	};
	double d = -1;

	u64_ok("0", 0, 10, 0);
	u64_ok("10", 0, 10, 10);
	u64_ok("007", 0, 10, 7);
	u64_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	u64_ok("18446744073709551614", 1, UINT64_MAX, UINT64_MAX - 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		u64_bad(bad[i], 0, UINT64_MAX);
	u64_bad("0", 1, 10);
	u64_bad("11", 1, 10);
	u64_bad(NULL, 0, 10);

	check(!wc_parse_decimal("10", &d) && d == 10, "decimal '10'");
	check(!wc_parse_decimal("0.5", &d) && d == 0.5, "decimal '0.5'");
	check(!wc_parse_decimal(".25", &d) && d == 0.25, "decimal '.25'");
	check(!wc_parse_decimal("2.", &d) && d == 2, "decimal '2.'");
	for (size_t i = 0; i < sizeof(dbad) / sizeof(dbad[0]); i++) {
		d = -1;
		check(wc_parse_decimal(dbad[i], &d) == -1 && d == -1, "decimal '%s' refused", dbad[i]);
	}
	return failures ? 1 : 0;
}
