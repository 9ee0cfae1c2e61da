// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel pointers shown or hashed: see kaddr.h. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/random.h>
#include "errors.h"
#include "kaddr.h"

static bool raw_mode;
static bool have_key;
static uint64_t key[2];

bool wc_kaddr_allowed(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long a = 0;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llx", &a) == 1 && a != 0;
	fclose(f);
	return ok;
}

void wc_kaddr_set_raw(bool raw)
{
	raw_mode = raw;
}

bool wc_kaddr_raw(void)
{
	return raw_mode;
}

int wc_kaddr_setup(bool raw_requested)
{
	raw_mode = wc_kaddr_allowed("/proc/kallsyms");
	if (raw_requested && !raw_mode) {
		wc_err("--raw-addresses: this user cannot read kernel addresses "
		       "(/proc/kallsyms shows zeros; see kptr_restrict)");
		return -1;
	}
	return 0;
}

/* SipHash-2-4 of one 64-bit word (Aumasson and Bernstein): a PRF, so
 * without the key the output says nothing about the address. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND							\
	do {								\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t siphash_u64(uint64_t m)
{
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)8 << 56;

	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

const char *wc_kaddr(uint64_t v, char *buf, size_t size)
{
	if (raw_mode || !v) {
		snprintf(buf, size, "0x%" PRIx64, v);
		return buf;
	}
	if (!have_key) {
		/* a fixed key would let anyone hash the few possible KASLR
		 * offsets and compare: draw a fresh one per run */
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
			snprintf(buf, size, "#hidden");	/* no key: no id either */
			return buf;
		}
		have_key = true;
	}
	snprintf(buf, size, "#%012" PRIx64, siphash_u64(v) >> 16);
	return buf;
}

struct json_object *wc_kaddr_json(uint64_t v)
{
	char b[WC_KADDR_LEN];

	return json_object_new_string(wc_kaddr(v, b, sizeof(b)));
}
