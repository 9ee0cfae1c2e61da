// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Untrusted JSON from a record file: see jsonin.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "jsonin.h"

int wc_json_check_size(const char *text, size_t len, size_t max_len, char *err, size_t errlen)
{
	size_t elements = 0, objects = 0;
	bool in_str = false, esc = false;

	if (len > max_len) {
		snprintf(err, errlen, "%zu bytes of JSON, at most %zu", len, max_len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{')
			objects++, elements++;
		else if (c == '[' || c == ',' || c == ':')
			elements++;
	}
	if (objects > WC_JSON_MAX_OBJECTS) {
		snprintf(err, errlen, "%zu JSON objects, at most %d", objects, WC_JSON_MAX_OBJECTS);
		return -1;
	}
	if (elements > WC_JSON_MAX_ELEMENTS) {
		snprintf(err, errlen, "%zu JSON elements, at most %d", elements,
			 WC_JSON_MAX_ELEMENTS);
		return -1;
	}
	return 0;
}

/* The string S (LEN bytes) escaped, malloc'd; NULL: out of memory. */
static char *escaped(const char *s, size_t len, size_t *outlen)
{
	size_t n = wc_escape(NULL, 0, s, len);
	char *b = malloc(n + 1);

	if (b)
		wc_escape(b, n + 1, s, len);
	*outlen = n;
	return b;
}

/*
 * Escape every string and key under O (depth bounded by the tokener). An
 * object with a key to escape is rebuilt: the new one is returned (the
 * caller puts it in O's place), else O (which may be NULL: a JSON null).
 * Out of memory sets *oom.
 */
static struct json_object *clean(struct json_object *o, bool *oom)
{
	struct json_object *n;
	bool rename = false;
	size_t len;
	char *b;

	switch (json_object_get_type(o)) {
	case json_type_string:
		if (!wc_needs_escape(json_object_get_string(o), (size_t)json_object_get_string_len(o)))
			return o;
		b = escaped(json_object_get_string(o), (size_t)json_object_get_string_len(o), &len);
		if (!b || json_object_set_string_len(o, b, (int)len) != 1)
			*oom = true;
		free(b);
		return o;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o) && !*oom; i++) {
			struct json_object *v = json_object_array_get_idx(o, i), *c = clean(v, oom);

			if (c != v)
				json_object_array_put_idx(o, i, c);
		}
		return o;
	case json_type_object:
		break;
	default:
		return o;
	}
	{
		json_object_object_foreach(o, key, val) {
			struct json_object *c = clean(val, oom);

			if (*oom)
				return o;
			if (c != val)
				json_object_object_add(o, key, c);	/* replaces in place */
			rename |= wc_needs_escape(key, strlen(key));
		}
	}
	if (!rename)
		return o;
	if (!(n = json_object_new_object())) {
		*oom = true;
		return o;
	}
	{
		json_object_object_foreach(o, key, val) {
			if (!(b = escaped(key, strlen(key), &len)) ||
			    json_object_object_add(n, b, json_object_get(val))) {
				free(b);
				json_object_put(n);
				*oom = true;
				return o;
			}
			free(b);
		}
	}
	return n;
}

struct json_object *wc_json_read(const char *text, size_t len, size_t max_len,
				 char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o, *c;
	enum json_tokener_error je;
	size_t end;
	bool oom = false;

	if (wc_json_check_size(text, len, max_len, err, errlen))
		return NULL;
	if (!(tok = json_tokener_new_ex(WC_JSON_MAX_DEPTH))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || je != json_tokener_success) {
		snprintf(err, errlen, "%s at byte %zu", je == json_tokener_success ||
			 je == json_tokener_continue ? "incomplete JSON" : json_tokener_error_desc(je),
			 end);
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "JSON is not an object");
		json_object_put(o);
		return NULL;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end]) || !text[end]) {
			snprintf(err, errlen, "data after the JSON object at byte %zu", end);
			json_object_put(o);
			return NULL;
		}
	}
	c = clean(o, &oom);
	if (c != o)
		json_object_put(o);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		json_object_put(c);
		return NULL;
	}
	return c;
}
