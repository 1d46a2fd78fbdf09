/* json.c — see json.h. */
#include "ig_autoconf.h"

#include <string.h>

#include "lib/core/json.h"

/*
 * Scan the raw body for what json-c would let through: a \u0000 escape (it
 * would end a C string early, so two readers could see two different
 * values), a raw NUL byte anywhere, and raw control bytes inside strings.
 * Returns 0 when clean.
 */
static int
prescan(const char *buf, size_t len, ig_err *err)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == 0)
			return ig_err_set(err, IG_E_INVALID_JSON, NULL, "request body contains a NUL byte");
		if (!in_string) {
			if (c == '"')
				in_string = 1;
			continue;
		}
		if (c == '"') {
			in_string = 0;
		} else if (c < 0x20) {
			return ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "unescaped control character in a string at byte %zu", i);
		} else if (c == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len &&
			    memcmp(buf + i + 2, "0000", 4) == 0)
				return ig_err_set(err, IG_E_INVALID_JSON, NULL,
				    "strings must not contain \\u0000");
			i++; /* skip the escaped character */
		}
	}
	return 0;
}

static int
check_arrays(json_object *o, size_t max_array, ig_err *err)
{
	switch (json_object_get_type(o)) {
	case json_type_array: {
		size_t n = json_object_array_length(o);
		if (n > max_array)
			return ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "an array has %zu elements; at most %zu are allowed", n, max_array);
		for (size_t i = 0; i < n; i++)
			if (check_arrays(json_object_array_get_idx(o, i), max_array, err) != 0)
				return -1;
		return 0;
	}
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (check_arrays(v, max_array, err) != 0)
				return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

json_object *
ig_json_parse(const char *buf, size_t len, size_t max_array, ig_err *err)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len == 0) {
		ig_err_set(err, IG_E_INVALID_JSON, NULL, "request body is empty; a JSON object is required");
		return NULL;
	}
	if (prescan(buf, len, err) != 0)
		return NULL;
	tok = json_tokener_new_ex(IG_JSON_MAX_DEPTH);
	if (tok == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number at the very end needs the terminator to finish. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	} else {
		end = json_tokener_get_parse_end(tok);
	}
	if (jerr != json_tokener_success || obj == NULL) {
		ig_err_set(err, IG_E_INVALID_JSON, NULL, "malformed JSON: %s",
		    jerr == json_tokener_continue ? "unexpected end of input" :
		    json_tokener_error_desc(jerr));
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	for (; end < len; end++) {
		char c = buf[end];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "malformed JSON: unexpected data after the value at byte %zu", end);
			json_object_put(obj);
			return NULL;
		}
	}
	if (check_arrays(obj, max_array, err) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Shared start of every field reader: 0 found, 1 absent/null, -1 missing. */
static int
lookup(json_object *obj, const char *key, int required, json_object **val, ig_err *err)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body must be a JSON object");
	if (!json_object_object_get_ex(obj, key, val) || *val == NULL) {
		if (required)
			return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s is required", key);
		return 1;
	}
	return 0;
}

int
ig_json_string(json_object *obj, const char *key, int required, size_t minlen,
    size_t maxlen, const char **out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, &v, err);
	size_t n;

	if (rc != 0)
		return rc;
	if (!json_object_is_type(v, json_type_string))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be a string", key);
	n = ig_utf8_len(json_object_get_string(v));
	if (n < minlen || n > maxlen)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %zu and %zu characters long", key, minlen, maxlen);
	*out = json_object_get_string(v);
	return 0;
}

int
ig_json_int(json_object *obj, const char *key, int required, int64_t min,
    int64_t max, int64_t *out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, &v, err);
	int64_t n;

	if (rc != 0)
		return rc;
	if (!json_object_is_type(v, json_type_int))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be an integer", key);
	/* json-c stores large positive values as uint64 and clamps the int64
	 * view; compare through the unsigned view so 2^63 is not INT64_MAX. */
	if (json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %lld and %lld", key, (long long)min, (long long)max);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %lld and %lld", key, (long long)min, (long long)max);
	*out = n;
	return 0;
}

int
ig_json_bool(json_object *obj, const char *key, int required, int *out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, &v, err);

	if (rc != 0)
		return rc;
	if (!json_object_is_type(v, json_type_boolean))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be true or false", key);
	*out = json_object_get_boolean(v);
	return 0;
}

int
ig_json_only_keys(json_object *obj, const char *const *allowed, ig_err *err)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body must be a JSON object");
	json_object_object_foreach(obj, k, v) {
		const char *const *a;
		(void)v;
		for (a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (*a == NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, k, "unknown field %s", k);
	}
	return 0;
}

size_t
ig_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}
