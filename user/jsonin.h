/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * JSON read from a record file (the header, the END trailer's JSON) is
 * untrusted: json-c spends about 800 bytes on an empty object "{}" and 70
 * on a "1", so 1 MiB of "[{},{},...]" would cost 270 MB. wc_json_read
 * counts before json-c allocates anything and refuses a document past
 * these caps (docs/file-format.md, "Memory on any input"); it also escapes
 * every string and key (wc_escape), so nothing read from a file reaches a
 * terminal raw and every JSON walkcov prints is ASCII.
 */
#ifndef WALKCOV_JSONIN_H
#define WALKCOV_JSONIN_H

#include <stddef.h>
#include <json-c/json.h>

#define WC_JSON_MAX_DEPTH	16	/* nesting of arrays and objects */
#define WC_JSON_MAX_ELEMENTS	16384	/* '{', '[', ',' and ':' outside strings */
#define WC_JSON_MAX_OBJECTS	1024	/* '{' outside strings */

/*
 * TEXT (LEN bytes, at most MAX_LEN) as one JSON object, with nothing but
 * white space after it, at most WC_JSON_MAX_DEPTH deep, WC_JSON_MAX_ELEMENTS
 * elements and WC_JSON_MAX_OBJECTS objects. NULL with the reason in ERR
 * ("4100 objects, at most 4096", "invalid JSON: unexpected character at
 * byte 12") on failure.
 */
struct json_object *wc_json_read(const char *text, size_t len, size_t max_len,
				 char *err, size_t errlen);

/* 0 if TEXT (LEN bytes) is within the caps wc_json_read checks before
 * parsing (length, elements, objects), else -1 with the reason in ERR. The
 * writer checks what it writes with it, so readers never refuse it. */
int wc_json_check_size(const char *text, size_t len, size_t max_len, char *err, size_t errlen);

#endif
