// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Formatting helpers shared by the report and the script output: see fmt.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "walkcov.h"
#include "fmt.h"
#include "kaddr.h"

/* comm from the kernel: NUL-padded, but bad input may fill all 16 bytes */
void wc_clean_comm(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < WC_COMM_LEN && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = 0;
}

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

bool wc_needs_escape(const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!plain((unsigned char)src[i]))
			return true;
	return false;
}

size_t wc_escape(char *dst, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, out = 0;	/* needed, written */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char e[4];
		size_t k = 0;

		if (plain(c)) {
			e[k++] = (char)c;
		} else if (c == '\\') {
			e[k++] = '\\';
			e[k++] = '\\';
		} else {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		}
		if (out == n && n + k < size) {	/* nothing cut yet, and it fits */
			memcpy(dst + n, e, k);
			out += k;
		}
		n += k;
	}
	if (size)
		dst[out] = 0;
	return n;
}

struct json_object *wc_json_hex(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	return json_object_new_string(b);
}

void wc_json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

void wc_json_add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

const char *wc_ops_name(const struct wc_symtab *syms, uint64_t ops, const char *none,
			char *buf, size_t size)
{
	const char *n = wc_symtab_name(syms, ops);

	if (n)
		return n;
	if (!ops)
		return none;
	return wc_kaddr(ops, buf, size);
}

double wc_rel_s(uint64_t ts, uint64_t start_ns)
{
	return (double)(int64_t)(ts - start_ns) / 1e9;
}
